"""Faults after the sweep: a server that dies or stops answering during the protocol
comparison, the lifetime probe or the A/B makes the report partial, with a sentence that says
so, instead of a full recommendation beside "123 of 175 requests failed (connect)".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from pooltune.model import LevelSamples

# Past this share of requests without any response, a stage asks whether the server is still
# there (a server that still accepts connections is measured as it is: resets, faults).
NO_RESPONSE_SHARE = 0.5


def stage_fault(
    stage: str, levels: Iterable[LevelSamples], reachable: Callable[[], bool]
) -> str | None:
    """The warning for a stage whose server stopped answering or went away, else None."""
    levels = list(levels)
    unanswered = sum(level.unanswered for level in levels)
    if any(level.stalled for level in levels):
        return (
            f"the server stopped answering during the {stage}: {unanswered} "
            f"request{'s' * (unanswered != 1)} got no response; this report is partial"
        )
    samples = [s for level in levels for s in level.samples]
    failed = [s for s in samples if s.status is None]
    if not samples or len(failed) < NO_RESPONSE_SHARE * len(samples) or reachable():
        return None
    kinds = ", ".join(sorted(Counter(s.error or "error" for s in failed)))
    return (
        f"the server went away during the {stage} ({len(failed)} of {len(samples)} requests "
        f"got no response: {kinds}; it no longer accepts connections): this report is partial"
    )
