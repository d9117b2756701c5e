"""Load engines: one per client library, so the sweep, the protocol comparison and the A/B run
on the library the user's code runs on.

An engine opens a client with a `PoolSettings` and sends the probe's request through it,
returning one `RequestSample` per request (phases from the library's own hooks: httpcore trace
events for httpx/httpx2 and the SDKs' inner httpx2 client, `TraceConfig` for aiohttp). Every
failure is a measurement, never a crash; a response that closes its connection is a response.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import time
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Protocol

from pooltune.model import LIBRARIES, HttpVersion, PoolSettings, RequestSample
from pooltune.probe.target import ProbeRequest


@dataclass
class Sent:
    sample: RequestSample
    headers: dict[str, str] = field(default_factory=dict)  # rate-limit headers, Retry-After


class TimedRequest(Protocol):
    """A request's trace as each engine keeps it: its start and its phases."""

    started: float

    @property
    def new_connection(self) -> bool: ...

    def phases(self) -> dict[str, float]: ...


def measured_sample(
    trace: TimedRequest,
    *,
    level: int,
    epoch: float,
    status: int | None,
    error: str | None,
    conn: int | None,
    closed: bool,
    http_version: HttpVersion | None,
    extra: dict[str, float],
    body_bytes: int = 0,
) -> RequestSample:
    """One request's sample, the same for every engine; its total ends now."""
    return RequestSample(
        level=level,
        started_s=trace.started - epoch,
        total_s=time.perf_counter() - trace.started,
        status=status,
        error=error,
        new_connection=trace.new_connection,
        conn=conn,
        closed=closed,
        http_version=http_version,
        body_bytes=body_bytes,
        phases=trace.phases() | extra,
    )


def status_error(status: int) -> str | None:
    """The error class of a response: 4xx/5xx, and 3xx too (the prober follows no redirect:
    a redirect is not the answer being tuned for)."""
    return f"http_{status}" if status >= 300 else None


class EngineClient(Protocol):
    async def send(self, request: ProbeRequest, level: int, epoch: float) -> Sent: ...

    async def get_json(self, url: str) -> object: ...


class Engine(Protocol):
    library: str
    supports_http2: bool

    def client(
        self, request: ProbeRequest, pool: PoolSettings
    ) -> AbstractAsyncContextManager[EngineClient]: ...


class EngineUnavailable(ImportError):
    """The library is not installed: one line telling how to get it."""


def error_class(exc: BaseException) -> str:
    """A short, secret-free name for what went wrong (never the exception text)."""
    name = type(exc).__name__
    snake = "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
    return snake.removesuffix("_error") or "error"


def is_rate_header(name: str) -> bool:
    """Headers the probe keeps: rate limits, Retry-After, Keep-Alive (never credentials)."""
    lowered = name.lower()
    return "ratelimit" in lowered or lowered in ("retry-after", "keep-alive")


def library_version(library: str) -> str:
    try:
        return importlib.metadata.version(library)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


# What each library's engine imports (the SDKs run on their own httpx2 client).
_MODULES = {"openai": ("openai", "httpx2"), "anthropic": ("anthropic", "httpx2")}


def library_installed(library: str) -> bool:
    """Whether ``library`` and what its engine builds on can be imported (nothing imported)."""
    return all(
        importlib.util.find_spec(module) is not None for module in _MODULES.get(library, (library,))
    )


# The engines that find the server's facts, fastest first: on one core aiohttp drives about
# 5,300 req/s where httpx2 drives 600-1,100 and httpx 0.28 200-430 (design.md section 5). What
# the server does (caps, queues, rate limits) does not depend on the client library.
DISCOVERY_ENGINES = ("aiohttp", "httpx2")


def discovery_library(fallback: str) -> str:
    """The fastest engine installed here; ``fallback`` (the user's library) when none is."""
    return next((lib for lib in DISCOVERY_ENGINES if library_installed(lib)), fallback)


def get_engine(library: str) -> Engine:
    """The engine for ``library``; EngineUnavailable when it (or what it builds on) is missing."""
    if library not in LIBRARIES:
        raise ValueError(f"unknown client library {library!r} (one of {', '.join(LIBRARIES)})")
    for module in _MODULES.get(library, (library,)):
        try:
            importlib.import_module(module)
        except ImportError:
            raise EngineUnavailable(
                f"--client {library}: {module} is not installed here (pip install {module})"
            ) from None
    if library == "aiohttp":
        from pooltune.probe.engines.aiohttp_engine import AiohttpEngine

        return AiohttpEngine()
    from pooltune.probe.engines.httpx_engine import HttpxEngine

    return HttpxEngine(library)


__all__ = [
    "Engine",
    "EngineClient",
    "EngineUnavailable",
    "Sent",
    "discovery_library",
    "error_class",
    "get_engine",
    "is_rate_header",
    "library_version",
    "status_error",
]
