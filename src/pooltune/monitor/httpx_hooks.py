"""httpx and httpx2 clients (and the SDK clients built on them): where the monitor listens.

Two places, both delegating everything unchanged:

* the transport's `handle_request`/`handle_async_request` (an attribute on the transport
  instance, so the class and other clients are untouched): a request starts, returns a
  response (whose `stream` is wrapped to see it released) or raises (PoolTimeout, a reuse
  failure, another error);
* the pool's network backend and its streams (the httpcore interface every backend has:
  `connect_tcp`, `read`, `write`, `close`, `start_tls`, `get_extra_info`): a connection opens
  for the current request, a request writes on a kept-alive connection (reuse), a connection
  closes (its cause read from what was seen of it and from `is_readable`, which is how httpcore
  itself tells that a server closed an idle connection).

The request the hooks belong to travels in a context variable set around the call: httpcore
opens connections and writes requests inside the caller's own thread or task.
"""

from __future__ import annotations

import os
import socket
import time
import weakref
from collections.abc import Awaitable
from typing import Any

from pooltune.monitor import _reach
from pooltune.monitor.collector import (
    CURRENT,
    HUB,
    RELEASING,
    BusyProbe,
    Connection,
    PoolKey,
    PoolStats,
    Request,
    origin_of,
)
from pooltune.monitor.safety import report

perf_counter = time.perf_counter

# Exceptions from a request on a kept-alive connection that the server had closed.
REUSE_ERRORS = frozenset({"RemoteProtocolError", "ReadError", "WriteError"})
CANCELLED = frozenset({"CancelledError", "KeyboardInterrupt", "SystemExit", "GeneratorExit"})


def failure_kind(exc: BaseException, request: Request) -> str:
    name = type(exc).__name__
    if name == "PoolTimeout":
        return "pool_timeout"
    if name in CANCELLED:
        return "cancelled"
    conn = request.conn
    if name in REUSE_ERRORS and conn is not None and not request.new:
        return "reuse"
    return "error"


_current = CURRENT.get  # bound once: the write hook runs on every write of every request


def _wrote(request: Request, stream_conn: Connection) -> None:
    """``request`` writes on ``stream_conn`` for the first time (the caller has checked that
    it is not already the request's connection)."""
    if not request.done:
        old = request.conn
        if old is not None and old.busy > 0:  # retried on another connection
            old.busy -= 1
        stream_conn.pool.reusing(request, stream_conn, perf_counter())


class PoolHooks:
    """Per httpcore pool: which PoolStats an origin maps to, and whether it is shutting down."""

    def __init__(
        self,
        library: str,
        client_label: str,
        version: str,
        limits: tuple[int | None, int | None, float | None],
        name: str,
        pool: Any,
    ) -> None:
        self.library = library
        self.client_label = client_label
        self.version = version
        self.limits = (*limits, None)
        self.name = name
        self.pool_ref = weakref.ref(pool)
        self.closing = False
        # this pool's open connections; if the pool is dropped unclosed (a client per request
        # never closed), they are counted closed by the client when it is collected
        self.conns: set[Connection] = set()
        weakref.finalize(pool, _abandoned, self.conns)
        self.by_origin: dict[tuple[Any, Any, Any], PoolStats] = {}
        self.first = True

    def stats(self, url: Any) -> PoolStats:
        raw = (url.scheme, url.host, url.port)
        stats = self.by_origin.get(raw)
        if stats is None:
            key = PoolKey(self.library, self.client_label, origin_of(*raw), self.limits, self.name)
            pool = self.pool_ref()
            stats = HUB.pool(
                key,
                client=self.client_label,
                version=self.version,
                probe=_busy_probe(pool, url) if pool is not None else None,
                new_client=True,
            )
            self.by_origin[raw] = stats
        return stats

    def pool_full(self) -> bool:
        """Whether the library's pool, after a release's clean-up, still holds as many
        connections as it keeps alive (all origins, those being opened included: httpcore
        counts them too). Only then can a connection it closed at that release have been a
        surplus one. Read from the pool itself: the monitor sees a connection only once its
        connect has returned, which lags the pool's own count on a busy machine."""
        keep = self.limits[1]
        pool = self.pool_ref()
        if keep is None or pool is None:
            return False
        try:
            return sum(1 for conn in pool.connections if not conn.is_closed()) >= keep
        except Exception:
            return False

    def readable(self, inner: Any) -> bool | None:
        """Whether the server has closed its end (sent FIN or reset)."""
        return server_hung_up(inner)


def server_hung_up(inner: Any) -> bool | None:
    """Whether the server has closed (or is closing) the connection, read at its close.

    httpcore's own test, `is_readable`, is also true for a TLS 1.3 session ticket still
    unread, which would count a pool's own close as the server's. So this peeks (MSG_PEEK, on
    a duplicate of the descriptor: nothing is consumed) at what is waiting: nothing and EOF,
    or a reset, is a close; over TLS, the last record must be a close_notify alert (TLS 1.2:
    an alert record; TLS 1.3: a 19-byte encrypted record, the size of an alert). Where the
    OS has no MSG_DONTWAIT, `is_readable` it is. None when the socket cannot be read."""
    try:
        sock = inner.get_extra_info("socket")
        fd = sock.fileno() if sock is not None else -1
        if fd < 0 or not _DONTWAIT:
            return bool(inner.get_extra_info("is_readable"))
        with socket.socket(fileno=os.dup(fd)) as raw:
            try:
                data = raw.recv(65536, socket.MSG_PEEK | _DONTWAIT)
            except BlockingIOError:
                return False
            except OSError:
                return True  # reset by the peer
        if not data:
            return True  # EOF
        if inner.get_extra_info("ssl_object") is None:
            return True  # plain HTTP: bytes on an idle connection are the server's last word
        return _ends_with_close_notify(data)
    except Exception:
        return None


_DONTWAIT: int = getattr(socket, "MSG_DONTWAIT", 0)
TLS_ALERT, TLS_APPDATA, TLS13_ALERT_SIZES = 0x15, 0x17, (19, 11)  # 16- and 8-byte AEAD tags


def _ends_with_close_notify(data: bytes) -> bool:
    last: tuple[int, int] | None = None
    i = 0
    while i + 5 <= len(data):
        kind, length = data[i], int.from_bytes(data[i + 3 : i + 5], "big")
        last = (kind, length)
        i += 5 + length
    if last is None:
        return False
    return last[0] == TLS_ALERT or (last[0] == TLS_APPDATA and last[1] in TLS13_ALERT_SIZES)


def _abandoned(conns: set[Connection]) -> None:
    for conn in list(conns):
        try:
            conn.pool.closed(conn, "client")
        except Exception as exc:
            report("counting an unclosed pool's connections", exc)
    conns.clear()


# -- network level ---------------------------------------------------------------------------


class SyncStream:
    """A network stream that tells the monitor when a request first writes on it and when it
    closes. `read` and `get_extra_info` are the inner stream's own bound methods: no extra
    call on the hot path."""

    __slots__ = ("_conn", "_hooks", "_inner", "get_extra_info", "read")

    def __init__(self, inner: Any, conn: Connection, hooks: PoolHooks) -> None:
        self._inner = inner
        self._conn = conn
        self._hooks = hooks
        self.read = inner.read
        self.get_extra_info = inner.get_extra_info

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        request = _current()
        if request is not None and request.conn is not self._conn:  # else: seen already
            try:
                _wrote(request, self._conn)
            except Exception as exc:
                report("httpx write hook", exc)
        self._inner.write(buffer, timeout)

    def close(self) -> None:
        conn = self._conn
        readable = self._hooks.readable(self._inner)
        try:
            self._inner.close()
        finally:
            self._hooks.conns.discard(conn)
            try:
                conn.pool.closing(conn, readable, self._hooks.closing)
            except Exception as exc:
                report("httpx close hook", exc)

    def start_tls(self, *args: Any, **kwargs: Any) -> SyncStream:
        try:
            inner = self._inner.start_tls(*args, **kwargs)
        except BaseException:
            self._conn.failed = True
            raise
        return SyncStream(inner, self._conn, self._hooks)


class AsyncStream:
    """The async twin of `SyncStream`. `write` is a plain function that returns the inner
    stream's coroutine, so awaiting it adds no coroutine frame."""

    __slots__ = ("_conn", "_hooks", "_inner", "get_extra_info", "read")

    def __init__(self, inner: Any, conn: Connection, hooks: PoolHooks) -> None:
        self._inner = inner
        self._conn = conn
        self._hooks = hooks
        self.read = inner.read
        self.get_extra_info = inner.get_extra_info

    def write(self, buffer: bytes, timeout: float | None = None) -> Awaitable[None]:
        request = _current()
        if request is not None and request.conn is not self._conn:  # else: seen already
            try:
                _wrote(request, self._conn)
            except Exception as exc:
                report("httpx write hook", exc)
        result: Awaitable[None] = self._inner.write(buffer, timeout)
        return result

    async def aclose(self) -> None:
        conn = self._conn
        readable = self._hooks.readable(self._inner)
        try:
            await self._inner.aclose()
        finally:
            self._hooks.conns.discard(conn)
            try:
                conn.pool.closing(conn, readable, self._hooks.closing)
            except Exception as exc:
                report("httpx close hook", exc)

    async def start_tls(self, *args: Any, **kwargs: Any) -> AsyncStream:
        try:
            inner = await self._inner.start_tls(*args, **kwargs)
        except BaseException:
            self._conn.failed = True
            raise
        return AsyncStream(inner, self._conn, self._hooks)


def _opened(request: Request | None, started: float, hooks: PoolHooks) -> Connection | None:
    if request is None or request.done:
        return None
    try:
        conn = request.pool.connected(request, started)
        hooks.conns.add(conn)
        return conn
    except Exception as exc:
        report("httpx connect hook", exc)
        return None


def _connect_failed(request: Request | None, started: float) -> None:
    if request is not None and request.wait is None:
        try:
            request.pool._waited(request, started)
        except Exception as exc:
            report("httpx connect hook", exc)


class SyncBackend:
    def __init__(self, inner: Any, hooks: PoolHooks) -> None:
        self._inner = inner
        self._hooks = hooks

    def _open(self, method: str, args: Any, kwargs: Any) -> Any:
        request = CURRENT.get()
        started = perf_counter()
        try:
            stream = getattr(self._inner, method)(*args, **kwargs)
        except BaseException:
            _connect_failed(request, started)
            raise
        conn = _opened(request, started, self._hooks)
        return stream if conn is None else SyncStream(stream, conn, self._hooks)

    def connect_tcp(self, *args: Any, **kwargs: Any) -> Any:
        return self._open("connect_tcp", args, kwargs)

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> Any:
        return self._open("connect_unix_socket", args, kwargs)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class AsyncBackend:
    def __init__(self, inner: Any, hooks: PoolHooks) -> None:
        self._inner = inner
        self._hooks = hooks

    async def _open(self, method: str, args: Any, kwargs: Any) -> Any:
        request = CURRENT.get()
        started = perf_counter()
        try:
            stream = await getattr(self._inner, method)(*args, **kwargs)
        except BaseException:
            _connect_failed(request, started)
            raise
        conn = _opened(request, started, self._hooks)
        return stream if conn is None else AsyncStream(stream, conn, self._hooks)

    async def connect_tcp(self, *args: Any, **kwargs: Any) -> Any:
        return await self._open("connect_tcp", args, kwargs)

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> Any:
        return await self._open("connect_unix_socket", args, kwargs)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


# -- request level ---------------------------------------------------------------------------

_STREAM_CLASSES: dict[str, tuple[type, type]] = {}


def _stream_classes(library: str) -> tuple[type, type]:
    """Response-stream wrappers that subclass the library's own byte-stream bases (httpx
    checks `isinstance(response.stream, SyncByteStream)`)."""
    cached = _STREAM_CLASSES.get(library)
    if cached is not None:
        return cached
    import importlib

    mod = importlib.import_module(library)

    class Released(mod.SyncByteStream):  # type: ignore[name-defined,misc]
        def __init__(
            self, inner: Any, request: Request, version: str | None, hooks: PoolHooks, headers: Any
        ) -> None:
            self._inner = inner
            self._request = request
            self._version = version
            self._hooks = hooks
            self._headers = headers

        def __iter__(self) -> Any:
            return iter(self._inner)

        def close(self) -> None:
            token = RELEASING.set(True)
            try:
                self._inner.close()
            finally:
                RELEASING.reset(token)
                _released(self._request, self._version, self._hooks, self._headers)

    class AsyncReleased(mod.AsyncByteStream):  # type: ignore[name-defined,misc]
        def __init__(
            self, inner: Any, request: Request, version: str | None, hooks: PoolHooks, headers: Any
        ) -> None:
            self._inner = inner
            self._request = request
            self._version = version
            self._hooks = hooks
            self._headers = headers

        def __aiter__(self) -> Any:
            return self._inner.__aiter__()

        async def aclose(self) -> None:
            token = RELEASING.set(True)
            try:
                await self._inner.aclose()
            finally:
                RELEASING.reset(token)
                _released(self._request, self._version, self._hooks, self._headers)

    _STREAM_CLASSES[library] = (Released, AsyncReleased)
    return Released, AsyncReleased


_VERSIONS = {b"HTTP/1.1": "HTTP/1.1", b"HTTP/2": "HTTP/2", b"HTTP/1.0": "HTTP/1.0"}


def _responded(request: Request, response: Any, wrapper: type, hooks: PoolHooks) -> None:
    raw_version = response.extensions.get("http_version")
    version = _VERSIONS.get(raw_version) if raw_version is not None else None
    response.stream = wrapper(response.stream, request, version, hooks, response.headers)


def _released(request: Request, version: str | None, hooks: PoolHooks, headers: Any) -> None:
    """The response is closed. If httpcore closed its connection meanwhile (while releasing
    it), the cause is settled here, once the pool has done its part; read only then, not
    per response."""
    try:
        conn = request.conn
        if conn is not None and conn.close_pending and closed_by_server(version, headers, hooks):
            conn.server_closing = True
        request.pool.released(request, version)
    except Exception as exc:
        report("httpx release hook", exc)


def closed_by_server(version: str | None, headers: Any, hooks: PoolHooks) -> bool:
    """Whether a connection httpcore closed as its response was released was closed for the
    server: the response ends it (`Connection: close`, or HTTP/1.0, which h11 never keeps
    alive), or the connection ended itself (an HTTP/2 GOAWAY) while the pool had room to keep
    it. Otherwise the pool dropped it as surplus (`PoolHooks.pool_full`), or the response was
    closed unread: the client's side (keepalive_limit)."""
    if version == "HTTP/1.0":
        return True
    value = headers.get("connection")
    if value is not None and "close" in value.lower():
        return True
    return version == "HTTP/2" and not hooks.pool_full()


def _begin(hooks: PoolHooks, url: Any) -> Request | None:
    try:
        stats = hooks.by_origin.get((url.scheme, url.host, url.port)) or hooks.stats(url)
        return stats.begin()
    except Exception as exc:
        report("httpx request hook", exc)
        return None


_set, _reset = CURRENT.set, CURRENT.reset


def _failed(request: Request, exc: BaseException) -> None:
    try:
        request.pool.failed(request, failure_kind(exc, request))
    except Exception as err:
        report("httpx failure hook", err)


def hook_sync_transport(transport: Any, hooks: PoolHooks, library: str) -> None:
    original = transport.handle_request
    original_close = transport.close
    released_cls = _stream_classes(library)[0]

    def handle_request(request: Any) -> Any:
        record = _begin(hooks, request.url)
        if record is None:
            return original(request)
        token = _set(record)
        try:
            response = original(request)
        except BaseException as exc:
            _failed(record, exc)
            raise
        finally:
            _reset(token)
        try:
            _responded(record, response, released_cls, hooks)
        except Exception as exc:
            report("httpx response hook", exc)
        return response

    def close() -> None:
        hooks.closing = True
        try:
            original_close()
        finally:
            hooks.closing = False

    transport.handle_request = handle_request
    transport.close = close


def hook_async_transport(transport: Any, hooks: PoolHooks, library: str) -> None:
    original = transport.handle_async_request
    original_close = transport.aclose
    released_cls = _stream_classes(library)[1]

    async def handle_async_request(request: Any) -> Any:
        record = _begin(hooks, request.url)
        if record is None:
            return await original(request)
        token = _set(record)
        try:
            response = await original(request)
        except BaseException as exc:
            _failed(record, exc)
            raise
        finally:
            _reset(token)
        try:
            _responded(record, response, released_cls, hooks)
        except Exception as exc:
            report("httpx response hook", exc)
        return response

    async def aclose() -> None:
        hooks.closing = True
        try:
            await original_close()
        finally:
            hooks.closing = False

    transport.handle_async_request = handle_async_request
    transport.aclose = aclose


def _busy_probe(pool: Any, url: Any) -> BusyProbe | None:
    """(active, idle) of the pool's connections to ``url``'s origin, from httpcore's public
    `pool.connections`, `can_handle_request(origin)` and `is_idle()`; via a weak reference."""
    import importlib

    try:
        core = importlib.import_module(type(pool).__module__.split(".", 1)[0])
        scheme = url.raw_scheme
        port = url.port or (443 if scheme == b"https" else 80)
        origin = core.Origin(scheme=scheme, host=url.raw_host, port=port)
    except Exception:
        return None
    ref = weakref.ref(pool)

    def probe() -> tuple[int, int] | None:
        target = ref()
        if target is None:
            return None
        try:
            active = idle = 0
            for conn in target.connections:
                if conn.is_closed() or not conn.can_handle_request(origin):
                    continue
                if conn.is_idle():
                    idle += 1
                else:
                    active += 1
            return active, idle
        except Exception:
            return None

    return probe


MARK = "_pooltune_hooks"


def instrument_httpx_client(client: Any, *, library: str, label: str, name: str) -> list[PoolHooks]:
    """Hook every pool of an httpx/httpx2 client; returns the hooks (one per pool)."""
    version = _reach.version_of(library)
    found: list[PoolHooks] = []
    for transport in _reach.httpx_transports(client):
        existing = getattr(transport, MARK, None)
        if isinstance(existing, PoolHooks):
            found.append(existing)
            continue
        pool = _reach.transport_pool(transport)
        if pool is None:
            continue  # a custom transport (mock, ASGI, a user's own): no pool to watch
        backend = _reach.pool_backend(pool)
        if backend is None:
            continue
        hooks = PoolHooks(library, label, version, _reach.pool_limits(pool), name, pool)
        if hasattr(transport, "handle_async_request"):
            _reach.set_pool_backend(pool, AsyncBackend(backend, hooks))
            hook_async_transport(transport, hooks, library)
        else:
            _reach.set_pool_backend(pool, SyncBackend(backend, hooks))
            hook_sync_transport(transport, hooks, library)
        setattr(transport, MARK, hooks)
        found.append(hooks)
    return found
