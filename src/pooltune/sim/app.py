"""The simulated OpenAI-compatible API (ASGI): service time, slots, caps, rate limit, faults.

Per-connection behaviour (idle timeout, max requests, resets) is enforced together with the
connection layer in server.py, which shares the `SimStats` and the connection registry.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from pooltune.sim.settings import SimSettings
from pooltune.sim.stats import Connection, SimStats

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

Z99 = 2.3263478740408408  # the standard normal's 99th percentile


class ServiceTime:
    """Draws service times (seconds): fixed, exponential (mean) or lognormal (median, p99)."""

    def __init__(self, settings: SimSettings, rng: random.Random) -> None:
        self.median = settings.service_ms / 1000
        self.dist = settings.service_dist
        self.rng = rng
        p99 = (settings.service_p99_ms or settings.service_ms * 3) / 1000
        self.sigma = math.log(p99 / self.median) / Z99 if self.median > 0 and p99 > 0 else 0.0

    def draw(self) -> float:
        if self.median <= 0 or self.dist == "fixed":
            return self.median
        if self.dist == "exp":
            return self.rng.expovariate(1 / self.median)
        return self.rng.lognormvariate(math.log(self.median), self.sigma)


class RateLimiter:
    """A sliding 60-second window of accepted requests, like OpenAI's per-minute limits."""

    def __init__(self, rpm: int) -> None:
        self.rpm = rpm
        self.accepted: deque[float] = deque()

    def _expire(self, now: float) -> None:
        while self.accepted and now - self.accepted[0] >= 60.0:
            self.accepted.popleft()

    def try_acquire(self) -> tuple[bool, int, float]:
        """(allowed, remaining, seconds until a slot frees up)."""
        now = time.monotonic()
        self._expire(now)
        reset = 60.0 - (now - self.accepted[0]) if self.accepted else 0.0
        if len(self.accepted) >= self.rpm:
            return False, 0, max(reset, 0.001)
        self.accepted.append(now)
        return True, self.rpm - len(self.accepted), reset


def _duration_header(seconds: float) -> str:
    """OpenAI's x-ratelimit-reset-* format: '1m3s', '6.2s', '120ms'."""
    if seconds < 1:
        return f"{max(int(seconds * 1000), 1)}ms"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}m{rest:.0f}s" if minutes else f"{rest:.1f}s".replace(".0s", "s")


class SimApp:
    """ASGI entry point. Holds only this simulator's state: no globals."""

    def __init__(
        self,
        settings: SimSettings,
        stats: SimStats,
        connections: dict[tuple[str, int], Connection],
        abort_connection: Callable[[tuple[str, int]], None],
    ) -> None:
        self.settings = settings
        self.stats = stats
        self.connections = connections
        self.abort_connection = abort_connection
        self.rng = random.Random(settings.seed)
        self.service = ServiceTime(settings, self.rng)
        self.slots = asyncio.Semaphore(settings.slots) if settings.slots else None
        self.rate = RateLimiter(settings.rate_limit_rpm) if settings.rate_limit_rpm else None
        self.truth = settings.model_dump(mode="json")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                done = message["type"].replace(".startup", ".startup.complete")
                done = done.replace(".shutdown", ".shutdown.complete")
                await send({"type": done})
                if message["type"] == "lifespan.shutdown":
                    return
        if scope["type"] != "http":
            return
        path = scope["path"]
        if path.startswith("/_sim/"):
            await self._control(scope, send, path)
            return
        body = await self._read_body(receive)
        peer = tuple(scope.get("client") or ("", 0))
        conn = self.connections.get((str(peer[0]), int(peer[1])))
        await self._api(scope, send, path, body, conn)

    @staticmethod
    async def _read_body(receive: Receive) -> bytes:
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                return b"".join(chunks)

    async def _control(self, scope: Scope, send: Send, path: str) -> None:
        if path == "/_sim/truth" and scope["method"] == "GET":
            await _json(send, 200, self.truth)
        elif path == "/_sim/stats" and scope["method"] == "GET":
            await _json(send, 200, self.stats.snapshot())
        elif path == "/_sim/reset" and scope["method"] == "POST":
            self.stats.reset()
            await _json(send, 200, {"reset": True})
        else:
            await _json(send, 404, {"error": {"message": f"no such endpoint: {path}"}})

    async def _api(
        self, scope: Scope, send: Send, path: str, body: bytes, conn: Connection | None
    ) -> None:
        stats, settings = self.stats, self.settings
        if path not in ("/v1/chat/completions", "/v1/completions", "/v1/embeddings"):
            await _json(send, 404, {"error": {"message": f"unknown path {path}"}})
            return
        if scope["method"] != "POST":
            await _json(send, 405, {"error": {"message": "use POST"}})
            return
        stats.requests += 1
        extra: list[tuple[bytes, bytes]] = []
        if conn is not None:
            stats.count(conn)
            conn.requests += 1
            if settings.max_requests_per_connection and (
                conn.requests >= settings.max_requests_per_connection
            ):
                conn.retire = True
                conn.close_reason = "max_requests"
                if conn.http_version == "HTTP/1.1":
                    extra.append((b"connection", b"close"))

        if self.rate is not None:
            allowed, remaining, reset = self.rate.try_acquire()
            extra += [
                (b"x-ratelimit-limit-requests", str(self.rate.rpm).encode()),
                (b"x-ratelimit-remaining-requests", str(remaining).encode()),
                (b"x-ratelimit-reset-requests", _duration_header(reset).encode()),
            ]
            if not allowed:
                extra.append((b"retry-after", str(math.ceil(reset)).encode()))
                stats.answered(429)
                await _json(send, 429, _error("Rate limit reached for requests", "requests"), extra)
                return

        if settings.concurrency_limit is not None and stats.in_flight >= settings.concurrency_limit:
            stats.answered(503)
            await _json(send, 503, _error("The server is overloaded", "overloaded"), extra)
            return

        stats.in_flight += 1
        stats.peak_in_flight = max(stats.peak_in_flight, stats.in_flight)
        try:
            fault = self._fault()
            if fault == "reset" and conn is not None:
                stats.faults["reset"] = stats.faults.get("reset", 0) + 1
                conn.close_reason = "reset"
                self.abort_connection(conn.peer)
                return
            if fault == "stall":
                stats.faults["stall"] = stats.faults.get("stall", 0) + 1
                await asyncio.sleep(settings.stall_s)
            request = _parse(body)
            if request.get("stream") and path != "/v1/embeddings":
                await self._serve(self._stream(send, path, request, extra))
                return
            await self._serve(asyncio.sleep(self.service.draw()))
            if fault == "5xx":
                stats.faults["5xx"] = stats.faults.get("5xx", 0) + 1
                stats.answered(500)
                await _json(send, 500, _error("The server had an error", "server_error"), extra)
                return
            stats.answered(200)
            await _json(send, 200, _completion(path, request), extra)
        finally:
            stats.in_flight -= 1

    async def _serve(self, work: Awaitable[None]) -> None:
        """Run the work in a server slot: beyond --slots, requests queue (like a GPU server)."""
        if self.slots is None:
            await work
            return
        async with self.slots:
            await work

    def _fault(self) -> str | None:
        s = self.settings
        if not (s.fault_reset or s.fault_5xx or s.fault_stall):
            return None
        roll = self.rng.random()
        if roll < s.fault_reset:
            return "reset"
        if roll < s.fault_reset + s.fault_5xx:
            return "5xx"
        if roll < s.fault_reset + s.fault_5xx + s.fault_stall:
            return "stall"
        return None

    async def _stream(
        self, send: Send, path: str, request: dict[str, Any], extra: list[tuple[bytes, bytes]]
    ) -> None:
        settings = self.settings
        ttft = settings.ttft_ms / 1000 if settings.ttft_ms is not None else self.service.draw()
        await asyncio.sleep(ttft)
        headers = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]
        await send({"type": "http.response.start", "status": 200, "headers": headers + extra})
        model = str(request.get("model", "sim-1"))
        for index in range(settings.stream_tokens):
            if index:
                await asyncio.sleep(settings.token_ms / 1000)
            chunk = _chunk(path, model, f"tok{index} ", index == settings.stream_tokens - 1)
            data = b"data: " + json.dumps(chunk).encode() + b"\n\n"
            await send({"type": "http.response.body", "body": data, "more_body": True})
        await send({"type": "http.response.body", "body": b"data: [DONE]\n\n"})
        self.stats.answered(200)


def _parse(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body) if body else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _error(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "code": kind}}


def _completion(path: str, request: dict[str, Any]) -> dict[str, Any]:
    model = str(request.get("model", "sim-1"))
    usage = {"prompt_tokens": 8, "completion_tokens": 8, "total_tokens": 16}
    if path == "/v1/embeddings":
        return {
            "object": "list",
            "data": [{"object": "embedding", "index": 0, "embedding": [0.0] * 8}],
            "model": model,
            "usage": {"prompt_tokens": 8, "total_tokens": 8},
        }
    if path == "/v1/completions":
        return {
            "id": "cmpl-sim",
            "object": "text_completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "text": "ok", "finish_reason": "stop", "logprobs": None}],
            "usage": usage,
        }
    return {
        "id": "chatcmpl-sim",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "ok"},
                "finish_reason": "stop",
            }
        ],
        "usage": usage,
    }


def _chunk(path: str, model: str, text: str, last: bool) -> dict[str, Any]:
    finish = "stop" if last else None
    if path == "/v1/completions":
        return {
            "id": "cmpl-sim",
            "object": "text_completion",
            "model": model,
            "choices": [{"index": 0, "text": text, "finish_reason": finish}],
        }
    return {
        "id": "chatcmpl-sim",
        "object": "chat.completion.chunk",
        "model": model,
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}],
    }


async def _json(
    send: Send, status: int, payload: object, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps(payload).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
