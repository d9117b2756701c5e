"""What the hooks feed: one `PoolStats` per pool (library, origin, limits, name), process-wide.

The hooks (`httpx_hooks`, `aiohttp_hooks`) call the few methods here at the moments they see:
a request starts, it gets a connection (new or reused), its response is released or it fails,
a connection closes. Everything else (snapshots, exporters, advice, warnings) reads these
counters, so nothing costs per request but the calls below. Pools with the same library,
origin, limits and name share one entry (a client built per request must not grow memory
per client); `clients` says how many were merged.
"""

from __future__ import annotations

import contextvars
import os
import threading
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pooltune.model import Percentiles
from pooltune.monitor.model import (
    Closes,
    Limits,
    OpenConnections,
    PoolSnapshot,
    Range,
    RequestsPerConnection,
)

_now = time.perf_counter
RESERVOIR = 4096  # samples kept per distribution (uniform reservoir beyond that)
# Histogram buckets (seconds) shared by the Prometheus and JSON views of waits and lifetimes.
WAIT_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
)  # fmt: skip
DURATION_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)

CloseCause = str  # one of Closes' field names


class Reservoir:
    """The last RESERVOIR values (a ring: percentiles are recent ones), plus exact count,
    sum and max and cumulative histogram buckets since the start."""

    __slots__ = ("buckets", "count", "counts", "max", "samples", "sum")

    def __init__(self, buckets: tuple[float, ...]) -> None:
        self.samples: list[float] = []
        self.count = 0
        self.sum = 0.0
        self.max = 0.0
        self.buckets = buckets
        self.counts = [0] * (len(buckets) + 1)

    def add(self, value: float) -> None:
        count = self.count
        self.count = count + 1
        self.sum += value
        if value > self.max:
            self.max = value
        self.counts[bisect_left(self.buckets, value)] += 1
        if count < RESERVOIR:
            self.samples.append(value)
        else:
            self.samples[count % RESERVOIR] = value

    def percentiles(self) -> Percentiles:
        return percentiles(self.samples)


def percentiles(values: Iterable[float]) -> Percentiles:
    ordered = sorted(values)
    if not ordered:
        return Percentiles(p50=0.0, p90=0.0, p99=0.0)

    def at(q: float) -> float:
        # nearest rank: the smallest value with at least q of the samples at or below it
        rank = max(1, int(-(-q * len(ordered) // 1)))
        return ordered[min(rank, len(ordered)) - 1]

    return Percentiles(p50=at(0.50), p90=at(0.90), p99=at(0.99))


class Span:
    """Min/max of idle gaps (seconds) of one kind."""

    __slots__ = ("count", "max", "min")

    def __init__(self) -> None:
        self.count = 0
        self.min: float | None = None
        self.max: float | None = None

    def add(self, value: float) -> None:
        self.count += 1
        self.min = value if self.min is None else min(self.min, value)
        self.max = value if self.max is None else max(self.max, value)

    def model(self) -> Range:
        return Range(count=self.count, min=self.min, max=self.max)


class Connection:
    """One connection the monitor saw opened."""

    __slots__ = (
        "busy",
        "cause",
        "close_pending",
        "closed",
        "failed",
        "idle_since",
        "opened",
        "pool",
        "requests",
        "server_closing",
    )

    def __init__(self, pool: PoolStats, now: float) -> None:
        self.pool = pool
        self.opened = now
        self.idle_since = now
        self.requests = 0
        self.busy = 0  # requests on it whose response is not released yet
        self.closed = False
        self.close_pending = False  # closed while a request was on it: counted when it ends
        self.failed = False  # a request on it failed: its close is an error close
        self.server_closing = False  # it ends for the server (Connection: close, GOAWAY)
        self.cause: CloseCause | None = None  # a cause a hook already knows (reuse failure)


class Request:
    """One request between `begin` and `released`/`failed`."""

    __slots__ = ("conn", "done", "new", "pool", "queued", "start", "wait")

    def __init__(self, pool: PoolStats, now: float) -> None:
        self.pool = pool
        self.start = now
        self.conn: Connection | None = None
        self.new = False
        self.wait: float | None = None
        self.queued = False
        self.done = False


# The request the current thread/task is sending, for the network-level hooks (connect, write),
# which run inside the request's own call in httpcore and httpcore2.
CURRENT: contextvars.ContextVar[Request | None] = contextvars.ContextVar(
    "pooltune_monitor_request", default=None
)


# True while a response is being released: closes the pool makes then are its own decisions
# (keep-alive pool full), not a shutdown.
RELEASING: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "pooltune_monitor_releasing", default=False
)


@dataclass(frozen=True)
class PoolKey:
    library: str
    client: str  # what was instrumented ("openai.AsyncOpenAI"): SDKs are not merged with httpx
    origin: str
    limits: tuple[int | None, int | None, float | None, int | None]
    name: str


class PoolStats:
    """The counters of one pool. Mutations hold `lock` (sync clients run in many threads)."""

    def __init__(
        self, key: PoolKey, client: str, version: str, hub: Hub, probe: BusyProbe | None
    ) -> None:
        self.key = key
        self.library = key.library
        self.origin = key.origin
        self.client = client
        self.version = version
        self.hub = hub
        mc, mk, exp, per_host = key.limits
        self.limits = Limits(
            max_connections=mc,
            max_keepalive_connections=mk,
            keepalive_expiry=exp,
            max_connections_per_host=per_host,
        )
        self.expiry = exp
        self.lock = threading.Lock()
        self.created = time.monotonic()
        self.clients = 0
        self.probes: list[BusyProbe] = [probe] if probe is not None else []
        self.on_wait: Callable[[PoolStats, float], None] | None = None
        self.on_close: Callable[[PoolStats, float], None] | None = None
        self._zero()

    def _zero(self) -> None:
        """The counters at their start (a new pool, or a forked child's copy of one)."""
        self.requests = 0
        self.opened = 0
        self.reused = 0
        self.reuse_failures = 0
        self.pool_timeouts = 0
        self.errors = 0
        self.in_flight = 0
        self.peak_in_flight = 0
        self.waited = 0
        self.dns_lookups = 0
        self.dns_cache_hits = 0
        self.closes: dict[str, int] = dict.fromkeys(Closes.model_fields, 0)
        self.conns: set[Connection] = set()
        self.waits = Reservoir(WAIT_BUCKETS)
        self.durations = Reservoir(DURATION_BUCKETS)
        self.per_conn: list[int] = []  # requests carried by closed connections (bounded)
        self.per_conn_max = 0
        self.http_versions: dict[str, int] = {}
        self.reused_idle = Span()
        self.failure_idle = Span()
        self.server_idle = Span()
        self.stuck = False
        self.stuck_connections = 0
        self.progress_at = time.monotonic()  # last time a request got a connection
        self.next_check = self.progress_at + 1.0

    def forked(self) -> None:
        """In a forked child: count only the child's own requests from here (the parent
        reports its own), on a fresh lock (another thread of the parent may have held it).
        Connections the child inherited stay open in it, idle, and count what it sends."""
        self.lock = threading.Lock()
        inherited = [conn for conn in self.conns if not conn.closed]
        self._zero()
        for conn in inherited:
            conn.requests = 0
            conn.busy = 0
            self.conns.add(conn)

    # -- the hooks' calls ---------------------------------------------------------------------

    def begin(self) -> Request:
        request = Request(self, _now())
        with self.lock:
            self.requests += 1
            self.in_flight += 1
            if self.in_flight > self.peak_in_flight:
                self.peak_in_flight = self.in_flight
        return request

    def connected(self, request: Request, now: float) -> Connection:
        """A new connection is being opened for ``request`` (its TCP connect started at
        ``now``)."""
        conn = Connection(self, now)
        conn.requests = 1
        conn.busy = 1
        request.conn = conn
        request.new = True
        with self.lock:
            self.opened += 1
            self.conns.add(conn)
            if request.wait is None:
                self._waited_locked(request, now)
        return conn

    def reusing(self, request: Request, conn: Connection, now: float) -> None:
        """``request`` is sent on ``conn``, which carried earlier requests."""
        request.conn = conn
        with self.lock:
            self.reused += 1
            conn.requests += 1
            conn.busy += 1
            if conn.busy == 1:
                gap = now - conn.idle_since
                span = self.reused_idle
                span.count += 1
                if span.max is None or gap > span.max:
                    span.max = gap
                if conn.idle_since > request.start:
                    # the connection came free after the request began: the pool had none
                    # available and could open no other, so the request waited for it
                    request.queued = True
            if request.wait is None:
                self._waited_locked(request, now)

    def _waited(self, request: Request, now: float) -> None:
        if request.wait is None:
            with self.lock:
                self._waited_locked(request, now)

    def _waited_locked(self, request: Request, now: float) -> None:
        wait = now - request.start
        request.wait = wait
        self.progress_at = now
        self.waits.add(wait)
        if request.queued:
            self.waited += 1
        if self.on_wait is not None:
            self.on_wait(self, wait)

    def released(self, request: Request, http_version: str | None = None) -> None:
        """The response is read or closed: the connection is back in the pool."""
        if request.done:
            return
        request.done = True
        now = _now()
        with self.lock:
            self.in_flight -= 1
            if http_version is not None:
                self.http_versions[http_version] = self.http_versions.get(http_version, 0) + 1
            conn = request.conn
            finish = False
            if conn is not None and conn.busy > 0:
                conn.busy -= 1
                if conn.busy == 0:
                    conn.idle_since = now
                    finish = conn.close_pending
        if finish and conn is not None:
            self.closed(conn, self.classify_close(conn, False, False, pending=True))
        if now >= self.next_check:
            self.hub.check(self, now)

    def failed(self, request: Request, kind: str) -> None:
        """The request raised. ``kind``: pool_timeout, reuse (server closed a kept-alive
        connection under it), error, cancelled."""
        if request.done:
            return
        request.done = True
        now = time.perf_counter()
        with self.lock:
            self.in_flight -= 1
            conn = request.conn
            if kind != "cancelled":
                self.errors += 1
            if kind == "pool_timeout":
                self.pool_timeouts += 1
                self.waited += 1
            finish = False
            if conn is not None:
                if conn.busy > 0:
                    conn.busy -= 1
                finish = conn.close_pending and conn.busy == 0
                if kind == "reuse" and conn.requests > 1:
                    self.reuse_failures += 1
                    self.failure_idle.add(request.start - conn.idle_since)
                    conn.cause = "server"
                elif kind in ("error", "reuse"):
                    conn.failed = True
                conn.idle_since = now
        if finish and conn is not None:
            self.closed(conn, self.classify_close(conn, False, False, pending=True))
        if kind == "pool_timeout" and request.wait is None:
            self.waits.add(now - request.start)
        self.hub.check(self, now)

    def closed(self, conn: Connection, cause: CloseCause) -> None:
        if conn.closed:
            return
        now = time.perf_counter()
        with self.lock:
            conn.closed = True
            self.conns.discard(conn)
            self.closes[cause] = self.closes.get(cause, 0) + 1
            if cause == "server" and conn.busy == 0 and not conn.server_closing:
                self.server_idle.add(now - conn.idle_since)
            lifetime = now - conn.opened
            self.durations.add(lifetime)
            if len(self.per_conn) < RESERVOIR:
                self.per_conn.append(conn.requests)
            self.per_conn_max = max(self.per_conn_max, conn.requests)
        if self.on_close is not None:
            self.on_close(self, lifetime)
        if cause == "client" and not self.conns:
            for hook in self.hub.on_shutdown:
                hook(self)

    def closing(self, conn: Connection, readable: bool | None, shutting_down: bool) -> None:
        """A connection's socket is being closed. While a request is still on it (httpcore
        closes a connection before the request's error reaches the caller), the close is
        counted when that request ends, with the cause its outcome gives."""
        if conn.closed or conn.close_pending:
            return
        if conn.busy > 0 and conn.cause is None and not shutting_down and not readable:
            conn.close_pending = True
            return
        self.closed(conn, self.classify_close(conn, readable, shutting_down))

    def classify_close(
        self,
        conn: Connection,
        readable: bool | None,
        shutting_down: bool,
        *,
        pending: bool = False,
    ) -> str:
        """Why a connection is closing, from what the monitor saw of it."""
        if conn.cause is not None:
            return conn.cause
        if conn.server_closing or readable:
            return "server"
        if conn.failed:
            return "error"
        if shutting_down:
            return "client"
        if conn.busy or pending:
            # closed as its own response is released: the pool did not keep it (full), or
            # the response was closed unread; a server's Connection: close was seen above
            return "keepalive_limit"
        idle = time.perf_counter() - conn.idle_since
        if self.expiry is not None and idle >= self.expiry * 0.98:
            return "idle_expiry"
        if CURRENT.get() is not None or RELEASING.get():
            return "keepalive_limit"  # the pool closed a surplus idle connection
        return "client"  # outside any request: the client or its pool is closing

    # -- reading ------------------------------------------------------------------------------

    def open_counts(self) -> tuple[int, int]:
        """(active, idle): the library's own view where it can be read (httpcore's public
        `pool.connections`), else the monitor's."""
        seen: tuple[int, int] | None = None
        for probe in list(self.probes):
            value = probe()
            if value is None:
                self._drop_probe(probe)  # its pool is gone (or cannot be read)
            else:
                seen = value if seen is None else (seen[0] + value[0], seen[1] + value[1])
        if seen is not None:
            return seen
        with self.lock:
            conns = list(self.conns)
        active = sum(1 for c in conns if c.busy)
        return active, len(conns) - active

    def snapshot(self) -> PoolSnapshot:
        active, idle = self.open_counts()
        with self.lock:
            counts = self.per_conn + [c.requests for c in self.conns]
            per_max = max([self.per_conn_max, *counts]) if counts else 0
            per_p50 = percentiles(counts).p50 if counts else 0.0
            return PoolSnapshot(
                library=self.library,
                origin=self.origin,
                limits=self.limits,
                requests=self.requests,
                connections_opened=self.opened,
                reused=self.reused,
                reuse_failures=self.reuse_failures,
                pool_timeouts=self.pool_timeouts,
                peak_in_flight=self.peak_in_flight,
                open=OpenConnections(active=active, idle=idle),
                wait_s=self.waits.percentiles(),
                requests_per_connection=RequestsPerConnection(p50=per_p50, max=per_max),
                closes=Closes(**self.closes),
                client=self.client,
                name=self.key.name,
                library_version=self.version,
                clients=max(self.clients, 1),
                in_flight=self.in_flight,
                errors=self.errors,
                waited=self.waited,
                wait_max_s=self.waits.max,
                connection_duration_s=self.durations.percentiles()
                if self.durations.count
                else None,
                http_versions=dict(self.http_versions),
                dns_lookups=self.dns_lookups,
                dns_cache_hits=self.dns_cache_hits,
                reused_idle_s=self.reused_idle.model(),
                reuse_failure_idle_s=self.failure_idle.model(),
                server_idle_close_s=self.server_idle.model(),
                waiting=max(0, self.in_flight - sum(c.busy for c in self.conns)),
                stuck=self.stuck,
                stuck_connections=self.stuck_connections,
                uptime_s=round(time.monotonic() - self.created, 3),
            )

    def waiting(self) -> int:
        """Requests in flight that have no connection yet."""
        with self.lock:
            return max(0, self.in_flight - sum(c.busy for c in self.conns))

    def requests_per_connection(self) -> tuple[float, int]:
        """(p50, max) of requests carried per connection, closed and open ones."""
        with self.lock:
            counts = self.per_conn + [c.requests for c in self.conns]
            top = max([self.per_conn_max, *counts]) if counts else 0
        return (percentiles(counts).p50 if counts else 0.0), top

    def _drop_probe(self, probe: BusyProbe) -> None:
        with self.lock:
            if probe in self.probes:
                self.probes.remove(probe)

    def busy_in_pool(self) -> int | None:
        """Connections the library itself holds as active, or None when it cannot say."""
        total = None
        for probe in list(self.probes):
            value = probe()
            if value is not None:
                total = (total or 0) + value[0]
        return total


# (active, idle) connections of one origin as the library itself sees them, or None
BusyProbe = Callable[[], "tuple[int, int] | None"]


class Hub:
    """The process's pools and the exporters' hooks. One per process (`HUB`)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pools: dict[PoolKey, PoolStats] = {}
        self.on_new_pool: list[Callable[[PoolStats], None]] = []
        self.checkers: list[Callable[[PoolStats, float], None]] = []
        # a pool's last connection closed by its client (the app is shutting it down)
        self.on_shutdown: list[Callable[[PoolStats], None]] = []

    def pool(
        self,
        key: PoolKey,
        *,
        client: str,
        version: str,
        probe: BusyProbe | None = None,
        new_client: bool = False,
    ) -> PoolStats:
        with self.lock:
            stats = self.pools.get(key)
            created = stats is None
            if stats is None:
                stats = PoolStats(key, client, version, self, probe)
                self.pools[key] = stats
            elif probe is not None and new_client:
                stats.probes.append(probe)
            if new_client or created:
                stats.clients += 1
        if created:
            for hook in self.on_new_pool:
                hook(stats)
        return stats

    def all(self) -> list[PoolStats]:
        with self.lock:
            return list(self.pools.values())

    def check(self, stats: PoolStats, now: float) -> None:
        stats.next_check = now + 1.0
        for checker in self.checkers:
            checker(stats, now)

    def reset(self) -> None:
        """Forget every pool (tests)."""
        with self.lock:
            self.pools.clear()

    def forked(self) -> None:
        """In a forked child (os.register_at_fork): every pool starts its counts again, so the
        child and its parent each report their own requests and the merge adds up."""
        self.lock = threading.Lock()
        for stats in self.pools.values():
            stats.forked()


HUB = Hub()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=HUB.forked)


def origin_of(scheme: str, host: str, port: int | None) -> str:
    """scheme://host:port with the scheme's default port filled in; no path, no query."""
    if port is None:
        port = 443 if scheme in ("https", "wss") else 80
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"


def limits_key(
    max_connections: int | None,
    max_keepalive: int | None,
    expiry: float | None,
    per_host: int | None = None,
) -> tuple[int | None, int | None, float | None, int | None]:
    return (max_connections, max_keepalive, expiry, per_host)


def unused(*_: Any) -> None:
    """A no-op hook."""
