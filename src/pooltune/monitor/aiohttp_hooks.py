"""aiohttp sessions: a `TraceConfig` for the request and pool events, and the connector's
public `connect()` for which connection a request got.

The trace signals give the request's start, end and exception, that it queued at the limit
(`on_connection_queued_start`), that it opens a new connection (`on_connection_create_start`:
its wait ends there), DNS lookups and cache hits. aiohttp's signals carry no connection, so
the connector's `connect` (a public method, wrapped on that connector instance only) links the
request to its `Connection.protocol` (a reused one ends the wait there), whose public
`closed` future says when the connection closes. Only the signals that are needed get a
handler: each costs a coroutine per request.

On an existing session, `instrument(session)` appends the trace config to
`session.trace_configs` (the public list the session reads for every request) and freezes it,
so no private attribute is written for aiohttp.
"""

from __future__ import annotations

import time
import weakref
from types import SimpleNamespace
from typing import Any

from pooltune.monitor import _reach
from pooltune.monitor.collector import (
    CURRENT,
    HUB,
    Connection,
    PoolKey,
    PoolStats,
    Request,
    origin_of,
)
from pooltune.monitor.safety import report

perf_counter = time.perf_counter
REUSE_ERRORS = frozenset({"ServerDisconnectedError", "ClientOSError"})
POOL_TIMEOUTS = frozenset({"ConnectionTimeoutError"})
CANCELLED = frozenset({"CancelledError", "KeyboardInterrupt", "SystemExit", "GeneratorExit"})


class SessionHooks:
    """Per aiohttp session: its connector's limits and the pools per origin."""

    def __init__(self, session: Any, name: str, label: str) -> None:
        connector = session.connector
        self.connector_ref = weakref.ref(connector) if connector is not None else None
        limit = getattr(connector, "limit", 0) or None
        per_host = getattr(connector, "limit_per_host", 0) or None
        self.keepalive = _reach.aiohttp_keepalive_timeout(connector)
        self.force_close = bool(getattr(connector, "force_close", False))
        self.limits = (limit, None, self.keepalive, per_host)
        self.name = name
        self.label = label
        self.version = _reach.version_of("aiohttp")
        self.by_origin: dict[tuple[Any, Any, Any], PoolStats] = {}
        self.protocols: dict[Any, Connection] = {}
        if connector is not None:
            _hook_connector(connector, self)

    def stats(self, url: Any) -> PoolStats:
        raw = (url.scheme, url.host, url.port)
        stats = self.by_origin.get(raw)
        if stats is None:
            key = PoolKey("aiohttp", self.label, origin_of(*raw), self.limits, self.name)
            stats = HUB.pool(key, client=self.label, version=self.version, new_client=True)
            self.by_origin[raw] = stats
        return stats

    def closing(self) -> bool:
        connector = self.connector_ref() if self.connector_ref is not None else None
        return connector is None or bool(getattr(connector, "closed", False))

    def classify(self, conn: Connection, lost_with_error: bool) -> str:
        if conn.cause is not None:
            return conn.cause
        if conn.failed:
            return "error"
        if conn.server_closing:
            return "server"
        if self.closing():
            return "client"
        if self.force_close:
            return "keepalive_limit"
        idle = perf_counter() - conn.idle_since
        if conn.busy == 0 and self.keepalive is not None and idle >= self.keepalive * 0.98:
            return "idle_expiry"
        return "error" if lost_with_error and conn.busy else "server"


_SESSIONS: weakref.WeakKeyDictionary[Any, SessionHooks] = weakref.WeakKeyDictionary()
_CONFIGS: weakref.WeakSet[Any] = weakref.WeakSet()


def session_hooks(
    session: Any, name: str = "", label: str = "aiohttp.ClientSession"
) -> SessionHooks:
    hooks = _SESSIONS.get(session)
    if hooks is None:
        hooks = SessionHooks(session, name, label)
        _SESSIONS[session] = hooks
    return hooks


def _hook_connector(connector: Any, hooks: SessionHooks) -> None:
    if getattr(connector, "_pooltune_monitored", False):
        return
    original = connector.connect

    async def connect(*args: Any, **kwargs: Any) -> Any:
        conn = await original(*args, **kwargs)
        try:
            _linked(hooks, conn)
        except Exception as exc:
            report("aiohttp connect hook", exc)
        return conn

    connector.connect = connect
    connector._pooltune_monitored = True


def _linked(hooks: SessionHooks, conn: Any) -> None:
    request = CURRENT.get()
    proto = conn.protocol
    if request is None or request.done or proto is None:
        return
    stats = request.pool
    now = perf_counter()
    previous = request.conn
    if previous is not None:
        # aiohttp retried after a kept-alive connection failed under the request
        with stats.lock:
            if previous.busy > 0:
                previous.busy -= 1
            if previous.requests > 1:
                stats.reuse_failures += 1
                stats.failure_idle.add(request.start - previous.idle_since)
                previous.cause = "server"
    record = hooks.protocols.get(proto)
    if record is None:
        if not request.new and previous is None:
            return  # a connection opened before the monitor: not ours to count
        record = stats.connected(request, now)
        hooks.protocols[proto] = record
        closed = proto.closed
        if closed is not None:
            closed.add_done_callback(lambda fut: _closed(hooks, proto, fut))
    else:
        stats.reusing(request, record, now)


def _closed(hooks: SessionHooks, proto: Any, fut: Any) -> None:
    try:
        lost_with_error = not fut.cancelled() and fut.exception() is not None
        record = hooks.protocols.pop(proto, None)
        if record is not None:
            record.pool.closed(record, hooks.classify(record, lost_with_error))
    except Exception as exc:
        report("aiohttp close hook", exc)


# -- trace signals ---------------------------------------------------------------------------


async def _on_request_start(session: Any, ctx: SimpleNamespace, params: Any) -> None:
    try:
        hooks = _SESSIONS.get(session)
        if hooks is None:
            hooks = session_hooks(session)
        request = hooks.stats(params.url).begin()
        ctx.pooltune = request
        CURRENT.set(request)
    except Exception as exc:
        report("aiohttp request hook", exc)


def _request(ctx: SimpleNamespace) -> Request | None:
    return getattr(ctx, "pooltune", None)


async def _on_queued(session: Any, ctx: SimpleNamespace, params: Any) -> None:
    request = _request(ctx)
    if request is not None:
        request.queued = True


async def _on_create_start(session: Any, ctx: SimpleNamespace, params: Any) -> None:
    request = _request(ctx)
    if request is not None:
        try:
            request.new = True
            request.pool._waited(request, perf_counter())
        except Exception as exc:
            report("aiohttp connection hook", exc)


_VERSIONS: dict[tuple[int, int], str] = {}


async def _on_request_end(session: Any, ctx: SimpleNamespace, params: Any) -> None:
    """Headers received. (A server's `Connection: close` needs no header check here: that
    connection closes soon after, not idle for the keep-alive timeout, so `classify` says
    "server" anyway.)"""
    request = _request(ctx)
    if request is None:
        return
    try:
        version = params.response.version
        label = None
        if version is not None:
            label = _VERSIONS.get(version)
            if label is None:
                label = _VERSIONS.setdefault(version, f"HTTP/{version[0]}.{version[1]}")
        request.pool.released(request, label)
        CURRENT.set(None)
    except Exception as exc:
        report("aiohttp response hook", exc)


async def _on_request_exception(session: Any, ctx: SimpleNamespace, params: Any) -> None:
    request = _request(ctx)
    if request is None:
        return
    try:
        name = type(params.exception).__name__
        if name in CANCELLED:
            kind = "cancelled"
        elif name in POOL_TIMEOUTS and request.conn is None and request.queued:
            kind = "pool_timeout"
        elif name in REUSE_ERRORS and request.conn is not None and not request.new:
            kind = "reuse"
        else:
            kind = "error"
        request.pool.failed(request, kind)
        CURRENT.set(None)
    except Exception as exc:
        report("aiohttp failure hook", exc)


async def _on_dns_start(session: Any, ctx: SimpleNamespace, params: Any) -> None:
    request = _request(ctx)
    if request is not None:
        with request.pool.lock:
            request.pool.dns_lookups += 1


async def _on_dns_hit(session: Any, ctx: SimpleNamespace, params: Any) -> None:
    request = _request(ctx)
    if request is not None:
        with request.pool.lock:
            request.pool.dns_cache_hits += 1


def trace_config() -> Any:
    """An `aiohttp.TraceConfig` that reports every request of the session it is given to."""
    import aiohttp

    config = aiohttp.TraceConfig()
    config.on_request_start.append(_on_request_start)
    config.on_connection_queued_start.append(_on_queued)
    config.on_connection_create_start.append(_on_create_start)
    config.on_request_end.append(_on_request_end)
    config.on_request_exception.append(_on_request_exception)
    config.on_dns_resolvehost_start.append(_on_dns_start)
    config.on_dns_cache_hit.append(_on_dns_hit)
    _CONFIGS.add(config)
    return config


def instrument_session(session: Any, *, name: str, label: str) -> SessionHooks:
    """Watch an existing session: add our trace config to its public `trace_configs`."""
    configs = session.trace_configs
    hooks = session_hooks(session, name, label)
    if not any(config in _CONFIGS for config in configs):
        config = trace_config()
        config.freeze()
        configs.append(config)
    return hooks
