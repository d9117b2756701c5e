"""Where does the server stop taking more: refusals (503/429) or queueing? In requests in flight.

Refusals: at each refusing level (and its repeated runs) the limit is the number of successful
requests in flight when the server refused (pooltune.tune.inflight); the runs give its spread.
Queueing: a server that queues keeps every request; past the knee (the requests in flight of
the first level at the throughput plateau) latency grows with concurrency while throughput
stays flat. Levels the prober itself bounded are left out of the knee.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Literal

from pooltune.model import LevelStats
from pooltune.tune.stats import refusal_share

LimitKind = Literal["refuses", "queues"]
REFUSING = 0.02  # more than 2% of requests refused
QUEUEING = 1.3  # p50 latency 30% above the unloaded p50 at the top...
REACHED = 0.9  # ...past the first level within 10% of the throughput plateau (the knee)...
PLATEAU = 1.1  # ...while throughput grows less than 10% past the knee...
LINEAR = 0.7  # ...and latency grows at least 70% as fast as the requests in flight


@dataclass
class Limit:
    value: int | None = None
    kind: LimitKind | None = None
    runs: list[int] = field(default_factory=list)
    source: Literal["sweep", "burst"] = "sweep"  # closed-loop levels, or requests at once

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


def counts_connections(levels: list[LevelStats]) -> bool:
    """Most refusals closed their connection: the server limits connections, not requests."""
    refused = sum(lv.status.get("503", 0) + lv.status.get("429", 0) for lv in levels)
    closed = sum(lv.refusals_closed for lv in levels)
    return refused > 0 and closed > refused / 2


def concurrency_limit(levels: list[LevelStats], repeats: list[LevelStats] | None = None) -> Limit:
    ordered = sorted(levels, key=lambda lv: lv.concurrency)
    if not ordered:
        return Limit()
    refusing = [lv for lv in ordered if refusal_share(lv) > REFUSING]
    if refusing:
        lowest = refusing[0].concurrency
        same = [lv for lv in refusing if lv.concurrency == lowest]
        same += [lv for lv in repeats or [] if refusal_share(lv) > REFUSING]
        estimates = [e for e in (_refusal_estimate(lv) for lv in same) if e is not None]
        if not estimates:
            return Limit()
        floor = 0
        if counts_connections(same):
            # It refuses by open connections (uvicorn: 503 + close once N are open), so few
            # requests may be in flight at a refusal; the highest level that ran clean held
            # that many connections, each with its request: that is what a client gets.
            floor = max(
                (
                    min(lv.in_flight.max, lv.concurrency)
                    for lv in ordered
                    if lv.concurrency < lowest and lv.in_flight and refusal_share(lv) == 0
                ),
                default=0,
            )
        runs = [max(e, floor) for e in estimates]
        return Limit(round(statistics.median(runs)), "refuses", runs)
    usable = [lv for lv in ordered if not lv.prober_bound]
    knee, kind = _queueing_knee(usable)
    return Limit(knee, kind, [knee] if knee is not None else [])


def _queueing_knee(ordered: list[LevelStats]) -> tuple[int | None, LimitKind | None]:
    """A queue shows as throughput that stops growing while latency grows: the knee is the
    first level whose throughput reaches the plateau (the median of the top three levels),
    and its requests in flight are what the server serves at once. Latency that grows while
    throughput keeps rising is overhead (CPU, scheduling), not a server limit; one slow level
    at the top is noise."""
    if len(ordered) < 4:
        return None, None
    unloaded = statistics.median(lv.latency_s.p50 for lv in ordered[:3])
    if unloaded <= 0:
        return None, None
    if any(lv.latency_s.p50 < QUEUEING * unloaded for lv in ordered[-2:]):
        return None, None
    plateau = statistics.median(lv.throughput_rps for lv in ordered[-3:])
    index = next(i for i, lv in enumerate(ordered) if lv.throughput_rps >= REACHED * plateau)
    if index >= len(ordered) - 2:
        return None, None  # still rising into the top levels: no plateau
    knee_level = ordered[index]
    if ordered[-1].throughput_rps > PLATEAU * knee_level.throughput_rps:
        return None, None
    flight = knee_level.in_flight
    knee = min(flight.max, knee_level.concurrency) if flight else knee_level.concurrency
    # Queued requests wait in line: past the knee, latency grows with the requests in flight
    # (Little's law at a flat throughput). A busy CPU slows everything by a share instead.
    top = ordered[-1]
    top_flight = top.in_flight.mean if top.in_flight else top.concurrency
    knee_flight = flight.mean if flight else knee_level.concurrency
    growth = top.latency_s.p50 / max(knee_level.latency_s.p50, 1e-9)
    if knee_flight <= 0 or growth < LINEAR * (top_flight / knee_flight):
        return None, None
    return knee, "queues"
