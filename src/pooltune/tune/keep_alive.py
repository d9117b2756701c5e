"""Does the server keep connections alive at all? An HTTP/1.0 server, or one that sends
`Connection: close` on every response, makes each request open a new connection: its
connections have no idle timeout to measure (a probe would time its own reconnects, as the
"idle timeout 0.17 s" once reported for such a server) and no lifetime.
"""

from __future__ import annotations

from pooltune.model import LevelSamples

MIN_ANSWERS = 8  # answered requests needed before a server is called one without keep-alive

NO_KEEP_ALIVE = (
    "the server does not keep connections alive (HTTP/1.0 or `Connection: close` on every "
    "response): every request opens a new connection, so pool size and keep-alive settings "
    "change little; the idle timeout and connection lifetime were not measured"
)


def keeps_alive(levels: list[LevelSamples]) -> bool | None:
    """False when no connection ever carried a second request, True when one did, None when
    too few requests were answered to tell."""
    answered = [s for level in levels for s in level.samples if s.status is not None]
    if any(not s.new_connection for s in answered):
        return True
    return False if len(answered) >= MIN_ANSWERS else None
