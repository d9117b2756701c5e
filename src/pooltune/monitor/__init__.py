"""`pooltune monitor`: the health of a running application's HTTP connection pools.

    import httpx, pooltune.monitor

    client = httpx.AsyncClient()
    monitor = pooltune.monitor.instrument(client)   # httpx/httpx2, openai/anthropic, aiohttp
    ...
    monitor.snapshot()    # design.md section 6, a pydantic model
    monitor.advice()      # [AdviceItem(setting, value, why)]

    session = aiohttp.ClientSession(trace_configs=[pooltune.monitor.aiohttp_trace_config()])

client -> hooks (httpx_hooks, aiohttp_hooks) -> collector (PoolStats per pool, process-wide) ->
snapshot (model) -> exporters (otel, prometheus, log) and advice (tune.pool_advice). The monitor
never changes a request: the hooks delegate every call unchanged and a failure inside them is
logged once (`safety`) and never raised. Importing this package imports no HTTP library.
"""

from __future__ import annotations

import contextlib
import weakref
from typing import Any

from pooltune.monitor._reach import (
    SUPPORTED,
    UnsupportedClient,
    httpx_base,
    library_of,
    version_of,
)
from pooltune.monitor.collector import HUB, PoolStats
from pooltune.monitor.model import AdviceItem, PoolSnapshot, Snapshot

__all__ = [
    "AdviceItem",
    "PoolMonitor",
    "PoolSnapshot",
    "Snapshot",
    "UnsupportedClient",
    "aiohttp_trace_config",
    "instrument",
    "process_monitor",
]


class PoolMonitor:
    """The pools of one instrumented client (or, from `process_monitor()`, of the process)."""

    def __init__(self, label: str, sources: list[Any] | None) -> None:
        self.label = label
        self._sources = sources  # objects with .by_origin; None = every pool in the process

    def _stats(self) -> list[PoolStats]:
        if self._sources is None:
            return HUB.all()
        seen: list[PoolStats] = []
        for source in self._sources:
            for stats in list(source.by_origin.values()):
                if all(stats is not s for s in seen):
                    seen.append(stats)
        return seen

    def pools(self) -> list[PoolSnapshot]:
        """One snapshot per pool (no advice); a stuck pool is checked for first."""
        import time

        from pooltune.monitor.advice import check_stuck

        out = []
        for stats in self._stats():
            check_stuck(stats, time.perf_counter())
            out.append(stats.snapshot())
        return out

    def snapshot(self) -> Snapshot:
        """Everything seen so far, with the advice (design.md section 6)."""
        from pooltune.monitor.advice import build_snapshot

        return build_snapshot(self.pools())

    def advice(self) -> list[AdviceItem]:
        return self.snapshot().advice

    def summary(self) -> str:
        """The text `pooltune monitor` prints at exit."""
        from pooltune.monitor.advice import summary_text

        return summary_text(self.snapshot())

    def __repr__(self) -> str:
        return f"<PoolMonitor {self.label}: {len(self._stats())} pool(s)>"


_MONITORS: weakref.WeakKeyDictionary[Any, PoolMonitor] = weakref.WeakKeyDictionary()


def process_monitor() -> PoolMonitor:
    """Every pool instrumented in this process (what `pooltune monitor -- cmd` reports)."""
    return PoolMonitor("process", None)


def _start_exporters() -> None:
    from pooltune.monitor.export import ensure_default_exporters

    ensure_default_exporters()


def instrument(client: Any, *, name: str = "") -> PoolMonitor:
    """Watch a client's connection pool; returns its `PoolMonitor`. Idempotent.

    Supported: httpx/httpx2 `Client`/`AsyncClient`, the openai and anthropic SDK clients (their
    inner httpx/httpx2 client) and `aiohttp.ClientSession`. Instrument before the first
    request: connections opened earlier are not counted. ``name`` keeps pools with the same
    library, origin and limits apart in the figures (they are merged otherwise).
    Raises `UnsupportedClient` (a TypeError) for anything else.
    """
    try:
        existing = _MONITORS.get(client)
    except TypeError:
        existing = None
    if existing is not None:
        return existing
    module = type(client).__module__
    library = library_of(client)
    label = f"{library}.{type(client).__qualname__}"
    base = httpx_base(client)
    if base is not None:
        if base[0] != library:  # an SDK's own subclass (openai's SyncHttpxClientWrapper)
            label = f"{library} ({base[0]}.{base[1]})"
        monitor = _instrument_httpx(client, base[0], label, name)
    elif library in ("openai", "anthropic"):
        from pooltune.monitor._reach import sdk_inner_client

        inner = sdk_inner_client(client)
        monitor = _instrument_httpx(inner, library_of_httpx(inner), label, name)
    elif library == "aiohttp" and type(client).__name__ == "ClientSession":
        from pooltune.monitor.aiohttp_hooks import instrument_session

        hooks = instrument_session(client, name=name, label=label)
        monitor = PoolMonitor(label, [hooks])
    else:
        version = version_of(library)
        raise UnsupportedClient(
            f"pooltune.monitor cannot instrument {module}.{type(client).__qualname__}"
            f"{' ' + version if version else ''}; supported: {SUPPORTED}"
        )
    _start_exporters()
    with contextlib.suppress(TypeError):  # not weak-referenceable: no cache
        _MONITORS[client] = monitor
    return monitor


def library_of_httpx(client: Any) -> str:
    base = httpx_base(client)
    return base[0] if base is not None else library_of(client)


def _instrument_httpx(client: Any, library: str, label: str, name: str) -> PoolMonitor:
    from pooltune.monitor.httpx_hooks import instrument_httpx_client

    hooks = instrument_httpx_client(client, library=library, label=label, name=name)
    if not hooks:
        raise UnsupportedClient(
            f"{label}: its transport has no httpcore connection pool (a mock, ASGI/WSGI or "
            "custom transport); there is no pool to monitor"
        )
    return PoolMonitor(label, hooks)


def aiohttp_trace_config() -> Any:
    """An `aiohttp.TraceConfig` for `ClientSession(trace_configs=[...])`: every request of the
    session is monitored, no other change to the session."""
    from pooltune.monitor.aiohttp_hooks import trace_config

    _start_exporters()
    return trace_config()
