"""Where does the server stop taking more: refusals (503/429) or queueing? In requests in flight.

Refusals: at each refusing level (and its repeated runs) the limit is the number of successful
requests in flight when the server refused (pooltune.tune.inflight); the runs give its spread.
Queueing: a server that queues keeps every request, its latency grows with concurrency past
the knee N ~= peak throughput x unloaded latency (Little's law, in requests in flight), while
throughput stays flat. Levels the prober itself bounded are left out of the knee.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Literal

from pooltune.recommend.model import LevelStats
from pooltune.tune.stats import refusal_share

LimitKind = Literal["refuses", "queues"]
REFUSING = 0.02  # more than 2% of requests refused
QUEUEING = 1.3  # p50 latency 30% above the unloaded p50...
PLATEAU = 1.1  # ...while throughput grows less than 10% past the knee


@dataclass
class Limit:
    value: int | None = None
    kind: LimitKind | None = None
    runs: list[int] = field(default_factory=list)

    @property
    def spread(self) -> float | None:
        """(max - min) / 2 over the runs, relative to the value."""
        if not self.runs or not self.value:
            return None
        return (max(self.runs) - min(self.runs)) / 2 / self.value


def _refusal_estimate(level: LevelStats) -> int | None:
    flight = level.in_flight
    if flight is not None and flight.at_refusal is not None:
        return max(1, round(flight.at_refusal))
    # no timestamps of refusals (e.g. reset HTTP/2 streams): Little's law on the successes
    estimate = level.throughput_rps * level.latency_s.p50
    return max(1, round(estimate)) if estimate > 0 else None


def concurrency_limit(levels: list[LevelStats], repeats: list[LevelStats] | None = None) -> Limit:
    ordered = sorted(levels, key=lambda lv: lv.concurrency)
    if not ordered:
        return Limit()
    refusing = [lv for lv in ordered if refusal_share(lv) > REFUSING]
    if refusing:
        lowest = refusing[0].concurrency
        same = [lv for lv in refusing if lv.concurrency == lowest]
        same += [lv for lv in repeats or [] if refusal_share(lv) > REFUSING]
        runs = [e for e in (_refusal_estimate(lv) for lv in same) if e is not None]
        if not runs:
            return Limit()
        clean = [lv for lv in ordered if lv.concurrency < lowest]
        value = round(statistics.median(runs))
        # never below what a level that ran clean kept in flight on average
        floor = max(
            (int(lv.in_flight.mean) for lv in clean if lv.in_flight and refusal_share(lv) == 0),
            default=0,
        )
        floor = min(floor, lowest)
        return Limit(max(value, floor), "refuses", runs)
    usable = [lv for lv in ordered if not lv.prober_bound]
    knee, kind = _queueing_knee(usable)
    return Limit(knee, kind, [knee] if knee is not None else [])


def _queueing_knee(ordered: list[LevelStats]) -> tuple[int | None, LimitKind | None]:
    """A knee counts only if latency grew AND throughput stopped growing past it; latency that
    grows while throughput keeps rising is overhead (CPU, scheduling), not a server limit."""
    if len(ordered) < 3:
        return None, None
    base, top = ordered[0], ordered[-1]
    if base.latency_s.p50 <= 0 or top.latency_s.p50 < QUEUEING * base.latency_s.p50:
        return None, None
    peak = max(lv.throughput_rps for lv in ordered)
    knee = round(peak * base.latency_s.p50)

    def flight(lv: LevelStats) -> float:
        return lv.in_flight.mean if lv.in_flight else lv.concurrency

    if not flight(base) <= knee < flight(top):
        return None, None
    at_knee = min(ordered, key=lambda lv: abs(flight(lv) - knee))
    if top.throughput_rps > PLATEAU * at_knee.throughput_rps:
        return None, None
    return knee, "queues"
