"""A small real API on loopback for the prober's tests: hypercorn with TLS (trustme), HTTP/2,
an idle keep-alive timeout, a concurrency cap (503 beyond it) and server-side counters.

It stands in for `pooltune sim` in the probe-level tests (fast, in-process thread); the
end-to-end `pooltune recommend` tests use the real simulator through `pooltune.sim`.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import trustme


@dataclass
class ApiSettings:
    service_s: float = 0.01
    concurrency_limit: int | None = None
    idle_timeout: float = 2.0
    h2_max_streams: int = 100
    http1_only: bool = False
    status: int = 200
    stop_after_requests: int | None = None  # the server dies after this many requests
    sse_chunks: int = 0  # > 0: answer with this many SSE events
    sse_long_gap_s: float = 0.2  # the pause before the last event


@dataclass
class Counters:
    requests: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0
    clients: set[tuple[str, int]] = field(default_factory=set)
    status: dict[int, int] = field(default_factory=dict)
    last_headers: dict[str, str] = field(default_factory=dict)

    @property
    def connections_opened(self) -> int:
        return len(self.clients)


@dataclass
class LoopbackApi:
    url: str
    ca_bundle: str
    settings: ApiSettings
    counters: Counters
    stop: Callable[[], None]

    def reset(self) -> None:
        self.counters.requests = 0
        self.counters.clients.clear()
        self.counters.status.clear()
        self.counters.peak_in_flight = 0


def _app(settings: ApiSettings, counters: Counters, stop: Callable[[], None]) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        if scope["path"] == "/_sim/stats":
            body = json.dumps(
                {
                    "connections_opened": counters.connections_opened,
                    "requests": counters.requests,
                }
            ).encode()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": body})
            return
        counters.requests += 1
        counters.clients.add(tuple(scope["client"]))
        counters.last_headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        status = settings.status
        limit = settings.concurrency_limit
        refused = limit is not None and counters.in_flight >= limit
        if refused:
            status = 503
        else:
            counters.in_flight += 1
            counters.peak_in_flight = max(counters.peak_in_flight, counters.in_flight)
            try:
                await asyncio.sleep(settings.service_s)
            finally:
                counters.in_flight -= 1
        counters.status[status] = counters.status.get(status, 0) + 1
        if settings.sse_chunks and status == 200:
            # a streamed answer: the first token at once, then one pause longer than the rest
            headers = [(b"content-type", b"text/event-stream")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            for i in range(settings.sse_chunks):
                if i == settings.sse_chunks - 1:
                    await asyncio.sleep(settings.sse_long_gap_s)
                chunk = f'data: {{"i": {i}}}\n\n'.encode()
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"data: [DONE]\n\n"})
        else:
            headers = [
                (b"content-type", b"application/json"),
                (b"x-ratelimit-limit-requests", b"600"),
                (b"keep-alive", b"timeout=%d" % int(settings.idle_timeout)),
            ]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": b'{"choices": []}'})
        if settings.stop_after_requests and counters.requests >= settings.stop_after_requests:
            stop()

    return app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert.private_key_pem.write_to_path(str(root / "key.pem"))
    cert.cert_chain_pems[0].write_to_path(str(root / "cert.pem"))
    ca.cert_pem.write_to_path(str(root / "ca.pem"))
    return root / "cert.pem", root / "key.pem", root / "ca.pem"


@pytest.fixture(scope="session")
def start_api(tls_files: tuple[Path, Path, Path]) -> Iterator[Callable[[ApiSettings], LoopbackApi]]:
    """Start servers in threads (each with its own event loop); all stopped at session end."""
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    cert, key, ca = tls_files
    stops: list[Callable[[], None]] = []
    threads: list[threading.Thread] = []

    def start(settings: ApiSettings) -> LoopbackApi:
        port = _free_port()
        config = Config()
        config.bind = [f"127.0.0.1:{port}"]
        config.certfile = str(cert)
        config.keyfile = str(key)
        config.keep_alive_timeout = settings.idle_timeout
        config.h2_max_concurrent_streams = settings.h2_max_streams
        config.alpn_protocols = ["http/1.1"] if settings.http1_only else ["h2", "http/1.1"]
        config.accesslog = None
        config.errorlog = None
        config.graceful_timeout = 0.5
        counters = Counters()
        loop = asyncio.new_event_loop()
        shutdown = asyncio.Event()
        started = threading.Event()

        def stop() -> None:
            loop.call_soon_threadsafe(shutdown.set)

        async def main() -> None:
            started.set()
            await serve(_app(settings, counters, stop), config, shutdown_trigger=shutdown.wait)

        thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
        thread.start()
        started.wait(5)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                threading.Event().wait(0.05)
        stops.append(stop)
        threads.append(thread)
        return LoopbackApi(
            f"https://127.0.0.1:{port}/v1/chat/completions", str(ca), settings, counters, stop
        )

    yield start
    for stop in stops:
        stop()
    for thread in threads:
        thread.join(5)
