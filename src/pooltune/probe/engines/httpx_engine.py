"""httpx, httpx2 and the openai/anthropic SDKs (whose DefaultAsyncHttpxClient is httpx2 with the
SDK's defaults): phases from httpcore's trace events.

A connection is identified by its network stream object, never by reading the socket: after a
`Connection: close` the socket is gone, and asking it for its address raised `OSError: Bad file
descriptor`, which once turned every closing response into an error.
"""

from __future__ import annotations

import importlib
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
from pooltune.probe.trace import ChunkTimer, RequestTrace

SDK_CLIENTS = {"openai": "openai", "anthropic": "anthropic"}


class HttpxClient:
    def __init__(self, client: Any) -> None:
        self.client = client
        self._conns: dict[Any, int] = {}  # network stream -> serial (kept: no id() reuse)

    def _conn(self, response: Any) -> int | None:
        stream = response.extensions.get("network_stream")
        if stream is None:
            return None
        serial = self._conns.get(stream)
        if serial is None:
            serial = self._conns[stream] = len(self._conns) + 1
        return serial

    async def send(self, request: ProbeRequest, level: int, epoch: float) -> Sent:
        trace = RequestTrace()
        extensions = {"trace": trace}
        status: int | None = None
        error: str | None = None
        version = None
        conn = None
        closed = False
        headers: dict[str, str] = {}
        extra: dict[str, float] = {}
        body_bytes = 0
        try:
            # The body streams through and is dropped: only its timing and size are wanted
            # (a 50 MB response must not sit in memory once per request in flight).
            timer = ChunkTimer(trace.started) if request.streaming else None
            async with self.client.stream(
                request.method,
                request.url,
                extensions=extensions,
                follow_redirects=False,
                **request.send_kwargs(),
            ) as response:
                conn = self._conn(response)
                async for chunk in response.aiter_raw():
                    body_bytes += len(chunk)
                    if timer is not None:
                        timer.chunk(chunk)
            extra = timer.phases() if timer is not None else {}
            status = response.status_code
            version = response.http_version
            closed = response.headers.get("connection", "").lower() == "close"
            headers = {k.lower(): v for k, v in response.headers.items() if is_rate_header(k)}
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
            http_version=version if version in ("HTTP/1.1", "HTTP/2") else None,
            extra=extra,
            body_bytes=body_bytes,
        )
        return Sent(sample, headers)

    async def get_json(self, url: str) -> object:
        response = await self.client.get(url)
        return response.json() if response.status_code == 200 else None


class HttpxEngine:
    supports_http2 = True

    def __init__(self, library: str = "httpx") -> None:
        self.library = library
        self.module = "httpx2" if library in SDK_CLIENTS else library

    def build(self, request: ProbeRequest, pool: PoolSettings) -> Any:
        hx = importlib.import_module(self.module)
        limits = hx.Limits(
            max_connections=pool.max_connections,
            max_keepalive_connections=pool.max_keepalive_connections,
            keepalive_expiry=pool.keepalive_expiry,
        )
        t = pool.timeout
        timeout = hx.Timeout(connect=t.connect, read=t.read, write=t.write, pool=t.pool)
        factory = hx.AsyncClient
        if self.library in SDK_CLIENTS:
            # The SDK's own client class: its redirects and other defaults come along.
            factory = importlib.import_module(SDK_CLIENTS[self.library]).DefaultAsyncHttpxClient
        return factory(http2=pool.http2, limits=limits, timeout=timeout, **request.client_kwargs())

    @asynccontextmanager
    async def client(self, request: ProbeRequest, pool: PoolSettings) -> AsyncIterator[HttpxClient]:
        async with self.build(request, pool) as client:
            yield HttpxClient(client)
