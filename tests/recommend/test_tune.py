"""The analysis side on constructed samples: summaries, limits, the USL fit, the advice."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pooltune.model import (
    DnsTiming,
    InFlight,
    LevelSamples,
    LevelStats,
    Percentiles,
    PoolSettings,
    ProberHealth,
    ProtocolRun,
    RateLimit,
    RequestSample,
    ServerFacts,
    Target,
)
from pooltune.tune import protocols as proto
from pooltune.tune.advise import Evidence, advise
from pooltune.tune.fit import fit_usl, usl
from pooltune.tune.inflight import at_refusal, in_flight
from pooltune.tune.lifetime import connection_lifetime, max_requests
from pooltune.tune.limits import concurrency_limit
from pooltune.tune.stats import summarize

LEVELS = (4, 8, 12, 16, 20, 24, 30)


def _level(
    concurrency: int, latency: float, rps: float, refused: float = 0.0, new: int = 1
) -> LevelStats:
    requests = 100
    status = {"200": round(requests * (1 - refused))}
    if refused:
        status["503"] = requests - status["200"]
    p = Percentiles(p50=latency, p90=latency * 1.1, p99=latency * 1.3)
    return LevelStats(
        concurrency=concurrency,
        requests=requests,
        errors=status.get("503", 0),
        new_connections=new,
        latency_s=p,
        throughput_rps=rps,
        status=status,
        phases_s={
            "connect": Percentiles(p50=0.001, p90=0.002, p99=0.003),
            "tls": Percentiles(p50=0.004, p90=0.005, p99=0.006),
            "ttfb": p,
        },
        in_flight=InFlight(
            mean=min(concurrency, rps * latency),
            max=concurrency,
            at_refusal=rps * latency if refused else None,
        ),
    )


def refusing_server(limit: int, service: float = 0.05) -> list[LevelStats]:
    """Closed-loop model: beyond the limit, `limit` requests are in service, the rest refused."""
    out = []
    for n in LEVELS:
        accepted = min(n, limit)
        out.append(_level(n, service, accepted / service, refused=max(0, n - limit) / n * 0.9))
    return out


def queueing_server(slots: int, service: float = 0.02) -> list[LevelStats]:
    out = []
    for n in LEVELS:
        latency = service * max(1.0, n / slots)
        out.append(_level(n, latency, n / latency))
    return out


def test_summarize_percentiles_errors_and_phases() -> None:
    samples = [
        RequestSample(
            level=4,
            started_s=i,
            total_s=0.01 * (i + 1),
            status=200,
            new_connection=i < 2,
            phases={"ttfb": 0.005, "connect": 0.002} if i < 2 else {"ttfb": 0.005},
        )
        for i in range(10)
    ] + [
        RequestSample(level=4, started_s=10, total_s=0.001, status=503),
        RequestSample(level=4, started_s=11, total_s=5.0, error="read_timeout"),
    ]
    stats = summarize(LevelSamples(concurrency=4, wall_s=2.0, samples=samples))
    assert (stats.requests, stats.errors, stats.new_connections) == (12, 2, 2)
    assert stats.error_classes == {"http_503": 1, "read_timeout": 1}
    assert stats.throughput_rps == 5.0
    assert stats.latency_s.p50 == pytest.approx(0.055)
    assert stats.phases_s["connect"].p50 == 0.002  # over new connections only
    assert stats.status == {"200": 10, "503": 1}


@pytest.mark.parametrize("limit", [10, 16, 24])
def test_refusal_limit_within_ten_percent(limit: int) -> None:
    found = concurrency_limit(refusing_server(limit))
    assert found.kind == "refuses" and found.value is not None
    assert abs(found.value - limit) <= 0.1 * limit


def test_queueing_knee_is_found() -> None:
    found = concurrency_limit(queueing_server(slots=16))
    assert found.kind == "queues" and found.value is not None and abs(found.value - 16) <= 2


def test_latency_overhead_without_a_plateau_is_not_a_limit() -> None:
    """Latency 50% up while throughput keeps rising: overhead, not a server limit."""
    levels = [_level(n, 0.023 * (1 + n / 60), n / (0.023 * (1 + n / 60))) for n in LEVELS]
    found = concurrency_limit(levels)
    assert (found.value, found.kind) == (None, None)


# (concurrency, req/s, p50 ms, mean in flight) of a busy-machine sweep of HAProxy with a backend
# maxconn of 12 and 200 ms service times (a run the 10% plateau band read as "no cap": the
# first level near the plateau, 10, was 11% below the top)
HAPROXY_BUSY = [
    (1, 5, 204, 1.0), (2, 10, 204, 2.0), (4, 19, 204, 4.0), (6, 28, 206, 6.0),
    (8, 37, 210, 8.0), (10, 46, 207, 9.9), (12, 54, 209, 11.7), (14, 48, 221, 12.1),
    (16, 54, 237, 14.7), (18, 50, 256, 15.7), (20, 55, 389, 18.2), (22, 49, 427, 18.8),
    (24, 51, 441, 21.9),
]  # fmt: skip


def _measured(rows: list[tuple[int, float, float, float]]) -> list[LevelStats]:
    levels = []
    for concurrency, rps, p50_ms, flight in rows:
        level = _level(concurrency, p50_ms / 1000, rps)
        level.in_flight = InFlight(mean=flight, max=concurrency)
        levels.append(level)
    return levels


def test_a_noisy_plateau_is_still_a_queue() -> None:
    found = concurrency_limit(_measured(HAPROXY_BUSY))
    assert found.kind == "queues" and found.value is not None and abs(found.value - 12) <= 3


def test_flat_throughput_with_too_little_latency_growth_is_named_inconclusive() -> None:
    """Throughput flat past 8 in flight and latency up 60% at 24, where a queue at 8 would
    triple it: neither a queue nor "no cap" is claimed."""
    rows = [(c, min(c, 8) * 5.0, 200 * (1 + 0.6 * max(0, c - 8) / 16), c) for c in range(2, 26, 2)]
    found = concurrency_limit(_measured(rows))
    assert found.value is None and found.kind is None
    assert found.inconclusive is not None and "not told apart" in found.inconclusive


def _closed_loop(
    workers: int, limit: int, service: float, overhead: float, seconds: float
) -> LevelSamples:
    """A server that serves `limit` requests at once and refuses the rest at once; each worker
    waits `overhead` (a slow prober) between its requests."""
    rng = random.Random(workers * 1000 + limit)
    events: list[RequestSample] = []
    busy: list[float] = []  # end times of requests in service
    clocks = [rng.uniform(0, overhead) for _ in range(workers)]
    while min(clocks) < seconds:
        w = clocks.index(min(clocks))
        now = clocks[w]
        busy = [t for t in busy if t > now]
        if len(busy) >= limit:
            events.append(RequestSample(level=workers, started_s=now, total_s=0.0005, status=503))
            clocks[w] = now + 0.0005 + overhead
        else:
            took = service * rng.uniform(0.9, 1.1)
            busy.append(now + took)
            events.append(RequestSample(level=workers, started_s=now, total_s=took, status=200))
            clocks[w] = now + took + overhead
    return LevelSamples(concurrency=workers, wall_s=seconds, samples=events)


@pytest.mark.parametrize("workers", [46, 52, 58, 80])
def test_the_limit_is_in_requests_in_flight_not_workers(workers: int) -> None:
    """nginx limit_conn 40 seen by probers of different speeds: 40 every time."""
    level = _closed_loop(workers, 40, service=0.02, overhead=0.004, seconds=3.0)
    found = at_refusal(level.samples)
    assert found is not None and abs(found - 40) <= 4
    flight = in_flight(level)
    assert flight is not None and flight.max <= workers


def test_limit_runs_give_the_spread() -> None:
    levels = [summarize(_closed_loop(c, 40, 0.02, 0.004, 2.0)) for c in (30, 36, 46)]
    repeats = [summarize(_closed_loop(46, 40, 0.02, 0.006, 2.0)) for _ in range(2)]
    found = concurrency_limit(levels, repeats)
    assert found.kind == "refuses" and len(found.runs) == 3
    assert found.value is not None and abs(found.value - 40) <= 4
    assert found.spread is not None and found.spread < 0.1


def test_connection_lifetime_counts_closes_as_responses() -> None:
    samples = []
    for conn in range(1, 4):
        for i in range(1, 52):
            samples.append(
                RequestSample(
                    level=-1,
                    started_s=conn * 100 + i,
                    total_s=0.01,
                    status=200,
                    conn=conn,
                    closed=i == 51,
                )
            )
    level = LevelSamples(concurrency=1, wall_s=1.0, samples=samples)
    closes, n = connection_lifetime(level, "HTTP/1.1")
    assert n == 51 and closes.connection_close == 3 and closes.longest_run == 51
    assert summarize(level).errors == 0 and summarize(level).closes == 3
    assert max_requests([100, 100, 37]) == 100
    assert max_requests([37]) is None and max_requests([]) is None


def test_http2_connections_retired_under_load_are_goaways() -> None:
    samples = [
        RequestSample(level=-1, started_s=i, total_s=0.01, status=200, conn=1 + i // 20)
        for i in range(50)
    ]
    closes, n = connection_lifetime(
        LevelSamples(concurrency=1, wall_s=1, samples=samples), "HTTP/2"
    )
    assert closes.goaway == 2 and n == 20


def test_usl_fit_recovers_parameters_and_optimum() -> None:
    rng = random.Random(1)
    lam, sigma, kappa = 50.0, 0.05, 0.002
    levels = []
    for n in (1, 4, 8, 12, 16, 24, 32, 48):
        x = float(usl(n, lam, sigma, kappa)) * (1 + rng.uniform(-0.02, 0.02))  # type: ignore[arg-type]
        levels.append(_level(n, n / x, x))
    fit = fit_usl(levels)
    assert fit.fits and fit.r_squared is not None and fit.r_squared > 0.95
    truth = math.sqrt((1 - sigma) / kappa)
    assert fit.optimal_concurrency == pytest.approx(truth, rel=0.15)
    assert fit.optimal_concurrency_ci is not None
    low, high = fit.optimal_concurrency_ci
    assert low < fit.optimal_concurrency < high
    assert fit.little_law_max_error is not None and fit.little_law_max_error < 0.05


def test_fit_says_when_data_do_not_fit() -> None:
    assert not fit_usl([_level(4, 0.1, 40.0), _level(8, 0.1, 80.0)]).fits
    noisy = [_level(n, 0.05, x) for n, x in zip(LEVELS, (90, 10, 200, 5, 300, 1, 50), strict=True)]
    fit = fit_usl(noisy)
    assert not fit.fits and "R^2" in fit.reason


def test_linear_throughput_has_no_optimum() -> None:
    fit = fit_usl([_level(n, 0.02, n / 0.02) for n in LEVELS])
    assert fit.fits and fit.optimal_concurrency is None and "still rising" in fit.reason


def _server(**kw: object) -> ServerFacts:
    base: dict[str, object] = {"http_version": "HTTP/1.1", "idle_timeout_s": 5.0}
    base.update(kw)
    return ServerFacts.model_validate(base)


def _run(
    version: str,
    p50: float,
    p99: float,
    connections: int,
    errors: int = 0,
    cpu: float = 1.0,
    candidate: str = "",
    concurrency: int = 50,
) -> ProtocolRun:
    return ProtocolRun(
        http_version=version,  # type: ignore[arg-type]
        connections=connections,
        requests=200,
        errors=errors,
        new_connections=0,
        latency_s=Percentiles(p50=p50, p90=p50, p99=p99),
        client_cpu_ms_per_request=cpu,
        candidate=candidate or version,
        label=proto.label_of(candidate or version, connections, concurrency),
        concurrency=concurrency,
        phases_s={"ttfb": Percentiles(p50=p50, p90=p50, p99=p99)},
    )


def _evidence(
    target: int = 50, protocols: list[ProtocolRun] | None = None, **kw: object
) -> Evidence:
    server = kw.pop("server", None) or _server()
    runs = protocols or []
    if runs:
        runs[int(kw.pop("chosen", 0))].chosen = True  # type: ignore[call-overload]
    return Evidence(
        target=Target(url="https://x", concurrency=target),
        server=server,  # type: ignore[arg-type]
        levels=kw.pop("levels", None) or queueing_server(slots=1000),  # type: ignore[arg-type]
        protocols=runs,
        **kw,  # type: ignore[arg-type]
    )


def test_choose_by_measurement() -> None:
    h1 = _run("HTTP/1.1", 0.088, 0.106, 50)
    h2 = _run("HTTP/2", 0.096, 0.131, 1)
    assert proto.choose({"HTTP/1.1": h1, "HTTP/2": h2}) == "HTTP/1.1"
    # httpx 0.28 at 50: a large keep-alive pool costs its CPU, HTTP/2 wins
    slow = _run("HTTP/1.1", 0.101, 3.1, 50, cpu=2.1)
    small = _run("HTTP/1.1", 0.076, 0.704, 20, candidate=proto.HTTP1_SMALL)
    fast = _run("HTTP/2", 0.101, 0.126, 1, cpu=0.9)
    runs = {"HTTP/1.1": slow, "HTTP/2": fast, proto.HTTP1_SMALL: small}
    assert proto.choose(runs) == "HTTP/2"
    # errors decide before latency
    assert (
        proto.choose({"HTTP/1.1": h1, "HTTP/2": _run("HTTP/2", 0.01, 0.02, 1, errors=20)})
        == "HTTP/1.1"
    )
    # a tie keeps the simpler HTTP/1.1
    assert proto.choose({"HTTP/1.1": h1, "HTTP/2": _run("HTTP/2", 0.087, 0.105, 1)}) == "HTTP/1.1"


def test_candidates_follow_the_library() -> None:
    assert set(proto.candidates("httpx", "0.28.1", 50, True, True, 100)) == {
        "HTTP/1.1",
        "HTTP/2",
        proto.HTTP1_SMALL,
    }
    assert set(proto.candidates("httpx2", "2.16.2", 50, True, True, 100)) == {"HTTP/1.1", "HTTP/2"}
    assert set(proto.candidates("aiohttp", "3.14", 50, True, False, 100)) == {"HTTP/1.1"}
    _, conns = proto.candidates("httpx2", "2", 150, True, True, 64)["HTTP/2"]
    assert conns == 3


def test_http2_exactly_when_it_measured_better_with_both_figures() -> None:
    server = _server(http_version="HTTP/2", max_concurrent_streams=16)
    runs = [
        _run("HTTP/1.1", 0.3, 0.9, 150, concurrency=150),
        _run("HTTP/2", 0.1, 0.2, 10, concurrency=150),
    ]
    rec, warnings = advise(_evidence(150, runs, server=server, chosen=1))
    assert rec.http2 and rec.max_connections == math.ceil(150 / 16) == 10
    assert rec.max_keepalive_connections == rec.max_connections
    assert rec.http1_max_connections == 150
    assert "p50 100 ms" in rec.why["http2"] and "p50 300 ms" in rec.why["http2"]
    assert set(rec.why) >= {
        "max_connections",
        "max_keepalive_connections",
        "keepalive_expiry",
        "http2",
        "timeout.connect",
        "timeout.read",
        "timeout.pool",
    }
    assert not warnings
    runs = [
        _run("HTTP/1.1", 0.02, 0.03, 20, concurrency=20),
        _run("HTTP/2", 0.06, 0.09, 1, concurrency=20),
    ]
    rec, _ = advise(_evidence(20, runs, server=server, chosen=0))
    assert not rec.http2 and rec.max_connections == 20
    assert "p50 20 ms" in rec.why["http2"] and "p50 60 ms" in rec.why["http2"]


def test_timeouts_come_from_the_protocol_recommended() -> None:
    runs = [_run("HTTP/1.1", 0.5, 4.0, 50), _run("HTTP/2", 0.1, 0.2, 1)]
    rec, _ = advise(_evidence(50, runs, chosen=1, levels=queueing_server(slots=1000, service=3.0)))
    assert rec.timeout.read == 5.0 and rec.timeout.pool == 0.5
    assert "HTTP/2, 1 connection" in rec.why["timeout.read"]


def test_caps_at_a_refusing_server_with_a_semaphore_and_replicas() -> None:
    server = _server(concurrency_limit=24, concurrency_limit_kind="refuses")
    rec, warnings = advise(_evidence(50, levels=refusing_server(24), server=server))
    assert rec.max_connections == 24 and rec.concurrency_semaphore == 24
    assert any("exceeds" in w for w in warnings)
    rec, _ = advise(_evidence(50, levels=refusing_server(24), server=server, replicas=4))
    assert rec.concurrency_semaphore == 6 == rec.max_connections and rec.replicas == 4
    assert "24 // 4 = 6" in rec.why["concurrency_semaphore"]


def test_rate_limit_gives_a_limiter_and_retries() -> None:
    server = _server(rate_limit=RateLimit(limit_requests=600, retry_after_s=2.0))
    rec, _ = advise(_evidence(10, server=server, replicas=2))
    assert rec.rate_limit_rps == 5.0  # 600 per minute over 2 replicas
    assert rec.retry is not None and rec.retry.statuses == [429, 503] and rec.retry.backoff_s == 2.0
    assert "divided by 2 replicas" in rec.why["rate_limit_rps"]


def test_dns_and_long_calls_and_timeout_times_retries() -> None:
    server = _server(dns=DnsTiming(host="api.example", lookup_s=0.03))
    levels = queueing_server(slots=1000, service=150.0)
    rec, warnings = advise(
        _evidence(
            4,
            server=server,
            levels=levels,
            baseline=PoolSettings.library_defaults("openai"),
            library="openai",
        )
    )
    assert rec.ttl_dns_cache == 120 and "30.0 ms" in rec.why["ttl_dns_cache"]
    assert rec.tcp_keepalive is not None and "350" in rec.why["tcp_keepalive"]
    rec, warnings = advise(
        _evidence(4, baseline=PoolSettings.library_defaults("openai"), library="openai")
    )
    assert rec.tcp_keepalive is None
    assert any("30 minutes" in w and "max_retries=2" in w for w in warnings)


def test_a_pool_cost_is_claimed_when_measured_and_names_the_installed_version() -> None:
    runs = [
        _run("HTTP/1.1", 0.101, 3.1, 50, cpu=2.1),
        _run("HTTP/2", 0.101, 0.126, 1, cpu=0.9),
        _run("HTTP/1.1", 0.076, 0.704, 20, candidate=proto.HTTP1_SMALL),
    ]
    server = _server(http_version="HTTP/2", max_concurrent_streams=100)
    rec, _ = advise(_evidence(50, runs, server=server, chosen=1, library="httpx", version="0.29.0"))
    assert rec.http2 and rec.max_connections == 1
    advice = " ".join(rec.client_advice)
    assert "httpx 0.29.0 measured 2.10 ms" in advice and "1.00 ms with 20" in advice
    assert "0.28" not in advice


def test_no_pool_cost_is_claimed_when_this_run_did_not_measure_one() -> None:
    """httpx 0.29.0 whose large pool cost no more CPU than the small one: nothing claimed."""
    runs = [
        _run("HTTP/1.1", 0.101, 0.3, 50, cpu=1.0),
        _run("HTTP/2", 0.101, 0.126, 1, cpu=0.9),
        _run("HTTP/1.1", 0.076, 0.304, 20, cpu=0.95, candidate=proto.HTTP1_SMALL),
    ]
    server = _server(http_version="HTTP/2", max_concurrent_streams=100)
    rec, _ = advise(_evidence(50, runs, server=server, chosen=1, library="httpx", version="0.29.0"))
    assert not any("pool costs CPU" in a or "scanning" in a for a in rec.client_advice)


def test_short_idle_timeout_gets_server_advice() -> None:
    rec, _ = advise(_evidence(8, server=_server(idle_timeout_s=2.0)))
    assert rec.keepalive_expiry == 1.0
    assert any("keep-alive timeout" in a for a in rec.server_advice)


def test_warns_once_when_the_prober_saturates() -> None:
    levels = queueing_server(slots=100)
    health = ProberHealth(cpu_share=0.97, busiest_process_share=0.97, saturated=True,
                          reason="97% of a core")  # fmt: skip
    levels[-1] = levels[-1].model_copy(update={"prober": health, "prober_bound": True})
    _, warnings = advise(_evidence(20, levels=levels))
    saturated = [w for w in warnings if "saturated" in w]
    assert len(saturated) == 1 and "97% of a core" in saturated[0]


@settings(max_examples=80, deadline=None)
@given(
    target=st.integers(1, 500),
    idle=st.one_of(st.none(), st.floats(0.5, 700)),
    streams=st.one_of(st.none(), st.integers(1, 1000)),
    h2_better=st.booleans(),
    latency=st.floats(0.001, 30),
)
def test_advise_properties(
    target: int, idle: float | None, streams: int | None, h2_better: bool, latency: float
) -> None:
    server = _server(http_version="HTTP/2", idle_timeout_s=idle, max_concurrent_streams=streams)
    levels = [_level(n, latency, n / latency) for n in (1, max(2, target // 2), target)]
    runs = [
        _run("HTTP/1.1", latency, latency * 2, target, concurrency=target),
        _run(
            "HTTP/2", latency, latency * 2, math.ceil(target / (streams or 100)), concurrency=target
        ),
    ]
    rec, _ = advise(_evidence(target, runs, server=server, levels=levels, chosen=int(h2_better)))
    if idle is not None:
        assert rec.keepalive_expiry < idle
    for value in rec.timeout.model_dump().values():
        assert math.isfinite(value) and value > 0
    assert rec.http2 == h2_better
    expected = math.ceil(target / (streams or 100)) if h2_better else target
    assert rec.max_connections == expected == rec.max_keepalive_connections
