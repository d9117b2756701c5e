"""What bursts say: which size to release next, the largest burst the server takes whole, and
how that joins the limit the closed-loop sweep found.

A burst of N that comes back with r refusals says the server took N - r at once; the next size
tried is that many (less, if it was tried already), until a size meets no refusal in any of
its rounds. Only 429/503 (and reset HTTP/2 streams) count: a request that got no answer for
another reason says nothing about a cap.
"""

from __future__ import annotations

import math

from pooltune.model import BurstFacts, BurstRound
from pooltune.tune.limits import Limit


def first_size(target: int, limit: Limit, top: int | None = None) -> int:
    """The first burst: the semaphore the sweep's refusal limit would set, or the target below
    it (a burst of that size must be taken whole); with no refusal limit, the sweep's planned
    top (1.5x the target), so a cap between the target and there is found even when the sweep
    stopped short of it (a prober-bound sweep on a slow client library)."""
    if limit.kind == "refuses" and limit.value is not None:
        return max(1, min(target, limit.value))
    return max(1, target, top or 0)


def _refused_sizes(rounds: list[BurstRound]) -> set[int]:
    return {r.size for r in rounds if r.refused}


def _taken(rounds: list[BurstRound], size: int) -> int:
    """The fewest requests of a refused burst of `size` the server took at once."""
    return min(r.size - r.refused for r in rounds if r.size == size and r.refused)


def next_size(rounds: list[BurstRound]) -> int | None:
    """The next burst size, or None when the search is done.

    A burst of N with r < N refusals says the server took N - r at once: that size is tried
    next, and once it met no refusal the search ends. A burst refused whole says only that N is
    too many (a server counting open connections, as uvicorn does, refuses every request once
    there are N): the sizes are then bisected between the largest clean one and the smallest
    refused one, down to 5%."""
    if not rounds:
        return None
    refused_sizes = _refused_sizes(rounds)
    if not refused_sizes:
        return None
    hi = min(refused_sizes)
    lo = max((r.size for r in rounds if r.size < hi and r.size not in refused_sizes), default=0)
    taken = _taken(rounds, hi)
    if taken > 0:
        # informative: try what it took, unless a clean size already stands there
        return taken if lo < taken < hi else None
    if hi - lo <= max(1, math.floor(0.05 * hi)):
        return None
    middle = (lo + hi) // 2
    return middle if middle > lo else None


def facts(rounds: list[BurstRound]) -> BurstFacts | None:
    if not rounds:
        return None
    sizes = sorted({r.size for r in rounds}, reverse=True)
    refused_sizes = _refused_sizes(rounds)
    clean = [s for s in sizes if s not in refused_sizes]
    clean_up_to = max(clean) if clean else None
    limit = None
    confirmed = False
    if refused_sizes:
        below = [s for s in clean if s < min(refused_sizes)]
        if below:
            limit, confirmed = max(below), True
    return BurstFacts(
        rounds=rounds,
        limit=limit,
        clean_up_to=clean_up_to,
        confirmed=confirmed,
        evidence=_evidence(rounds, sizes, limit),
    )


def _evidence(rounds: list[BurstRound], sizes: list[int], limit: int | None) -> str:
    parts = []
    for size in sizes:
        mine = [r for r in rounds if r.size == size]
        refused = [r.refused for r in mine]
        told = ", ".join(str(n) for n in refused) if any(refused) else "none"
        parts.append(
            f"{size} requests released at once, {len(mine)} round{'s' * (len(mine) != 1)}: "
            f"{told} refused (429/503)"
        )
    said = "; ".join(parts)
    if limit is not None:
        return f"{said}: the server takes a burst of {limit} whole"
    if any(r.refused for r in rounds):
        return f"{said}: no size tried was taken whole, so no burst limit is claimed"
    return f"{said}: no burst up to {sizes[0]} met a refusal"


def with_bursts(limit: Limit, burst: BurstFacts | None) -> Limit:
    """The sweep's limit, lowered to what bursts showed when they were refused below it (a cap
    a closed-loop sweep misses when round-trip time spreads its arrivals)."""
    if burst is None or burst.limit is None:
        return limit
    if limit.kind == "refuses" and limit.value is not None and limit.value <= burst.limit:
        return limit
    # what refused bursts took at once, when that says something (not refused whole), else
    # one entry per round the limit was released and taken whole
    runs = [r.size - r.refused for r in burst.rounds if 0 < r.refused < r.size]
    runs = runs or [r.size for r in burst.rounds if r.size == burst.limit]
    return Limit(burst.limit, "refuses", runs, source="burst")
