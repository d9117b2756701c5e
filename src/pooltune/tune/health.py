"""Was the prober the limit? A level is evidence about the server only when it was not.

Two tests, either enough:
- ceiling-bound: the level's request rate came within BOUND_SHARE of what the prober drove
  against a null server on this machine (its calibrated ceiling), per process;
- saturated: the prober ran out of CPU or waited for it, whatever its ceiling said. The issue's
  case: the openai engine flattened at 350-415 req/s at 90-99% of a core while its calibrated
  ceiling was 575-637 req/s, so the ceiling test alone read the client's plateau as a server
  queue. A saturated process (CPU_SATURATED of a core) or an event loop that wakes up late
  (LOOP_LAG_SATURATED_MS) starts its requests late, so its throughput is its own.

Bound levels are reported but left out of the fit, of caps and queues, and of the ceiling logic
(design.md section 3b).
"""

from __future__ import annotations

from pooltune.model import LevelSamples, LevelStats, Machine, ProberHealth

BOUND_SHARE = 0.8  # a level at this share of the calibrated ceiling measures the prober
# A process at 85% of a core has no headroom left for bursts of callbacks: the loop is nearly
# always busy, and the last 15% is scheduler and interpreter overhead (the openai
# engine flattened at 90-99%).
CPU_SATURATED = 0.85
# A 10 ms ticker on an idle loop wakes up 0.2 ms late at the median and 3-4 ms at p99 on this
# 2-core machine; beside two busy loops (every core taken) its p99 was 16-21 ms. 50 ms at p99
# means one tick in a hundred waited five times its own period: requests start that late too,
# which is more than a fast API's whole service time, so the level measures the prober.
LOOP_LAG_SATURATED_MS = 50.0
# ...and only when it is a real share of what it delays: a late start stretches a request's
# client-side interval (what in-flight counts and throughput are read from) by the lag, so 50 ms
# matters to a 20 ms request and not to a 2 s completion.
LOOP_LAG_SHARE = 0.5
RISE_PAST_BOUND = 1.1  # a level above a bound one that is not 10% faster is bound as well


def prober_health(level: LevelSamples) -> ProberHealth:
    """The prober's own reading of one level, and whether it saturated."""
    busiest = level.prober_cpu
    share = level.prober_cpu_s / level.wall_s if level.prober_cpu_s and level.wall_s > 0 else None
    lag = level.loop_lag_p99_ms
    reason = None
    if cpu_saturated(level):
        reason = f"{busiest:.0%} of a core"
    elif lag is not None and lag >= max(LOOP_LAG_SATURATED_MS, LOOP_LAG_SHARE * _p50_ms(level)):
        reason = f"event-loop lag p99 {lag:.0f} ms"
    return ProberHealth(
        cpu_share=None if share is None else round(share, 3),
        busiest_process_share=None if busiest is None else round(busiest, 3),
        loop_lag_p99_ms=lag,
        saturated=reason is not None,
        reason=reason,
        processes=level.workers,
        load_1m=level.load_1m,
        steal_share=level.steal_share,
    )


def _p50_ms(level: LevelSamples) -> float:
    times = sorted(s.total_s for s in level.samples if s.status is not None)
    return 1000 * times[len(times) // 2] if times else 0.0


def cpu_saturated(level: LevelSamples) -> bool:
    return level.prober_cpu is not None and level.prober_cpu >= CPU_SATURATED


def ceiling_bound(level: LevelSamples, ceiling_rps: float | None) -> bool:
    """The level's own request rate (refusals too) came within BOUND_SHARE of the ceiling."""
    if not ceiling_rps or level.wall_s <= 0:
        return False
    return len(level.samples) / level.wall_s >= BOUND_SHARE * ceiling_rps * level.workers


def level_bound(level: LevelSamples, ceiling_rps: float | None) -> bool:
    """Is this level the prober's, not the server's (left out as evidence)?"""
    return ceiling_bound(level, ceiling_rps) or prober_health(level).saturated


def at_own_limit(level: LevelSamples, ceiling_rps: float | None) -> bool:
    """The sweep's test for raising load further: the prober hit its own limit (its ceiling or
    a full core). A loop that lags because other processes hold the cores is not helped by
    stopping; those levels are marked, and the sweep goes on looking for refusals."""
    return ceiling_bound(level, ceiling_rps) or cpu_saturated(level)


def mark_bound(
    levels: list[LevelSamples], stats: list[LevelStats], ceiling_rps: float | None
) -> list[LevelStats]:
    """Set `prober_bound` on each summary (same order as ``levels``): ceiling-bound or
    saturated, and every higher level that did not get 10% past a bound one (a bigger pool on
    the same client is no faster)."""
    bound_rate: float | None = None
    order = sorted(range(len(levels)), key=lambda i: levels[i].concurrency)
    for i in order:
        level, summary = levels[i], stats[i]
        rate = len(level.samples) / level.wall_s if level.wall_s > 0 else 0.0
        if level_bound(level, ceiling_rps):
            summary.prober_bound = True
            bound_rate = max(bound_rate or 0.0, rate)
        elif bound_rate is not None and rate <= RISE_PAST_BOUND * bound_rate:
            summary.prober_bound = True
    return stats


def headroom(levels: list[LevelStats], ceiling_rps: float | None, engine: str) -> str:
    """One line: how close the load generator came to its own limits (GuideLLM's and k6's
    advice: the client must not be the bottleneck)."""
    watched = [lv for lv in levels if lv.prober is not None]
    if not watched:
        return f"load generator ({engine}): not watched (no level completed)"
    busiest = max(lv.prober.busiest_process_share or 0.0 for lv in watched if lv.prober)
    lag = max(lv.prober.loop_lag_p99_ms or 0.0 for lv in watched if lv.prober)
    top_rate = max(lv.throughput_rps for lv in levels)
    ceiling = f", {top_rate:,.0f} of its {ceiling_rps:,.0f} req/s ceiling" if ceiling_rps else ""
    saturated = [lv.concurrency for lv in watched if lv.prober and lv.prober.saturated]
    bound = [lv.concurrency for lv in levels if lv.prober_bound]
    reading = (
        f"load generator ({engine}): busiest process at {busiest:.0%} of a core, event-loop "
        f"lag p99 up to {lag:.0f} ms{ceiling}"
    )
    if saturated:
        return (
            f"{reading}; saturated at concurrency {_list(saturated)}: those levels are no "
            "evidence about the server"
        )
    if bound:
        return f"{reading}; concurrency {_list(bound)} ran near its ceiling: left out as evidence"
    return f"{reading}: headroom left at every level"


def _list(values: list[int]) -> str:
    return ", ".join(str(v) for v in sorted(set(values)))


def machine(cores: int, levels: list[LevelStats]) -> Machine:
    """The machine over the run: the highest load and steal any level saw."""
    loads = [lv.prober.load_1m for lv in levels if lv.prober and lv.prober.load_1m is not None]
    steals = [
        lv.prober.steal_share for lv in levels if lv.prober and lv.prober.steal_share is not None
    ]
    return Machine(
        cores=cores,
        load_1m=max(loads) if loads else None,
        steal_share=max(steals) if steals else None,
    )
