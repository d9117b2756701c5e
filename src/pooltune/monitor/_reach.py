"""Every private attribute the monitor touches, in one place, each read guarded.

httpx and httpx2 offer no public way to reach the connection pool of a client that is already
built (the transport is `client._transport`, mounts are `client._mounts`, the httpcore pool is
`transport._pool`, its limits are `_max_connections`/`_max_keepalive_connections`/
`_keepalive_expiry`, its network backend `_network_backend`), and the SDK clients keep their
httpx client in `_client`. aiohttp keeps the connector's keep-alive timeout in
`_keepalive_timeout`. Everything else the monitor uses is public: httpcore's
`ConnectionPool.connections` and the connections' `is_idle()`/`is_closed()`, the network
backend and stream interfaces, `transport.handle_request`, `Response.stream`, aiohttp's
`TraceConfig`, `ClientSession.trace_configs`, `session.connector`, `BaseConnector.connect`,
`Connection.protocol` and `ResponseHandler.closed`.

When one of these reads fails (a version that renamed it), `UnsupportedClient` says which
client and version, in one sentence.
"""

from __future__ import annotations

import sys
from typing import Any


class UnsupportedClient(TypeError):
    """The object is not a client the monitor can instrument (the message says what is)."""


SUPPORTED = (
    "httpx.Client/AsyncClient (0.27+), httpx2.Client/AsyncClient, openai.OpenAI/AsyncOpenAI "
    "(and Azure), anthropic.Anthropic/AsyncAnthropic, aiohttp.ClientSession (3.10+)"
)


def library_of(obj: object) -> str:
    return type(obj).__module__.split(".", 1)[0]


def version_of(module: str) -> str:
    mod = sys.modules.get(module)
    return str(getattr(mod, "__version__", "")) if mod is not None else ""


def httpx_base(client: object) -> tuple[str, str] | None:
    """("httpx2", "AsyncClient") when ``client`` is an httpx/httpx2 client or a subclass of
    one (the SDKs' `DefaultHttpxClient`s are); None otherwise. Public classes only."""
    for lib in ("httpx", "httpx2"):
        mod = sys.modules.get(lib)
        if mod is None:
            continue
        for cls_name in ("Client", "AsyncClient"):
            cls = getattr(mod, cls_name, None)
            if isinstance(cls, type) and isinstance(client, cls):
                return lib, cls_name
    return None


def sdk_inner_client(client: object) -> Any:
    """The httpx/httpx2 client inside an openai/anthropic SDK client (`client._client`)."""
    inner = getattr(client, "_client", None)
    if inner is None or httpx_base(inner) is None:
        raise UnsupportedClient(
            f"{type(client).__module__}.{type(client).__qualname__} "
            f"{version_of(library_of(client))}: its inner HTTP client was not found "
            f"(expected an httpx or httpx2 client in `_client`); supported: {SUPPORTED}"
        )
    return inner


def httpx_transports(client: object) -> list[Any]:
    """The client's default transport and its mounted ones (`_transport`, `_mounts`)."""
    transports: list[Any] = []
    default = getattr(client, "_transport", None)
    if default is None:
        raise UnsupportedClient(
            f"{type(client).__module__}.{type(client).__qualname__} "
            f"{version_of(library_of(client))}: no transport found (`_transport`); "
            f"supported: {SUPPORTED}"
        )
    transports.append(default)
    mounts = getattr(client, "_mounts", None) or {}
    for transport in mounts.values():
        if transport is not None and all(transport is not t for t in transports):
            transports.append(transport)
    return transports


def transport_pool(transport: object) -> Any | None:
    """The httpcore/httpcore2 pool behind an httpx transport (`transport._pool`), or None for
    a custom transport (mock, ASGI, WSGI, a user's own)."""
    pool = getattr(transport, "_pool", None)
    if pool is None or not hasattr(pool, "connections"):
        return None
    return pool


def pool_limits(pool: object) -> tuple[int | None, int | None, float | None]:
    """(max_connections, max_keepalive_connections, keepalive_expiry); None = unbounded."""
    big = sys.maxsize

    def norm(value: Any) -> int | None:
        return None if value is None or value >= big else int(value)

    expiry = getattr(pool, "_keepalive_expiry", None)
    return (
        norm(getattr(pool, "_max_connections", None)),
        norm(getattr(pool, "_max_keepalive_connections", None)),
        float(expiry) if expiry is not None else None,
    )


def pool_backend(pool: object) -> Any | None:
    return getattr(pool, "_network_backend", None)


def set_pool_backend(pool: object, backend: object) -> None:
    pool._network_backend = backend  # type: ignore[attr-defined]


def aiohttp_keepalive_timeout(connector: object) -> float | None:
    if getattr(connector, "force_close", False):
        return 0.0
    value = getattr(connector, "_keepalive_timeout", None)
    return float(value) if isinstance(value, (int, float)) else None
