"""OpenTelemetry (the SDK's in-memory reader), Prometheus (scraping the port on loopback),
and what is never recorded (headers, bodies, queries)."""

from __future__ import annotations

import asyncio
import socket
import urllib.request
from typing import Any

import httpx

import pooltune.monitor as pm
from pooltune.sim import SimHandle

from .conftest import BODY, CHAT, settled_stats


async def run(
    sim: SimHandle, n: int, *, path: str = CHAT, headers: Any = None, body: Any = None
) -> pm.PoolMonitor:
    async with httpx.AsyncClient(verify=sim.verify, headers=headers) as client:
        monitor = pm.instrument(client)
        for _ in range(2):
            await asyncio.gather(
                *[client.post(sim.url + path, json=body or BODY) for _ in range(n)]
            )
    return monitor


def points(reader: Any) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    data = reader.get_metrics_data()
    for resource in data.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                assert metric.name not in out, f"{metric.name} created twice"
                out[metric.name] = list(metric.data.data_points)
    return out


def test_opentelemetry_metrics_with_semantic_convention_names(sim: SimHandle) -> None:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader

    from pooltune.monitor.export import otel

    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    assert otel.enable(provider) and otel.enable(provider)  # instruments once per process
    monitor = asyncio.run(run(sim, 10))
    settled_stats(sim)
    (pool,) = monitor.snapshot().pools
    found = points(reader)
    expected = {
        "http.client.open_connections",
        "http.client.request.time_in_queue",
        "http.client.connection.duration",
        "pooltune.pool.requests",
        "pooltune.pool.connections.opened",
        "pooltune.pool.connections.reused",
        "pooltune.pool.reuse_failures",
        "pooltune.pool.timeouts",
        "pooltune.pool.connections.closed",
        "pooltune.pool.limit",
        "pooltune.pool.waiting",
        "pooltune.pool.requests_per_connection",
    }
    assert expected <= set(found)
    port = int(pool.origin.rsplit(":", 1)[1])
    mine = [p for p in found["http.client.open_connections"] if p.attributes["server.port"] == port]
    states = {p.attributes["http.connection.state"]: p.value for p in mine}
    assert states == {"active": 0, "idle": 0}  # the client is closed
    (queue,) = [
        p for p in found["http.client.request.time_in_queue"] if p.attributes["server.port"] == port
    ]
    assert queue.count == 20 == pool.requests
    (lifetimes,) = [
        p for p in found["http.client.connection.duration"] if p.attributes["server.port"] == port
    ]
    assert lifetimes.count == pool.connections_opened == 10
    (requests,) = [
        p for p in found["pooltune.pool.requests"] if p.attributes["server.port"] == port
    ]
    assert requests.value == 20 and requests.attributes["pooltune.library"] == "httpx"
    assert requests.attributes["url.scheme"] == "https"
    limits = {
        p.attributes["pooltune.limit"]: p.value
        for p in found["pooltune.pool.limit"]
        if p.attributes["server.port"] == port
    }
    assert limits == {
        "max_connections": 100,
        "max_keepalive_connections": 20,
        "keepalive_expiry": 5,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_prometheus_metrics_port(sim: SimHandle) -> None:
    from prometheus_client import CollectorRegistry

    from pooltune.monitor.export import prometheus

    port = free_port()
    registry = prometheus.enable(CollectorRegistry(), port=port)
    monitor = asyncio.run(run(sim, 5))
    (pool,) = monitor.snapshot().pools
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    sim_port = pool.origin.rsplit(":", 1)[1]
    labels = (
        f'library="httpx",pool="",server_address="127.0.0.1",server_port="{sim_port}",'
        'url_scheme="https"'
    )
    assert f"pooltune_pool_requests_total{{{labels}}} 10.0" in text
    assert f"pooltune_pool_connections_opened_total{{{labels}}} 5.0" in text
    assert f'http_client_open_connections{{http_connection_state="idle",{labels}}} 0.0' in text
    assert f"http_client_request_time_in_queue_seconds_count{{{labels}}} 10.0" in text
    assert f'pooltune_pool_connections_closed_total{{cause="client",{labels}}} 5.0' in text
    assert f"pooltune_pool_waiting{{{labels}}} 0.0" in text
    per_conn = labels.replace(",url_scheme", ',stat="max",url_scheme')  # sorted names
    assert f"pooltune_pool_requests_per_connection{{{per_conn}}} 2.0" in text
    limit = labels.replace(',pool=""', ',limit="max_connections",pool=""')  # sorted names
    assert f"pooltune_pool_limit{{{limit}}} 100.0" in text
    assert prometheus.enable(registry) is registry  # registered once


def test_no_header_body_or_query_is_recorded(sim: SimHandle) -> None:
    from prometheus_client import CollectorRegistry, generate_latest

    from pooltune.monitor.export import prometheus

    registry = prometheus.enable(CollectorRegistry())
    monitor = asyncio.run(
        run(
            sim,
            2,
            path=CHAT + "?api_key=QUERYSECRET",
            headers={"Authorization": "HEADERSECRET"},
            body={"model": "sim", "messages": [{"role": "user", "content": "BODYSECRET"}]},
        )
    )
    dumped = monitor.snapshot().model_dump_json() + monitor.summary()
    dumped += generate_latest(registry).decode()
    for secret in ("QUERYSECRET", "HEADERSECRET", "BODYSECRET", "api_key", "/v1/"):
        assert secret not in dumped
