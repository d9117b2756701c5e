"""Per-request phases from httpcore's trace events (`request.extensions["trace"]`).

httpcore (and httpcore2) call the hook with `<scope>.<step>.started|complete|failed`; the times
of those calls give the phases k6 users know: pool wait, connect (DNS + TCP), TLS, write,
time to first byte. A request that saw `connect_tcp` opened a new connection.
"""

from __future__ import annotations

import time
from typing import Any


class RequestTrace:
    """Collects one request's trace events; `phases()` turns them into durations in seconds."""

    __slots__ = ("_events", "started")

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self._events: dict[str, float] = {}

    async def __call__(self, name: str, info: dict[str, Any]) -> None:
        # Keep the first time of each event: a retried connect must not hide the first attempt.
        self._events.setdefault(name, time.perf_counter())

    def _first(self, *suffixes: str) -> float | None:
        times = [t for name, t in self._events.items() if name.endswith(suffixes)]
        return min(times) if times else None

    def _span(self, step: str) -> float | None:
        start = self._first(f"{step}.started")
        end = self._first(f"{step}.complete")
        return None if start is None or end is None else end - start

    @property
    def new_connection(self) -> bool:
        return "connection.connect_tcp.started" in self._events

    def phases(self) -> dict[str, float]:
        out: dict[str, float] = {}
        first_io = self._first("connection.connect_tcp.started", "send_request_headers.started")
        if first_io is not None:
            out["pool_wait"] = max(0.0, first_io - self.started)
        for phase, step in (("connect", "connect_tcp"), ("tls", "start_tls")):
            span = self._span(f"connection.{step}")
            if span is not None:
                out[phase] = span
        write_start = self._first("send_request_headers.started")
        write_end = self._first("send_request_body.complete", "send_request_headers.complete")
        if write_start is not None and write_end is not None:
            out["write"] = max(0.0, write_end - write_start)
        headers_done = self._first("receive_response_headers.complete")
        if headers_done is not None and write_end is not None:
            out["ttfb"] = max(0.0, headers_done - write_end)
        return out


class ChunkTimer:
    """Time to first token and the longest gap between chunks of a streamed (SSE) body."""

    __slots__ = ("_last", "max_gap", "started", "ttft")

    def __init__(self, started: float) -> None:
        self.started = started
        self._last: float | None = None
        self.ttft: float | None = None
        self.max_gap = 0.0

    def chunk(self, data: bytes) -> None:
        if not data.strip():
            return
        now = time.perf_counter()
        if self._last is None:
            self.ttft = now - self.started
        else:
            self.max_gap = max(self.max_gap, now - self._last)
        self._last = now

    def phases(self) -> dict[str, float]:
        if self.ttft is None:
            return {}
        return {"ttft": self.ttft, "max_gap": self.max_gap}
