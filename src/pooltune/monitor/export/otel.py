"""OpenTelemetry metrics through `opentelemetry-api` (the `otel` extra).

Semantic-convention names where they exist: `http.client.open_connections` (attribute
`http.connection.state` = active|idle), `http.client.connection.duration` and
`http.client.request.time_in_queue` (histograms, seconds). The rest are `pooltune.pool.*`.
Every point carries `server.address`, `server.port`, `url.scheme` and `pooltune.library`
(and `pooltune.pool.name` when the pool was named). The instruments are created once per
process, on the first `enable()`, whatever the number of clients; the counters are observed
at collection time, so only the two histograms cost anything per request.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from pooltune.monitor.collector import HUB, PoolStats
from pooltune.monitor.safety import report

METER_NAME = "pooltune.monitor"
# (PoolStats field, instrument name, unit, description) of the observed counters
COUNTERS = (
    ("requests", "pooltune.pool.requests", "{request}", "Requests sent through the pool."),
    ("opened", "pooltune.pool.connections.opened", "{connection}", "New connections."),
    (
        "reused",
        "pooltune.pool.connections.reused",
        "{request}",
        "Requests on a kept-alive connection.",
    ),
    (
        "reuse_failures",
        "pooltune.pool.reuse_failures",
        "{request}",
        "Requests that failed on a kept-alive connection the server had closed.",
    ),
    (
        "pool_timeouts",
        "pooltune.pool.timeouts",
        "{request}",
        "Requests that gave up waiting for a connection (PoolTimeout).",
    ),
    ("errors", "pooltune.pool.errors", "{request}", "Requests that raised."),
    ("dns_lookups", "pooltune.pool.dns.lookups", "{lookup}", "DNS resolutions (aiohttp)."),
    (
        "dns_cache_hits",
        "pooltune.pool.dns.cache_hits",
        "{lookup}",
        "DNS answers from the cache (aiohttp).",
    ),
)
_lock = threading.Lock()
_enabled_for: list[Any] = []  # the meter provider the instruments were created with


def attributes(stats: PoolStats) -> dict[str, str | int]:
    cached = getattr(stats, "_otel_attrs", None)
    if cached is not None:
        return dict(cached)
    parts = urlsplit(stats.origin)
    attrs: dict[str, str | int] = {
        "server.address": parts.hostname or "",
        "server.port": parts.port or 0,
        "url.scheme": parts.scheme,
        "pooltune.library": stats.library,
    }
    if stats.key.name:
        attrs["pooltune.pool.name"] = stats.key.name
    stats._otel_attrs = attrs  # type: ignore[attr-defined]
    return dict(attrs)


def enable(meter_provider: Any = None) -> bool:
    """Create the instruments (once per process) on ``meter_provider`` or the global one.
    Returns False, with one log line, when opentelemetry-api is not installed."""
    with _lock:
        if _enabled_for:
            return True
        try:
            from opentelemetry import metrics
        except ImportError:
            from pooltune.monitor.safety import LOG

            LOG.warning(
                "pooltune monitor: OpenTelemetry export needs opentelemetry-api: "
                "pip install 'pooltune[otel]'"
            )
            return False
        meter = (meter_provider or metrics.get_meter_provider()).get_meter(METER_NAME)
        _create(meter, metrics)
        _enabled_for.append(meter_provider)
        return True


def _observations(metrics: Any, values: Iterable[tuple[float, dict[str, Any]]]) -> list[Any]:
    return [metrics.Observation(value, attrs) for value, attrs in values]


def _create(meter: Any, metrics: Any) -> None:
    def pools() -> list[PoolStats]:
        return HUB.all()

    def callback(read: Any) -> Any:
        def observe(options: Any) -> list[Any]:
            try:
                return _observations(metrics, read())
            except Exception as exc:
                report("an OpenTelemetry callback", exc)
                return []

        return [observe]

    def open_connections() -> Iterable[tuple[float, dict[str, Any]]]:
        for stats in pools():
            active, idle = stats.open_counts()
            yield active, {**attributes(stats), "http.connection.state": "active"}
            yield idle, {**attributes(stats), "http.connection.state": "idle"}

    def counter(field: str) -> Any:
        def read() -> Iterable[tuple[float, dict[str, Any]]]:
            for stats in pools():
                yield getattr(stats, field), attributes(stats)

        return read

    def closes() -> Iterable[tuple[float, dict[str, Any]]]:
        for stats in pools():
            for cause, count in stats.closes.items():
                yield count, {**attributes(stats), "pooltune.close.cause": cause}

    def limits() -> Iterable[tuple[float, dict[str, Any]]]:
        for stats in pools():
            for limit, value in stats.limits.model_dump().items():
                if value is not None:
                    yield value, {**attributes(stats), "pooltune.limit": limit}

    meter.create_observable_up_down_counter(
        "http.client.open_connections",
        callbacks=callback(open_connections),
        unit="{connection}",
        description="Connections open in the pool, by state (active: carrying a request).",
    )
    for field, name, unit, text in COUNTERS:
        meter.create_observable_counter(
            name, callbacks=callback(counter(field)), unit=unit, description=text
        )
    meter.create_observable_counter(
        "pooltune.pool.connections.closed",
        callbacks=callback(closes),
        unit="{connection}",
        description="Closed connections by cause (pooltune.close.cause).",
    )
    meter.create_observable_up_down_counter(
        "pooltune.pool.in_flight",
        callbacks=callback(counter("in_flight")),
        unit="{request}",
        description="Requests in flight.",
    )

    def waiting() -> Iterable[tuple[float, dict[str, Any]]]:
        for stats in pools():
            yield stats.waiting(), attributes(stats)

    def per_connection() -> Iterable[tuple[float, dict[str, Any]]]:
        for stats in pools():
            p50, top = stats.requests_per_connection()
            yield p50, {**attributes(stats), "pooltune.stat": "p50"}
            yield top, {**attributes(stats), "pooltune.stat": "max"}

    meter.create_observable_up_down_counter(
        "pooltune.pool.waiting",
        callbacks=callback(waiting),
        unit="{request}",
        description="Requests waiting for a connection.",
    )
    meter.create_observable_gauge(
        "pooltune.pool.requests_per_connection",
        callbacks=callback(per_connection),
        unit="{request}",
        description="Requests carried per connection (pooltune.stat: p50, max).",
    )
    meter.create_observable_gauge(
        "pooltune.pool.peak_in_flight",
        callbacks=callback(counter("peak_in_flight")),
        unit="{request}",
        description="The most requests in flight at once so far.",
    )
    meter.create_observable_gauge(
        "pooltune.pool.limit",
        callbacks=callback(limits),
        unit="1",
        description="The pool's limits (pooltune.limit: max_connections, ...).",
    )
    queue = meter.create_histogram(
        "http.client.request.time_in_queue",
        unit="s",
        description="Time a request waited for an available connection.",
    )
    duration = meter.create_histogram(
        "http.client.connection.duration",
        unit="s",
        description="How long a connection was open.",
    )

    def on_wait(stats: PoolStats, wait: float) -> None:
        try:
            queue.record(wait, stats._otel_attrs)  # type: ignore[attr-defined]
        except Exception as exc:
            report("an OpenTelemetry histogram", exc)

    def on_close(stats: PoolStats, lifetime: float) -> None:
        try:
            duration.record(lifetime, stats._otel_attrs)  # type: ignore[attr-defined]
        except Exception as exc:
            report("an OpenTelemetry histogram", exc)

    def attach(stats: PoolStats) -> None:
        attributes(stats)
        stats.on_wait = on_wait
        stats.on_close = on_close

    for stats in pools():
        attach(stats)
    HUB.on_new_pool.append(attach)


def enable_otlp() -> str | None:
    """Set up an OTLP metrics exporter on a new SDK meter provider and enable the
    instruments on it. Returns None, or the one line saying what to install."""
    try:
        from opentelemetry import metrics
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    except ImportError:
        return (
            "--otlp needs the OpenTelemetry SDK: pip install opentelemetry-sdk "
            "opentelemetry-exporter-otlp"
        )
    import importlib

    exporter_cls: Any = None
    for module in (
        "opentelemetry.exporter.otlp.proto.http.metric_exporter",
        "opentelemetry.exporter.otlp.proto.grpc.metric_exporter",
    ):
        try:
            exporter_cls = importlib.import_module(module).OTLPMetricExporter
            break
        except ImportError:
            continue
    if exporter_cls is None:
        return "--otlp needs an OTLP exporter: pip install opentelemetry-exporter-otlp"
    provider = MeterProvider(metric_readers=[PeriodicExportingMetricReader(exporter_cls())])
    metrics.set_meter_provider(provider)
    enable(provider)
    return None
