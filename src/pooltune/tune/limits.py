"""Where does the server stop taking more: refusals (503/429) or queueing? In requests in flight.

Refusals: at each refusing level (and its repeated runs) the limit is the number of successful
requests in flight when the server refused (pooltune.tune.inflight); the runs give its spread.
Queueing: a server that queues keeps every request; past the knee (the requests in flight of
the first level at the throughput plateau) latency grows with concurrency while throughput
stays flat. Levels the prober itself bounded (pooltune.tune.health) are no evidence: left out of the
knee, and of the refusal estimate. A queue is claimed only after the cross-check: the level
run again with the same load over twice the processes; if its throughput rises, the flattening
was the client's. A limit that fails its own checks is named inconclusive with the reason.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Literal

from pooltune.model import LevelStats, RateLimit
from pooltune.tune.stats import refusal_share

LimitKind = Literal["refuses", "queues"]
REFUSING = 0.02  # more than 2% of requests refused
QUEUEING = 1.3  # p50 latency 30% above the unloaded p50 at the top...
REACHED = 0.9  # ...past the first level within 10% of the throughput plateau (the knee)...
PLATEAU = 1.1  # ...while throughput grows less than 10% past the knee...
LINEAR = 0.7  # ...and latency grows at least 70% as fast as the requests in flight
# Past the knee, throughput "stops growing" also when it grows by less than a quarter of what
# the extra requests in flight would give a server that took them all (an elasticity of 0.25):
# a 10% band alone flips on one noisy level (seen: +11% from 10 to 22 in flight at a 12 cap)
FLAT_ELASTICITY = 0.25
# The cross-check: split over twice the processes, a server's queue serves no faster; a
# client's plateau rises. 15% is above the run-to-run noise of a level's throughput on loopback
# (5-10% here) and far below what a second process adds to a saturated client (+40-80%).
SPLIT_RISE = 1.15
# Repeated runs of the refusing level must agree: a spread (max - min) / 2 above 20% of the
# median is noise, not a limit (the busy runs: "no cap" then 26 for one server).
MAX_RUN_SPREAD = 0.2


@dataclass
class Limit:
    value: int | None = None
    kind: LimitKind | None = None
    runs: list[int] = field(default_factory=list)
    inconclusive: str | None = None  # why no value could be trusted (value is then None)
    note: str | None = None  # what the evidence said, for the report's notes
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
    refused = sum(round(refusal_share(lv) * lv.requests) for lv in levels)
    closed = sum(lv.refusals_closed for lv in levels)
    return refused > 0 and closed > refused / 2


def _saturated(level: LevelStats) -> bool:
    return level.prober is not None and level.prober.saturated


def concurrency_limit(
    levels: list[LevelStats], repeats: list[LevelStats] | None = None, wanted_top: int = 0
) -> Limit:
    """The server's limit from the sweep; ``wanted_top`` is the highest level the plan asked
    for (a sweep that stopped below it, held back by the prober, rules out no cap above)."""
    ordered = sorted(levels, key=lambda lv: lv.concurrency)
    if not ordered:
        return Limit()
    refusing = [lv for lv in ordered if refusal_share(lv) > REFUSING]
    if refusing:
        lowest = refusing[0].concurrency
        same = [lv for lv in refusing if lv.concurrency == lowest]
        same += [lv for lv in repeats or [] if refusal_share(lv) > REFUSING]
        clean = [lv for lv in same if not _saturated(lv)]
        if not clean:
            return Limit(
                kind="refuses",
                inconclusive=(
                    f"the server refused at concurrency {lowest}, but only in runs where the "
                    "prober was saturated: how many requests it takes was not measured cleanly"
                ),
            )
        same = clean
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
        found = Limit(round(statistics.median(runs)), "refuses", runs)
        spread = found.spread
        if spread is not None and spread > MAX_RUN_SPREAD:
            return Limit(
                kind="refuses",
                runs=runs,
                inconclusive=(
                    f"the runs at concurrency {lowest} disagree ({', '.join(map(str, runs))} in "
                    f"flight at the refusals, spread {spread:.0%} > {MAX_RUN_SPREAD:.0%})"
                ),
            )
        return found
    usable = [lv for lv in ordered if not lv.prober_bound]
    knee, doubt = _queueing_knee(usable)
    if knee is not None:
        return Limit(knee, "queues", [knee])
    if doubt is not None:
        return Limit(inconclusive=doubt)
    top_clean = max((lv.concurrency for lv in usable), default=0)
    if wanted_top and top_clean < wanted_top and len(usable) == len(ordered):
        return Limit(
            inconclusive=(
                f"no refusal or queue up to {top_clean} in flight, but the sweep stopped there "
                f"(budget or time; up to {wanted_top} was planned): a cap above {top_clean} is "
                "not ruled out"
            )
        )
    if wanted_top and top_clean < wanted_top:
        if not usable:
            return Limit(
                inconclusive=(
                    "every level ran at the prober's own limit (saturated or at its ceiling): "
                    "no level is evidence about the server's cap or queue"
                )
            )
        return Limit(
            inconclusive=(
                f"no refusal or queue up to {top_clean} in flight, but the levels above ran at "
                f"the prober's own limit (up to {wanted_top} was planned): a cap above "
                f"{top_clean} is not ruled out"
            )
        )
    return Limit()


def cross_check(limit: Limit, original: LevelStats, split: LevelStats | None) -> Limit:
    """Keep a queue claim only if the suspect level, split over more processes, did not get
    faster. ``split`` is None when the budget could not pay for it."""
    if limit.kind != "queues" or limit.value is None:
        return limit
    c = original.concurrency
    if split is None:
        return Limit(
            kind="queues",
            inconclusive=(
                f"throughput flattened past about {limit.value} in flight, but the cross-check "
                "(the level split over two processes) could not run within the budget"
            ),
        )
    before, after = original.throughput_rps, split.throughput_rps
    figures = (
        f"{before:,.0f} req/s at {c} in flight from {original.workers} process"
        f"{'es' * (original.workers != 1)}, {after:,.0f} req/s split over {split.workers}"
    )
    if after >= SPLIT_RISE * before:
        return Limit(
            note=(
                f"no server queue: throughput flattened past about {limit.value} in flight, but "
                f"the cross-check rose ({figures}): the flattening was the client's"
            )
        )
    if _saturated(split):
        return Limit(
            kind="queues",
            inconclusive=(
                f"throughput flattened past about {limit.value} in flight, and the cross-check "
                f"({figures}) saturated the prober too"
            ),
        )
    return Limit(
        limit.value,
        "queues",
        limit.runs,
        note=f"the server queues past about {limit.value} in flight: the cross-check ({figures}) "
        "did not get faster",
    )


def rate_limited(levels: list[LevelStats], rate_limit: RateLimit | None) -> bool:
    """Most refusals were 429s and the server announced a request budget: a rate limit."""
    if rate_limit is None:
        return False
    too_many = sum(lv.status.get("429", 0) for lv in levels)
    unavailable = sum(lv.status.get("503", 0) for lv in levels)
    return too_many > unavailable


def server_limit(
    levels: list[LevelStats],
    repeats: list[LevelStats],
    rate_limit: RateLimit | None,
    wanted_top: int = 0,
) -> Limit:
    """The limit on requests in flight, or none when the refusals were a rate limit (paced on
    the client, design.md section 3a)."""
    limit = concurrency_limit(levels, repeats, wanted_top)
    if limit.kind == "refuses" and rate_limited(levels, rate_limit):
        return Limit(
            note=(
                "the server's 429s came with a request budget (x-ratelimit-*/Retry-After): that "
                "is a rate limit, paced on the client below, not a limit on requests in flight"
            )
        )
    if limit.kind == "refuses" and limit.runs and limit.value is not None:
        n = len(limit.runs)
        limit.note = (
            "requests in flight (successful ones, client-side) when the server began refusing, "
            f"median of {n} run{'s' * (n != 1)}"
        )
    return limit


def _queueing_knee(ordered: list[LevelStats]) -> tuple[int | None, str | None]:
    """A queue shows as throughput that stops growing while latency grows: the knee is the
    first level whose throughput reaches the plateau (the median of the top three levels),
    and its requests in flight are what the server serves at once. Latency that grows while
    throughput keeps rising is overhead (CPU, scheduling), not a server limit; one slow level
    at the top is noise. The second value says why the levels could not tell a queue from no
    cap: throughput flat and latency up, but not as a queue grows it."""
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
    knee_level, top = ordered[index], ordered[-1]
    flight = knee_level.in_flight
    top_flight = top.in_flight.mean if top.in_flight else top.concurrency
    knee_flight = flight.mean if flight else knee_level.concurrency
    if knee_flight <= 0 or knee_level.throughput_rps <= 0:
        return None, None
    if not _flat(knee_level.throughput_rps, top.throughput_rps, knee_flight, top_flight):
        return None, None
    knee = min(flight.max, knee_level.concurrency) if flight else knee_level.concurrency
    # Queued requests wait in line: past the knee, latency grows with the requests in flight
    # (Little's law at a flat throughput). A busy CPU slows everything by a share instead.
    growth = top.latency_s.p50 / max(knee_level.latency_s.p50, 1e-9)
    if growth < LINEAR * (top_flight / knee_flight):
        return (
            None,
            (
                f"throughput flattened past about {knee} in flight while the median latency "
                f"grew {growth:.1f}x for {top_flight / knee_flight:.1f}x the requests in flight, "
                "less than a queue would give: a queue or a busy machine, not told apart"
            ),
        )
    return knee, None


def _flat(knee_rps: float, top_rps: float, knee_flight: float, top_flight: float) -> bool:
    """Throughput stopped growing between the knee and the top level: within the 10% band,
    or growing at less than FLAT_ELASTICITY of the requests in flight."""
    if top_rps <= PLATEAU * knee_rps:
        return True
    if top_flight <= knee_flight * PLATEAU:
        return False  # too little more in flight to tell growth from noise
    elasticity = math.log(top_rps / knee_rps) / math.log(top_flight / knee_flight)
    return elasticity <= FLAT_ELASTICITY
