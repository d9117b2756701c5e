"""Prometheus through `prometheus-client` (the `prometheus` extra): a collector on a registry
(the default one unless you pass yours) and, optionally, a `/metrics` port.

The collector reads the process-wide pools at scrape time: nothing is recorded per request.
Names follow the OpenTelemetry ones the Prometheus way (dots to underscores, unit suffixes):
`http_client_open_connections{http_connection_state="active"|"idle"}`,
`http_client_connection_duration_seconds`, `http_client_request_time_in_queue_seconds`, and
`pooltune_pool_*`. Labels: `server_address`, `server_port`, `url_scheme`, `library`, `pool`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from pooltune.monitor.collector import HUB, PoolStats, Reservoir
from pooltune.monitor.safety import report

LABELS = ("server_address", "server_port", "url_scheme", "library", "pool")
_lock = threading.Lock()
_registered: dict[int, Any] = {}  # id(registry) -> collector
_servers: dict[int, Any] = {}  # port -> server
COUNTERS = (  # (PoolStats field, metric name after pooltune_pool_, help)
    ("requests", "requests", "Requests sent through the pool."),
    ("opened", "connections_opened", "New connections."),
    ("reused", "connections_reused", "Requests on a kept-alive connection."),
    (
        "reuse_failures",
        "reuse_failures",
        "Requests that failed on a kept-alive connection the server had closed.",
    ),
    ("pool_timeouts", "timeouts", "Requests that gave up waiting for a connection (PoolTimeout)."),
    ("errors", "errors", "Requests that raised."),
    ("dns_lookups", "dns_lookups", "DNS resolutions (aiohttp)."),
    ("dns_cache_hits", "dns_cache_hits", "DNS answers from the cache (aiohttp)."),
)


def _labels(stats: PoolStats) -> list[str]:
    parts = urlsplit(stats.origin)
    return [
        parts.hostname or "",
        str(parts.port or ""),
        parts.scheme,
        stats.library,
        stats.key.name,
    ]


class PoolCollector:
    """A prometheus_client custom collector over `HUB`."""

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import (
            CounterMetricFamily,
            GaugeMetricFamily,
            HistogramMetricFamily,
        )

        try:
            pools = HUB.all()
            open_conns = GaugeMetricFamily(
                "http_client_open_connections",
                "Connections open in the pool, by state (active: carrying a request).",
                labels=[*LABELS, "http_connection_state"],
            )
            counters = {
                field: CounterMetricFamily(f"pooltune_pool_{name}", text, labels=LABELS)
                for field, name, text in COUNTERS
            }
            closed = CounterMetricFamily(
                "pooltune_pool_connections_closed",
                "Closed connections by cause.",
                labels=[*LABELS, "cause"],
            )
            in_flight = GaugeMetricFamily(
                "pooltune_pool_in_flight", "Requests in flight.", labels=LABELS
            )
            peak = GaugeMetricFamily(
                "pooltune_pool_peak_in_flight",
                "The most requests in flight at once.",
                labels=LABELS,
            )
            waiting = GaugeMetricFamily(
                "pooltune_pool_waiting", "Requests waiting for a connection.", labels=LABELS
            )
            per_conn = GaugeMetricFamily(
                "pooltune_pool_requests_per_connection",
                "Requests carried per connection (stat: p50, max).",
                labels=[*LABELS, "stat"],
            )
            limit = GaugeMetricFamily(
                "pooltune_pool_limit", "The pool's limits.", labels=[*LABELS, "limit"]
            )
            queue = HistogramMetricFamily(
                "http_client_request_time_in_queue_seconds",
                "Time a request waited for an available connection.",
                labels=LABELS,
            )
            duration = HistogramMetricFamily(
                "http_client_connection_duration_seconds",
                "How long a connection was open.",
                labels=LABELS,
            )
            for stats in pools:
                labels = _labels(stats)
                active, idle = stats.open_counts()
                open_conns.add_metric([*labels, "active"], active)
                open_conns.add_metric([*labels, "idle"], idle)
                for field, family in counters.items():
                    family.add_metric(labels, getattr(stats, field))
                for cause, count in stats.closes.items():
                    closed.add_metric([*labels, cause], count)
                in_flight.add_metric(labels, stats.in_flight)
                peak.add_metric(labels, stats.peak_in_flight)
                waiting.add_metric(labels, stats.waiting())
                p50, top = stats.requests_per_connection()
                per_conn.add_metric([*labels, "p50"], p50)
                per_conn.add_metric([*labels, "max"], top)
                for name, value in stats.limits.model_dump().items():
                    if value is not None:
                        limit.add_metric([*labels, name], value)
                queue.add_metric(labels, *_buckets(stats.waits))
                duration.add_metric(labels, *_buckets(stats.durations))
            yield open_conns
            yield from counters.values()
            yield from (closed, in_flight, waiting, peak, per_conn, limit, queue, duration)
        except Exception as exc:
            report("the Prometheus collector", exc)

    def describe(self) -> list[Any]:
        return []  # unchecked collector: metrics appear as pools do


def _buckets(res: Reservoir) -> tuple[list[tuple[str, float]], float]:
    out: list[tuple[str, float]] = []
    total = 0
    for bound, count in zip(res.buckets, res.counts, strict=False):
        total += count
        out.append((repr(float(bound)), float(total)))
    out.append(("+Inf", float(res.count)))
    return out, res.sum


def enable(registry: Any = None, port: int | None = None, addr: str = "127.0.0.1") -> Any:
    """Register the collector on ``registry`` (default: prometheus_client's) once, and serve
    `/metrics` on ``port`` when given. Returns the registry."""
    import prometheus_client

    registry = registry if registry is not None else prometheus_client.REGISTRY
    with _lock:
        if id(registry) not in _registered:
            collector = PoolCollector()
            registry.register(collector)
            _registered[id(registry)] = collector
        if port is not None and port not in _servers:
            _servers[port] = prometheus_client.start_http_server(port, addr=addr, registry=registry)
    return registry
