"""What bursts say: which size to release next, the largest burst the server takes whole, and
how that joins the limit the closed-loop sweep found.

A burst of N that comes back with r refusals says the server took N - r at once; the next size
tried is that many (less, if it was tried already), until a size meets no refusal in any of
its rounds. Only 429/503 (and reset HTTP/2 streams) count: a request that got no answer for
another reason says nothing about a cap.
"""

from __future__ import annotations

from pooltune.model import BurstFacts, BurstRound
from pooltune.tune.limits import Limit


def first_size(target: int, limit: Limit) -> int:
    """What a client would release at once: the target, or the semaphore the sweep's refusal
    limit would set (a burst of that size must be taken whole)."""
    if limit.kind == "refuses" and limit.value is not None:
        return max(1, min(target, limit.value))
    return max(1, target)


def _refused_sizes(rounds: list[BurstRound]) -> set[int]:
    return {r.size for r in rounds if r.refused}


def next_size(rounds: list[BurstRound]) -> int | None:
    """The next burst size, or None when the last size met no refusal (or nothing is left)."""
    if not rounds:
        return None
    last = rounds[-1].size
    refused = [r for r in rounds if r.size == last and r.refused]
    if not refused:
        return None
    taken = min(r.size - r.refused for r in refused)
    tried = {r.size for r in rounds}
    size = min(taken, last - 1, min(tried) - 1)
    return size if size >= 1 else None


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
        else:
            smallest = min(refused_sizes)
            limit = max(1, min(r.size - r.refused for r in rounds if r.size == smallest))
    return BurstFacts(
        rounds=rounds,
        limit=limit,
        clean_up_to=clean_up_to,
        confirmed=confirmed,
        evidence=_evidence(rounds, sizes, limit, confirmed),
    )


def _evidence(
    rounds: list[BurstRound], sizes: list[int], limit: int | None, confirmed: bool
) -> str:
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
    if limit is None:
        return f"{said}: no burst up to {sizes[0]} met a refusal"
    if confirmed:
        return f"{said}: the server takes a burst of {limit} whole"
    return f"{said}: the server took at most {limit} of a burst at once (not confirmed clean)"


def with_bursts(limit: Limit, burst: BurstFacts | None) -> Limit:
    """The sweep's limit, lowered to what bursts showed when they were refused below it (a cap
    a closed-loop sweep misses when round-trip time spreads its arrivals)."""
    if burst is None or burst.limit is None:
        return limit
    if limit.kind == "refuses" and limit.value is not None and limit.value <= burst.limit:
        return limit
    runs = [r.size - r.refused for r in burst.rounds if r.refused]
    return Limit(burst.limit, "refuses", runs, source="burst")
