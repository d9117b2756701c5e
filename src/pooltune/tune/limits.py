"""Where does the server stop taking more concurrency: refusals (503/429) or queueing?

Under closed-loop load, a server that refuses beyond L keeps exactly L requests in service, so
by Little's law L ~= successful throughput x latency of the successful requests. A server that
queues instead keeps every request, and its latency grows with concurrency past the knee
N ~= peak throughput x unloaded latency.
"""

from __future__ import annotations

from typing import Literal

from pooltune.recommend.model import LevelStats
from pooltune.tune.stats import refusal_share

LimitKind = Literal["refuses", "queues"]
REFUSING = 0.02  # more than 2% of requests refused
QUEUEING = 1.3  # p50 latency 30% above the unloaded p50...
PLATEAU = 1.1  # ...while throughput grows less than 10% past the knee


def _mean_latency(level: LevelStats) -> float:
    # p50 is robust to a few slow requests; service times are what the server spends
    return level.latency_s.p50


def concurrency_limit(levels: list[LevelStats]) -> tuple[int | None, LimitKind | None]:
    ordered = sorted(levels, key=lambda lv: lv.concurrency)
    if not ordered:
        return None, None
    previous: LevelStats | None = None
    for level in ordered:
        if refusal_share(level) > REFUSING:
            estimate = level.throughput_rps * _mean_latency(level)
            low = previous.concurrency if previous else 1
            return max(low, min(level.concurrency, round(estimate))), "refuses"
        previous = level
    return _queueing_knee(ordered)


def _queueing_knee(ordered: list[LevelStats]) -> tuple[int | None, LimitKind | None]:
    """A knee counts only if latency grew AND throughput stopped growing past it; latency that
    grows while throughput keeps rising is overhead (CPU, scheduling), not a server limit."""
    base, top = ordered[0], ordered[-1]
    if (
        len(ordered) < 3
        or base.latency_s.p50 <= 0
        or top.latency_s.p50 < QUEUEING * base.latency_s.p50
    ):
        return None, None
    peak = max(lv.throughput_rps for lv in ordered)
    knee = round(peak * base.latency_s.p50)
    if not base.concurrency <= knee < top.concurrency:
        return None, None
    at_knee = min(ordered, key=lambda lv: abs(lv.concurrency - knee))
    if top.throughput_rps > PLATEAU * at_knee.throughput_rps:
        return None, None
    return knee, "queues"
