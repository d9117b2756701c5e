"""The analysis side on constructed samples: summaries, limits, the USL fit, the advice."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pooltune.recommend.model import (
    LevelSamples,
    LevelStats,
    Percentiles,
    RequestSample,
    ServerFacts,
    Target,
)
from pooltune.tune.advise import advise
from pooltune.tune.fit import fit_usl, usl
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
    found, kind = concurrency_limit(refusing_server(limit))
    assert kind == "refuses" and found is not None
    assert abs(found - limit) <= 0.1 * limit


def test_queueing_knee_is_found() -> None:
    found, kind = concurrency_limit(queueing_server(slots=16))
    assert kind == "queues" and found is not None and abs(found - 16) <= 2


def test_latency_overhead_without_a_plateau_is_not_a_limit() -> None:
    """Latency 50% up while throughput keeps rising: overhead, not a server limit."""
    levels = [_level(n, 0.023 * (1 + n / 60), n / (0.023 * (1 + n / 60))) for n in LEVELS]
    assert concurrency_limit(levels) == (None, None)


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


def test_advise_http2_connections_and_keepalive() -> None:
    server = _server(http_version="HTTP/2", max_concurrent_streams=16, idle_timeout_s=5.0)
    rec, warnings = advise(
        Target(url="https://x", concurrency=150), server, queueing_server(slots=1000), None
    )
    assert rec.http2 and rec.max_connections == math.ceil(150 / 16) == 10
    assert rec.max_keepalive_connections == rec.max_connections
    assert rec.keepalive_expiry == 4.0
    assert rec.http1_max_connections == 150
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


def test_advise_keeps_http1_below_the_h2_threshold() -> None:
    server = _server(http_version="HTTP/2", max_concurrent_streams=100)
    rec, _ = advise(Target(url="https://x", concurrency=20), server, queueing_server(100), None)
    assert not rec.http2 and rec.max_connections == 20
    assert "speaks HTTP/2" in rec.why["http2"]


def test_advise_caps_at_a_refusing_server_with_a_semaphore() -> None:
    server = _server(concurrency_limit=24, concurrency_limit_kind="refuses")
    rec, warnings = advise(
        Target(url="https://x", concurrency=50), server, refusing_server(24), None
    )
    assert rec.max_connections == 24 and rec.concurrency_semaphore == 24
    assert any("exceeds" in w for w in warnings)


def test_advise_short_idle_timeout_gets_server_advice() -> None:
    rec, _ = advise(
        Target(url="https://x", concurrency=8),
        _server(idle_timeout_s=2.0),
        queueing_server(slots=100),
        None,
    )
    assert rec.keepalive_expiry == 1.0
    assert any("keep-alive timeout" in a for a in rec.server_advice)


def test_advise_warns_when_the_prober_saturates() -> None:
    levels = queueing_server(slots=100)
    levels[-1] = levels[-1].model_copy(update={"prober_cpu": 0.97})
    _, warnings = advise(Target(url="https://x", concurrency=20), _server(), levels, None)
    assert any("client's limit" in w for w in warnings)


@settings(max_examples=80, deadline=None)
@given(
    target=st.integers(1, 500),
    idle=st.one_of(st.none(), st.floats(0.5, 700)),
    streams=st.one_of(st.none(), st.integers(1, 1000)),
    http2=st.booleans(),
    latency=st.floats(0.001, 30),
)
def test_advise_properties(
    target: int, idle: float | None, streams: int | None, http2: bool, latency: float
) -> None:
    server = _server(
        http_version="HTTP/2" if http2 else "HTTP/1.1",
        idle_timeout_s=idle,
        max_concurrent_streams=streams,
    )
    levels = [_level(n, latency, n / latency) for n in (1, max(2, target // 2), target)]
    rec, _ = advise(Target(url="https://x", concurrency=target), server, levels, None)
    if idle is not None:
        assert rec.keepalive_expiry < idle
    for value in rec.timeout.model_dump().values():
        assert math.isfinite(value) and value > 0
    expected = math.ceil(target / (streams or 100)) if http2 and target >= 100 else target
    assert rec.max_connections == expected == rec.max_keepalive_connections
