"""Bursts: N requests released at once, the way `asyncio.gather` sends them (design.md 3b).

A cap a closed-loop sweep never meets (its requests arrive spread out by round-trip time, so
fewer sit inside the server at once) still refuses a burst; these are what the burst probe saw
and what the advisor read from it.
"""

from __future__ import annotations

from pydantic import Field

from pooltune.model.base import _Model


class BurstRound(_Model):
    size: int  # requests released at once
    refused: int  # answered 429/503 (or a reset HTTP/2 stream)
    failed: int = 0  # no response for another reason (never read as a refusal)
    # from the first request written to the last (connections were opened before the release)
    release_spread_s: float = 0.0

    @property
    def accepted(self) -> int:
        """Requests of this round the server took at once."""
        return self.size - self.refused - self.failed


class BurstFacts(_Model):
    rounds: list[BurstRound] = Field(default_factory=list)
    # the largest burst that met no refusal in any of its rounds, when a larger one was refused
    limit: int | None = None
    # the largest burst size tried that met no refusal (None: every size tried was refused)
    clean_up_to: int | None = None
    confirmed: bool = False  # `limit` was itself released and met no refusal (always, if set)
    evidence: str = ""  # one sentence: sizes, rounds, refusals
