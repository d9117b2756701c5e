"""Serve the simulator: hypercorn's HTTP/1.1 + HTTP/2 protocol handling on our own listener.

We run hypercorn's per-connection `TCPServer` under our own `asyncio.start_server` so that each
connection is counted with the reason it closed (idle timeout, max requests, client, reset),
and so that HTTP/2 connections are retired with a GOAWAY, as a real server does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import ssl
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import trustme
from hypercorn.asyncio.tcp_server import TCPServer
from hypercorn.asyncio.worker_context import WorkerContext
from hypercorn.config import Config
from hypercorn.events import Updated
from hypercorn.utils import wrap_app

from pooltune.sim.app import SimApp
from pooltune.sim.proxy import latency_proxy
from pooltune.sim.settings import SimSettings
from pooltune.sim.stats import Connection, SimStats


@dataclass(frozen=True)
class StartupInfo:
    url: str
    ca_bundle: str | None
    pid: int
    truth: dict[str, Any]

    def line(self) -> str:
        return json.dumps(
            {"url": self.url, "ca_bundle": self.ca_bundle, "pid": self.pid, "truth": self.truth}
        )


class _SimConnection(TCPServer):
    """hypercorn's connection handler, counted, with GOAWAY on idle and after max requests."""

    def __init__(self, *args: Any, stats: SimStats, registry: dict[Any, Any]) -> None:
        super().__init__(*args)
        self._stats = stats
        self._registry = registry
        self._conn: Connection | None = None

    async def run(self) -> None:
        peer = self.writer.get_extra_info("peername")
        ssl_object = self.writer.get_extra_info("ssl_object")
        key = (str(peer[0]), int(peer[1])) if peer else ("", 0)
        conn = self._conn = self._stats.accepted(key)
        if ssl_object is not None and ssl_object.selected_alpn_protocol() == "h2":
            conn.http_version = "HTTP/2"
        self._registry[key] = self
        try:
            await super().run()
        finally:
            self._registry.pop(key, None)
            self._closed()

    def _closed(self) -> None:
        """Count the close once, when it happens (not when the TLS shutdown finishes)."""
        if self._conn is not None:
            self._stats.closed(self._conn)
            self._conn = None

    async def _read_data(self) -> None:
        try:
            await super()._read_data()
        finally:
            self._closed()

    async def protocol_send(self, event: Any) -> None:
        await super().protocol_send(event)
        conn = self._conn
        if (
            isinstance(event, Updated)
            and event.idle
            and conn is not None
            and conn.retire
            and conn.http_version == "HTTP/2"
        ):
            await self._goaway_and_close()

    async def _idle_timeout(self) -> None:
        try:
            await asyncio.wait_for(self.context.terminated.wait(), self.config.keep_alive_timeout)
        except asyncio.TimeoutError:
            if self._conn is not None and self._conn.close_reason is None:
                self._conn.close_reason = "idle"
        else:
            if self._conn is not None:
                self._conn.close_reason = "shutdown"
        await asyncio.shield(self._goaway_and_close())

    async def _goaway_and_close(self) -> None:
        protocol = getattr(getattr(self, "protocol", None), "protocol", None)
        h2_connection = getattr(protocol, "connection", None)
        if self._conn is not None and self._conn.http_version == "HTTP/2" and h2_connection:
            with contextlib.suppress(Exception):
                h2_connection.close_connection()  # GOAWAY, as servers do before closing
                self.writer.write(h2_connection.data_to_send())
                await self.writer.drain()
        self._closed()
        await self._initiate_server_close()

    def shut_down(self) -> None:
        if self._conn is not None and self._conn.close_reason is None:
            self._conn.close_reason = "shutdown"
        self._closed()
        self.writer.close()

    def abort(self) -> None:
        transport = self.writer.transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):  # RST instead of FIN
                sock.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
        self._closed()
        transport.abort()


def _tls_context(settings: SimSettings, folder: Path) -> tuple[ssl.SSLContext, str]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost", "::1")
    ca_path = folder / "pooltune-sim-ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    context.set_alpn_protocols(["http/1.1"] if settings.http1_only else ["h2", "http/1.1"])
    return context, str(ca_path)


def set_nodelay(writer: asyncio.StreamWriter) -> None:
    """Responses go out as several writes: without TCP_NODELAY, Nagle's algorithm meets the
    client's delayed ACK and every response waits ~40 ms."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _tls_kwargs(tls: ssl.SSLContext | None) -> dict[str, Any]:
    if tls is None:
        return {}
    if sys.version_info >= (3, 11):
        # A peer that never answers our close_notify should not hold the socket for 30 s.
        return {"ssl": tls, "ssl_shutdown_timeout": 2.0}
    return {"ssl": tls}


def _config(settings: SimSettings) -> Config:
    config = Config()
    config.keep_alive_timeout = settings.idle_timeout
    config.h2_max_concurrent_streams = settings.h2_max_streams
    config.keep_alive_max_requests = 2**31  # ours is enforced per connection in the app
    config.accesslog = None
    config.errorlog = None
    return config


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


async def serve(
    settings: SimSettings,
    stop: asyncio.Event,
    on_ready: Callable[[StartupInfo], None],
    pid: int,
) -> SimStats:
    """Serve until ``stop`` is set or --duration passes; returns the final counters."""
    stats = SimStats()
    registry: dict[tuple[str, int], _SimConnection] = {}

    def abort(peer: tuple[str, int]) -> None:
        handler = registry.get(peer)
        if handler is not None:
            handler.abort()

    app = SimApp(settings, stats, stats.open, abort)
    config = _config(settings)
    wrapped = wrap_app(cast(Any, app), config.wsgi_max_body_size, "asgi")
    context = WorkerContext(None)
    loop = asyncio.get_running_loop()
    with tempfile.TemporaryDirectory(prefix="pooltune-sim-") as tmp:
        tls, ca_bundle = (None, None) if settings.no_tls else _tls_context(settings, Path(tmp))

        tasks: set[asyncio.Task[Any]] = set()

        async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            set_nodelay(writer)
            task = asyncio.current_task()
            if task is not None:
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            # A client that vanishes mid-TLS-shutdown is its business, not an error of ours.
            with contextlib.suppress(OSError, ssl.SSLError, asyncio.CancelledError):
                await _SimConnection(
                    wrapped,
                    loop,
                    config,
                    context,
                    {},
                    reader,
                    writer,
                    stats=stats,
                    registry=registry,
                )

        public = _bind(settings.host, settings.port)
        servers = []
        if settings.rtt_ms > 0:
            backend_sock = _bind("127.0.0.1", 0)
            backend = backend_sock.getsockname()[:2]
            servers.append(
                await asyncio.start_server(on_connection, sock=backend_sock, **_tls_kwargs(tls))
            )
            servers.append(
                await asyncio.start_server(
                    latency_proxy(settings.rtt_ms / 1000, backend), sock=public
                )
            )
        else:
            servers.append(
                await asyncio.start_server(on_connection, sock=public, **_tls_kwargs(tls))
            )
        host, port = public.getsockname()[:2]
        app.truth["port"] = port  # the truth is the port in force, not the 0 that asked for one
        shown_host = f"[{host}]" if ":" in host else host
        scheme = "http" if settings.no_tls else "https"
        on_ready(StartupInfo(f"{scheme}://{shown_host}:{port}", ca_bundle, pid, app.truth))
        try:
            if settings.duration is not None:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), settings.duration)
            else:
                await stop.wait()
        finally:
            await context.terminated.set()
            for server in servers:
                server.close()
            for handler in list(registry.values()):
                handler.shut_down()
            if tasks:
                _, pending = await asyncio.wait(tasks, timeout=2)
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
    return stats


def log(message: str) -> None:
    print(f"pooltune sim: {message}", file=sys.stderr, flush=True)
