"""Requests actually in flight, from each request's start and end timestamps.

A level asks for N workers; a slow prober keeps fewer than N requests in flight, so a limit is
measured in requests in flight, never in workers. When a server refuses (503/429) beyond L
requests in service, each refusal happened while L successful requests were in service: the
count of successful requests whose client-side interval contains the refusal's midpoint
estimates L (client intervals contain the server's, so this errs high by the client's own
overhead; the median over many refusals is stable from run to run).
"""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Iterable

from pooltune.model import InFlight, LevelSamples, RequestSample


def _ok(sample: RequestSample) -> bool:
    return sample.status is not None and sample.status < 400


def timeline(samples: Iterable[RequestSample]) -> list[tuple[float, int]]:
    """(time, requests in flight from then on), one step per start or end."""
    events: list[tuple[float, int]] = []
    for s in samples:
        events.append((s.started_s, 1))
        events.append((s.started_s + s.total_s, -1))
    events.sort(key=lambda e: (e[0], e[1]))
    steps: list[tuple[float, int]] = []
    current = 0
    for t, delta in events:
        current += delta
        steps.append((t, current))
    return steps


def in_flight(level: LevelSamples) -> InFlight | None:
    samples = level.samples
    if not samples:
        return None
    start = min(s.started_s for s in samples)
    end = max(s.started_s + s.total_s for s in samples)
    span = end - start
    mean = sum(s.total_s for s in samples) / span if span > 0 else float(len(samples))
    peak = max((n for _, n in timeline(samples)), default=0)
    return InFlight(mean=round(mean, 2), max=peak, at_refusal=at_refusal(samples))


def at_refusal(samples: list[RequestSample]) -> float | None:
    """Median count of successful requests in flight at the refusals' midpoints."""
    refusals = [s for s in samples if s.refused]
    ok = [s for s in samples if _ok(s)]
    if not refusals or not ok:
        return None
    starts = sorted(s.started_s for s in ok)
    ends = sorted(s.started_s + s.total_s for s in ok)
    counts = []
    for r in refusals:
        m = r.started_s + r.total_s / 2
        counts.append(bisect.bisect_right(starts, m) - bisect.bisect_left(ends, m))
    return float(statistics.median(counts))
