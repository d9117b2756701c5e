"""Faults in a stage: a server that dies, stops answering or answers with redirects during
the sweep, the protocol comparison, the lifetime probe or the A/B makes the report partial,
with a sentence that says so, instead of a full recommendation beside "123 of 175 requests
failed (connect)".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from pooltune.model import LevelSamples, RequestSample

# Past this share of redirects, or of requests without any response, a stage is no
# measurement of the API (for the latter only when the server no longer accepts connections:
# one that still does is measured as it is, resets and all).
FAULT_SHARE = 0.5


def stage_fault(
    stage: str,
    levels: Iterable[LevelSamples],
    reachable: Callable[[], bool],
    still_answers: Callable[[LevelSamples], bool],
) -> str | None:
    """The warning for a stage whose server stopped answering, went away or redirected, else
    None. A stall is confirmed with one more request first (a server that stalls only some
    requests is measured as it is)."""
    levels = list(levels)
    unanswered = sum(level.unanswered for level in levels)
    stalled = [level for level in levels if level.stalled]
    samples = [s for level in levels for s in level.samples]
    if stalled and not still_answers(stalled[0]):
        if not reachable():  # not silent: gone (its requests were cut off mid-connect)
            return _gone(stage, samples, unanswered)
        return (
            f"the server stopped answering during the {stage}: {unanswered} "
            f"request{'s' * (unanswered != 1)} got no response; this report is partial"
        )
    redirects = Counter(s.status for s in samples if s.status and 300 <= s.status < 400)
    if samples and sum(redirects.values()) >= FAULT_SHARE * len(samples):
        statuses = ", ".join(str(code) for code in sorted(redirects))
        return (
            f"the server answered {sum(redirects.values())} of {len(samples)} requests of the "
            f"{stage} with a redirect ({statuses}): the prober follows no redirect, so this is "
            "not the API answering; pass the URL it redirects to as --url (this report is "
            "partial)"
        )
    failed = [s for s in samples if s.status is None]
    if not samples or len(failed) < FAULT_SHARE * len(samples) or reachable():
        return None
    return _gone(stage, samples, unanswered)


def _gone(stage: str, samples: list[RequestSample], unanswered: int) -> str:
    """The sentence for a server that no longer accepts connections; requests still in flight
    when the stage ended count as unanswered."""
    failed = [s.error or "error" for s in samples if s.status is None] + ["unanswered"] * unanswered
    kinds = ", ".join(sorted(Counter(failed)))
    return (
        f"the server went away during the {stage} ({len(failed)} of {len(samples) + unanswered} "
        f"requests got no response: {kinds}; it no longer accepts connections): this report is "
        "partial"
    )
