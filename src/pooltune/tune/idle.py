"""The server's idle keep-alive timeout, from what the idle probe saw, or why it cannot be told.

The probe idles connections for different gaps and records whether each survived; it has
already set aside connections that could not show an idle close (refused, `Connection: close`).
The timeout lies between the longest gap that survived and the shortest that was closed. It is
trusted only when the observations agree with each other and the edge held on a second
connection; otherwise it is named inconclusive, with the reason, and left null.
"""

from __future__ import annotations

from dataclasses import dataclass

from pooltune.model import ServerFacts

MIN_IDLE_GAP_S = 0.5  # a close sooner than this after a response is not an idle timeout
# A survivor this much longer than a closed gap contradicts it (timers of servers that sweep
# idle connections every second, e.g. nginx, fire up to a tick late).
DISAGREE_S = 1.0


@dataclass(frozen=True)
class IdleFinding:
    timeout_s: float | None = None
    inconclusive: str | None = None


def idle_timeout(server: ServerFacts) -> IdleFinding:
    seen = [
        (g, ok)
        for g, ok in server.idle_observations + server.idle_confirmations
        if g >= MIN_IDLE_GAP_S
    ]
    if not seen:
        if server.idle_discarded:
            why = ", ".join(f"{n} {reason}" for reason, n in server.idle_discarded.items())
            return IdleFinding(
                inconclusive=f"no connection could be idled cleanly ({why}): none is an idle close"
            )
        return IdleFinding(
            inconclusive="no idled connection completed its gap within the time left (budget)"
        )
    closes = [g for g, ok in seen if not ok]
    if not closes:
        return IdleFinding()  # every gap survived: longer than the probe window
    closed = min(closes)
    survivors = [g for g, ok in seen if ok]
    if survivors and max(survivors) > closed + DISAGREE_S:
        return IdleFinding(
            inconclusive=(
                f"the observations disagree: a connection idle {closed:.1f} s was closed, one "
                f"idle {max(survivors):.1f} s survived"
            )
        )
    if len(closes) < 2 or not server.idle_confirmations:
        return IdleFinding(
            inconclusive=(
                f"a connection was closed after {closed:.1f} s idle, but the edge could not be "
                "confirmed on a second connection (budget or time)"
            )
        )
    # between the longest survivor and the shortest close; when a survivor is a little longer
    # than a close (the timeout sits right at the gap), their midpoint is the timeout
    survived = max(survivors, default=0.0)
    return IdleFinding(timeout_s=round((survived + closed) / 2, 2))
