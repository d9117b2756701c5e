"""Never confidently wrong (issue 17), on recorded samples: the prober's own health, the idle
timeout's consistency checks, the queue cross-check, and advice that keeps a stated default in
place of an inconclusive value."""

from __future__ import annotations

import json

from pooltune.model import (
    HTTPX_DEFAULT_KEEPALIVE_EXPIRY_S,
    Discovery,
    InFlight,
    LevelSamples,
    LevelStats,
    Machine,
    Percentiles,
    ProberHealth,
    ProberInfo,
    ProtocolRun,
    Report,
    RequestSample,
    ServerFacts,
    Target,
)
from pooltune.render import render
from pooltune.tune import protocols as proto
from pooltune.tune.advise import Evidence, advise
from pooltune.tune.health import (
    CPU_SATURATED,
    LOOP_LAG_SATURATED_MS,
    headroom,
    level_bound,
    prober_health,
)
from pooltune.tune.idle import idle_timeout
from pooltune.tune.lifetime import lifetime_inconclusive
from pooltune.tune.limits import SPLIT_RISE, Limit, concurrency_limit, cross_check, server_limit
from pooltune.tune.stats import summarize, summarize_levels


def _samples(concurrency: int, n: int, status: int = 200, **kw: object) -> list[RequestSample]:
    return [
        RequestSample(level=concurrency, started_s=i * 0.01, total_s=0.02, status=status, **kw)  # type: ignore[arg-type]
        for i in range(n)
    ]


def _level(
    concurrency: int,
    rps: float,
    latency: float,
    *,
    saturated: bool = False,
    refused: int = 0,
    workers: int = 1,
) -> LevelStats:
    requests = 200
    status = {"200": requests - refused} | ({"503": refused} if refused else {})
    p = Percentiles(p50=latency, p90=latency * 1.1, p99=latency * 1.3)
    return LevelStats(
        concurrency=concurrency,
        requests=requests,
        errors=refused,
        new_connections=concurrency,
        latency_s=p,
        throughput_rps=rps,
        status=status,
        refused=refused,
        in_flight=InFlight(
            mean=min(concurrency, rps * latency),
            max=concurrency,
            at_refusal=rps * latency if refused else None,
        ),
        prober=ProberHealth(
            cpu_share=0.95 if saturated else 0.3,
            busiest_process_share=0.95 if saturated else 0.3,
            saturated=saturated,
            reason="95% of a core" if saturated else None,
        ),
        prober_bound=saturated,
        workers=workers,
    )


# -- the prober's health ----------------------------------------------------------------------


def test_a_level_is_saturated_by_cpu_or_by_loop_lag() -> None:
    quiet = LevelSamples(
        concurrency=8,
        wall_s=1.0,
        samples=_samples(8, 50),
        prober_cpu=0.4,
        prober_cpu_s=0.4,
        loop_lag_p99_ms=3.0,
    )
    busy_cpu = quiet.model_copy(update={"prober_cpu": CPU_SATURATED, "prober_cpu_s": 0.9})
    laggy = quiet.model_copy(update={"loop_lag_p99_ms": LOOP_LAG_SATURATED_MS + 1})
    assert not prober_health(quiet).saturated
    assert prober_health(busy_cpu).saturated and "of a core" in (
        prober_health(busy_cpu).reason or ""
    )
    assert prober_health(laggy).saturated and "lag" in (prober_health(laggy).reason or "")
    # far below the calibrated ceiling, a saturated level is bound all the same (the issue's
    # openai engine flattened at 350-415 req/s under a 575-637 req/s ceiling)
    assert level_bound(busy_cpu, ceiling_rps=600.0)
    assert not level_bound(quiet, ceiling_rps=600.0)


def test_summaries_carry_the_prober_health_and_the_bound_mark() -> None:
    levels = [
        LevelSamples(
            concurrency=c,
            wall_s=1.0,
            samples=_samples(c, 40),
            prober_cpu=cpu,
            prober_cpu_s=cpu,
            loop_lag_p99_ms=2.0,
        )
        for c, cpu in ((4, 0.2), (8, 0.4), (16, 0.95), (24, 0.5))
    ]
    stats = summarize_levels(levels, ceiling_rps=5000.0)
    assert [s.prober_bound for s in stats] == [False, False, True, True]  # 24: no faster than 16
    assert stats[2].prober is not None and stats[2].prober.saturated
    line = headroom(stats, 5000.0, "aiohttp 3.14.5")
    assert "aiohttp 3.14.5" in line and "saturated at concurrency 16" in line


# -- limits: saturated levels are no evidence; queues are cross-checked -----------------------


def _flat(saturated_from: int | None = None) -> list[LevelStats]:
    """Throughput flat past 16 in flight while latency grows with concurrency (a queue's look)."""
    out = []
    for c in (2, 4, 8, 12, 16, 24, 32, 40, 48):
        rps = 50 * min(c, 16)
        latency = c / rps
        out.append(_level(c, rps, latency, saturated=bool(saturated_from and c >= saturated_from)))
    return out


def test_a_queue_seen_only_at_saturated_levels_is_not_claimed() -> None:
    found = concurrency_limit(_flat(saturated_from=16), wanted_top=48)
    assert found.value is None and found.kind is None
    assert found.inconclusive and "prober's own limit" in found.inconclusive


def test_the_cross_check_clears_a_queue_when_split_throughput_rises() -> None:
    limit = Limit(16, "queues", [16])
    original = _level(48, 800, 0.06)
    faster = _level(48, 800 * SPLIT_RISE + 1, 0.04, workers=2)
    cleared = cross_check(limit, original, faster)
    assert cleared.value is None and cleared.kind is None and cleared.inconclusive is None
    assert cleared.note and "the flattening was the client's" in cleared.note
    same = _level(48, 810, 0.06, workers=2)
    kept = cross_check(limit, original, same)
    assert (
        (kept.value, kept.kind) == (16, "queues")
        and kept.note
        and "did not get faster" in kept.note
    )
    assert cross_check(limit, original, None).inconclusive
    saturated_split = _level(48, 810, 0.06, workers=2, saturated=True)
    assert cross_check(limit, original, saturated_split).inconclusive


def test_refusals_only_at_saturated_levels_leave_the_limit_inconclusive() -> None:
    levels = [_level(c, 20 * c, 0.05) for c in (4, 8, 16)]
    levels += [_level(32, 600, 0.05, saturated=True, refused=40)]
    found = server_limit(levels, [], None)
    assert found.value is None and found.inconclusive and "saturated" in found.inconclusive


def test_refusal_runs_that_disagree_are_inconclusive() -> None:
    base = [_level(c, 20 * c, 0.05) for c in (4, 8, 16)]
    runs = [_level(32, rps, 0.05, refused=40) for rps in (200, 600, 300)]  # 10, 30, 15 in flight
    found = concurrency_limit(base + runs[:1], runs[1:])
    assert found.value is None and found.inconclusive and "disagree" in found.inconclusive


# -- the idle timeout -------------------------------------------------------------------------


def _server(**kw: object) -> ServerFacts:
    return ServerFacts(http_version="HTTP/1.1", **kw)  # type: ignore[arg-type]


def test_idle_timeout_between_survivor_and_close_once_confirmed() -> None:
    seen = [(1.0, True), (2.0, True), (2.35, True), (2.68, True), (3.01, False)]
    found = idle_timeout(
        _server(idle_observations=seen, idle_confirmations=[(2.68, True), (3.0, False)])
    )
    assert found.inconclusive is None and found.timeout_s is not None
    assert abs(found.timeout_s - 3.0) <= 0.45  # within 15%


def test_the_issues_zero_second_closes_are_never_an_idle_timeout() -> None:
    """uvicorn at its cap answered the idle probe with 503 + close: discarded, never a gap 0."""
    found = idle_timeout(
        _server(idle_observations=[(0.0, False)] * 7, idle_discarded={"refused (429/503)": 7})
    )
    assert found.timeout_s is None and found.inconclusive and "refused" in found.inconclusive


def test_an_unconfirmed_or_contradicted_edge_is_inconclusive() -> None:
    seen = [(1.0, True), (2.0, True), (3.0, False)]
    unconfirmed = idle_timeout(_server(idle_observations=seen))
    assert unconfirmed.timeout_s is None and unconfirmed.inconclusive
    assert "second connection" in unconfirmed.inconclusive
    contradicted = idle_timeout(
        _server(idle_observations=[*seen, (5.0, True)], idle_confirmations=[(3.0, False)])
    )
    assert contradicted.timeout_s is None and contradicted.inconclusive
    assert "disagree" in contradicted.inconclusive
    every_gap_survived = idle_timeout(_server(idle_observations=[(1.0, True), (2.0, True)]))
    assert every_gap_survived == type(every_gap_survived)()  # longer than the window


# -- advice keeps stated defaults in place of inconclusive values -----------------------------


def test_advice_uses_the_librarys_default_for_an_inconclusive_idle_timeout() -> None:
    levels = [_level(c, 20 * c, 0.05) for c in (1, 2, 4, 8)]
    server = _server(concurrency_limit=None)
    why = "the edge did not hold on a second connection"
    ev = Evidence(
        target=Target(url="https://api.example/v1", concurrency=8),
        server=server,
        levels=levels,
        library="httpx",
        version="0.29.0",
        inconclusive={"idle_timeout_s": why, "concurrency_limit": "only saturated evidence"},
    )
    rec, _ = advise(ev)
    assert rec.keepalive_expiry == HTTPX_DEFAULT_KEEPALIVE_EXPIRY_S
    assert why in rec.why["keepalive_expiry"] and "own default" in rec.why["keepalive_expiry"]
    assert rec.concurrency_semaphore is None
    assert "inconclusive" in rec.why["concurrency_semaphore"]
    assert not any("keep-alive timeout" in a for a in rec.server_advice)


def test_one_refusal_rule_for_http1_statuses_and_http2_resets() -> None:
    samples = [
        RequestSample(level=4, started_s=0, total_s=0.01, status=503),
        RequestSample(level=4, started_s=0, total_s=0.01, status=429),
        RequestSample(
            level=4, started_s=0, total_s=0.01, error="remote_protocol", http_version="HTTP/2"
        ),
        RequestSample(
            level=4, started_s=0, total_s=0.01, error="remote_protocol", http_version="HTTP/1.1"
        ),
        RequestSample(level=4, started_s=0, total_s=0.01, status=200),
    ]
    stats = summarize(LevelSamples(concurrency=4, wall_s=1.0, samples=samples))
    assert stats.refused == 3


def test_requests_per_connection_must_agree_across_connections() -> None:
    assert lifetime_inconclusive([]) is None
    assert lifetime_inconclusive([21, 21, 21, 21]) is None
    one = lifetime_inconclusive([21])
    assert one and "not seen again" in one
    differing = lifetime_inconclusive([5, 13, 21])
    assert differing and "differing" in differing
    few = lifetime_inconclusive([21, 21, 3, 4, 7, 9, 11])
    assert few and "2 of 7" in few


def test_the_report_says_headroom_machine_discovery_and_what_is_inconclusive() -> None:
    levels = [_level(c, 20 * c, 0.05) for c in (1, 2, 4)] + [_level(8, 90, 0.09, saturated=True)]
    report = Report(
        target=Target(url="https://api.example/v1", concurrency=8),
        server=_server(),
        levels=levels,
        recommendation=None,
        requests_sent=100,
        duration_s=3.0,
        prober=ProberInfo(engine="httpx", headroom=headroom(levels, 400.0, "aiohttp 3.14.5")),
        machine=Machine(cores=2, load_1m=4.5),
        discovery=Discovery(engine="aiohttp 3.14.5", processes=2),
        inconclusive={"idle_timeout_s": "the edge did not hold on a second connection"},
    )
    text = " ".join(render(report, "text").split())
    assert "load generator (aiohttp 3.14.5): busiest process at 95% of a core" in text
    assert "saturated at concurrency 8" in text
    assert "discovery: aiohttp 3.14.5 over 2 processes" in text
    assert "machine: 2 cores, load (1 min) up to 4.50" in text
    assert "inconclusive: idle_timeout_s: the edge did not hold" in text
    data = json.loads(render(report, "json"))
    assert data["levels"][-1]["prober"]["saturated"] is True
    assert data["machine"]["cores"] == 2 and data["discovery"]["processes"] == 2
    assert data["inconclusive"] == {
        "idle_timeout_s": "the edge did not hold on a second connection"
    }
    assert data["server"]["idle_timeout_s"] is None


def test_a_pool_cost_without_a_cpu_reading_is_not_claimed() -> None:
    """The issue's busy run: both arms read 0.00 ms of client CPU; nothing may be claimed."""
    runs = [
        _run_of("HTTP/1.1", 32, cpu=0.0, chosen=True),
        _run_of("HTTP/1.1", 20, cpu=0.0, candidate=proto.HTTP1_SMALL),
    ]
    ev = Evidence(
        target=Target(url="https://api.example/v1", concurrency=32),
        server=_server(),
        levels=[_level(c, 20 * c, 0.05) for c in (1, 2, 4)],
        protocols=runs,
        library="httpx",
        version="0.29.0",
    )
    rec, _ = advise(ev)
    assert rec.client_advice == []


def test_a_sweep_with_no_clean_level_says_so() -> None:
    levels = [_level(c, 20 * c, 0.05, saturated=True) for c in (1, 2, 4, 8)]
    found = concurrency_limit(levels, wanted_top=48)
    assert found.value is None and found.inconclusive and "every level" in found.inconclusive


def _run_of(
    version: str, connections: int, *, cpu: float, chosen: bool = False, candidate: str = ""
) -> ProtocolRun:
    p = Percentiles(p50=0.05, p90=0.06, p99=0.08)
    return ProtocolRun(
        http_version=version,  # type: ignore[arg-type]
        connections=connections,
        requests=100,
        errors=0,
        new_connections=0,
        latency_s=p,
        client_cpu_ms_per_request=cpu,
        candidate=candidate or version,
        concurrency=32,
        chosen=chosen,
    )


def test_a_sweep_cut_short_by_the_budget_rules_out_no_cap_above_it() -> None:
    levels = [_level(c, 20 * c, 0.05) for c in (1, 2, 4, 8, 12)]
    found = concurrency_limit(levels, wanted_top=48)
    assert found.value is None and found.inconclusive and "stopped there" in found.inconclusive
    assert concurrency_limit(levels, wanted_top=12).inconclusive is None  # the whole plan ran


def test_no_protocol_is_chosen_from_arms_that_completed_nothing() -> None:
    """The issue's squeezed comparison: both arms 0 requests; HTTP/2 won on 0.00 ms of CPU."""
    empty_h1 = _run_of("HTTP/1.1", 32, cpu=66.9).model_copy(update={"requests": 0})
    empty_h2 = _run_of("HTTP/2", 1, cpu=0.0).model_copy(update={"requests": 0})
    assert proto.choose({"HTTP/1.1": empty_h1, "HTTP/2": empty_h2}) is None
    h1 = _run_of("HTTP/1.1", 32, cpu=1.0)
    assert proto.choose({"HTTP/1.1": h1, "HTTP/2": empty_h2}) == "HTTP/1.1"


def test_an_idle_probe_that_completed_no_gap_is_inconclusive() -> None:
    found = idle_timeout(_server())
    assert found.timeout_s is None and found.inconclusive and "time left" in found.inconclusive
