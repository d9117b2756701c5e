"""The prober's own ceiling: requests per second it drives on this machine, measured before the
sweep against a null server in this process (same library, same TLS, same concurrency, no
service time). pooltune.tune.health decides which levels it bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pooltune.model import PoolSettings
from pooltune.probe.runner import LevelJob, run_on_client
from pooltune.probe.target import ProbeRequest

_JSON = b'{"id": "null", "choices": []}'
_SSE = b'data: {"choices": []}\n\ndata: [DONE]\n\n'


class _NullProtocol(asyncio.Protocol):
    """HTTP/1.1 keep-alive, answers every request at once (Content-Length bodies only)."""

    def __init__(self, body: bytes, content_type: bytes) -> None:
        self.buffer = b""
        self.need: int | None = None
        self.transport: asyncio.Transport | None = None
        self.response = (
            b"HTTP/1.1 200 OK\r\ncontent-type: " + content_type
            + b"\r\ncontent-length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )  # fmt: skip

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            if self.need is None:
                end = self.buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                head = self.buffer[:end].lower()
                self.buffer = self.buffer[end + 4 :]
                length = 0
                for line in head.split(b"\r\n"):
                    if line.startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                self.need = length
            if len(self.buffer) < self.need:
                return
            self.buffer = self.buffer[self.need :]
            self.need = None
            if self.transport is not None:
                self.transport.write(self.response)


@dataclass(frozen=True)
class Ceiling:
    rps: float
    requests: int
    cpu: float | None
    protocol: str = "HTTP/1.1"


async def measure_ceiling(
    library: str,
    request: ProbeRequest,
    concurrency: int,
    duration_s: float = 1.5,
    epoch: float = 0.0,
) -> Ceiling:
    """Drive the null server at ``concurrency`` for ``duration_s`` with a full keep-alive pool."""
    from pooltune.probe.engines import get_engine

    tls = urlsplit(request.url).scheme == "https"
    loop = asyncio.get_running_loop()
    body, kind = (_SSE, b"text/event-stream") if request.streaming else (_JSON, b"application/json")
    with tempfile.TemporaryDirectory(prefix="pooltune-null-") as tmp:
        server_ctx = None
        ca_path = None
        if tls:
            import trustme

            ca = trustme.CA()
            cert = ca.issue_cert("127.0.0.1")
            server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            cert.configure_cert(server_ctx)
            server_ctx.set_alpn_protocols(["http/1.1"])
            ca_path = str(Path(tmp) / "ca.pem")
            ca.cert_pem.write_to_path(ca_path)
        server = await loop.create_server(
            lambda: _NullProtocol(body, kind), "127.0.0.1", 0, ssl=server_ctx
        )
        try:
            port = server.sockets[0].getsockname()[1]
            scheme = "https" if tls else "http"
            null = ProbeRequest(
                f"{scheme}://127.0.0.1:{port}/v1/null",
                request.method,
                request.headers,
                request.body,
                ca_path,
                False,
                request.streaming,
            )
            pool = PoolSettings.probing(concurrency)
            engine = get_engine(library)
            async with engine.client(null, pool) as client:
                warm = LevelJob(null, library, concurrency, concurrency, 5.0, pool, 0, epoch)
                await run_on_client(client, warm)
                job = LevelJob(null, library, concurrency, 10**6, duration_s, pool, 0, epoch)
                run = await run_on_client(client, job)
        finally:
            server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2.0)
    level = run.level
    ok = sum(1 for s in level.samples if s.status == 200)
    wall = level.wall_s or time.perf_counter()
    return Ceiling(
        rps=ok / wall if wall > 0 else 0.0, requests=len(level.samples), cpu=level.prober_cpu
    )
