"""aiohttp: phases from its `TraceConfig` hooks (queued, DNS, connection create, headers sent,
response headers received). HTTP/1.1 only; TCP and TLS are one `connect` phase (aiohttp does not
report them apart)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pooltune.model import PoolSettings
from pooltune.probe.engines import (
    Sent,
    error_class,
    is_rate_header,
    measured_sample,
    status_error,
)
from pooltune.probe.target import ProbeRequest
from pooltune.probe.trace import ChunkTimer


class AiohttpTrace:
    """One request's trace: the time of the first call of each hook."""

    __slots__ = ("events", "started")

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.events: dict[str, float] = {}

    def mark(self, name: str) -> None:
        self.events.setdefault(name, time.perf_counter())

    @property
    def new_connection(self) -> bool:
        return "create_start" in self.events

    def _span(self, start: str, end: str) -> float | None:
        a, b = self.events.get(start), self.events.get(end)
        return None if a is None or b is None else max(0.0, b - a)

    def phases(self) -> dict[str, float]:
        out: dict[str, float] = {}
        e = self.events
        out["pool_wait"] = self._span("queued_start", "queued_end") or 0.0
        dns = self._span("dns_start", "dns_end")
        if dns is not None:
            out["dns"] = dns
        connect = self._span("create_start", "create_end")
        if connect is not None:
            out["connect"] = max(0.0, connect - (dns or 0.0))
        ready = e.get("create_end") or e.get("reuse") or e.get("queued_end") or self.started
        sent = e.get("chunk_sent") or e.get("headers_sent")
        if sent is not None:
            out["write"] = max(0.0, sent - ready)
            if "request_end" in e:
                out["ttfb"] = max(0.0, e["request_end"] - sent)
        return out


_HOOKS = {
    "on_connection_queued_start": "queued_start",
    "on_connection_queued_end": "queued_end",
    "on_connection_create_start": "create_start",
    "on_connection_create_end": "create_end",
    "on_connection_reuseconn": "reuse",
    "on_dns_resolvehost_start": "dns_start",
    "on_dns_resolvehost_end": "dns_end",
    "on_request_headers_sent": "headers_sent",
    "on_request_chunk_sent": "chunk_sent",
    "on_request_end": "request_end",
}


def trace_config() -> Any:
    import aiohttp

    config = aiohttp.TraceConfig()
    for hook, name in _HOOKS.items():

        async def on_event(session: Any, ctx: Any, params: Any, _name: str = name) -> None:
            trace = ctx.trace_request_ctx
            if isinstance(trace, AiohttpTrace):
                trace.mark(_name)

        getattr(config, hook).append(on_event)
    return config


class AiohttpClient:
    def __init__(self, session: Any) -> None:
        self.session = session
        self._conns: dict[Any, int] = {}

    def _conn(self, response: Any) -> int | None:
        # A small body may be read (and the connection released) before we look: the
        # response keeps its protocol (one per connection) either way.
        # (ResponseHandler is a queue: an empty one is falsy, so compare with None)
        protocol = getattr(response, "_protocol", None)
        if protocol is None:
            protocol = getattr(response.connection, "protocol", None)
        if protocol is None:
            return None
        serial = self._conns.get(protocol)
        if serial is None:
            serial = self._conns[protocol] = len(self._conns) + 1
        return serial

    async def send(self, request: ProbeRequest, level: int, epoch: float) -> Sent:
        trace = AiohttpTrace()
        status: int | None = None
        error: str | None = None
        conn = None
        closed = False
        headers: dict[str, str] = {}
        extra: dict[str, float] = {}
        body_bytes = 0
        try:
            async with self.session.request(
                request.method,
                request.url,
                data=request.body,
                trace_request_ctx=trace,
                allow_redirects=False,
            ) as response:
                conn = self._conn(response)
                status = response.status
                closed = response.headers.get("Connection", "").lower() == "close"
                headers = {k.lower(): v for k, v in response.headers.items() if is_rate_header(k)}
                # streamed through and dropped: only the body's timing and size are wanted
                timer = ChunkTimer(trace.started) if request.streaming else None
                async for chunk in response.content.iter_any():
                    body_bytes += len(chunk)
                    if timer is not None:
                        timer.chunk(chunk)
                extra = timer.phases() if timer is not None else {}
            error = status_error(status)
        except Exception as exc:  # every failure is a measurement, never a crash
            error = error_class(exc)
        sample = measured_sample(
            trace,
            level=level,
            epoch=epoch,
            status=status,
            error=error,
            conn=conn,
            closed=closed,
            http_version="HTTP/1.1" if status is not None else None,
            extra=extra,
            body_bytes=body_bytes,
        )
        return Sent(sample, headers)

    async def get_json(self, url: str) -> object:
        import json

        async with self.session.get(url) as response:
            body = await response.read()
            return json.loads(body) if response.status == 200 else None


class AiohttpEngine:
    library = "aiohttp"
    supports_http2 = False

    def build(self, request: ProbeRequest, pool: PoolSettings) -> Any:
        import aiohttp

        t = pool.timeout
        connector = aiohttp.TCPConnector(
            limit=pool.max_connections or 0,
            limit_per_host=0,
            keepalive_timeout=pool.keepalive_expiry,
            ssl=request.ssl_context(),
        )
        timeout = aiohttp.ClientTimeout(
            total=None, connect=t.pool + t.connect, sock_connect=t.connect, sock_read=t.read
        )
        return aiohttp.ClientSession(
            connector=connector,
            timeout=timeout,
            headers=dict(request.headers),
            trace_configs=[trace_config()],
            trust_env=False,
        )

    @asynccontextmanager
    async def client(
        self, request: ProbeRequest, pool: PoolSettings
    ) -> AsyncIterator[AiohttpClient]:
        async with self.build(request, pool) as session:
            yield AiohttpClient(session)
