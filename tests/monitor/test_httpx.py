"""httpx 0.28 and httpx2 against `pooltune sim`: the monitor's counts equal the server's own
(`/_sim/stats`), and the advice names the fix for what was staged."""

from __future__ import annotations

import asyncio
import importlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

import pooltune.monitor as pm
from pooltune.sim import SimHandle, SimSettings, reset_stats, start_sim_process

from .conftest import BODY, CHAT, REUSE_GAP_S, idle_closed, settled_stats, sim_closed

LIBRARIES = ["httpx", "httpx2"]


def advice_of(snapshot: pm.Snapshot, setting: str) -> pm.AdviceItem | None:
    return next((a for a in snapshot.advice if a.setting == setting), None)


def assert_counts_match(pool: pm.PoolSnapshot, stats: dict[str, Any]) -> None:
    assert pool.requests == stats["requests"]
    assert pool.connections_opened == stats["connections_opened"]
    closes = pool.closes
    total = closes.idle_expiry + closes.server + closes.error + closes.keepalive_limit
    assert total + closes.client == sim_closed(stats)
    assert closes.server == stats["connections_closed_idle"]
    assert pool.open.active == pool.open.idle == 0
    assert pool.requests == pool.reused + pool.connections_opened


async def waves(client: Any, url: str, waves: int, size: int) -> list[Any]:
    async def one() -> Any:
        try:
            return (await client.post(url, json=BODY)).status_code
        except Exception as exc:
            return type(exc).__name__

    out: list[Any] = []
    for _ in range(waves):
        out += await asyncio.gather(*[one() for _ in range(size)])
    return out


@pytest.mark.parametrize("library", LIBRARIES)
def test_pool_of_20_at_concurrency_50(library: str, sim_1s: SimHandle) -> None:
    sim = sim_1s
    reset_stats(sim)
    lib = importlib.import_module(library)

    async def main() -> pm.PoolMonitor:
        async with lib.AsyncClient(verify=sim.verify) as client:  # 100/20: the defaults
            monitor = pm.instrument(client)
            results = await waves(client, sim.url + CHAT, 3, 50)
            assert results == [200] * 150
        return monitor

    monitor = asyncio.run(main())
    stats = settled_stats(sim)
    snapshot = monitor.snapshot()
    (pool,) = snapshot.pools
    assert_counts_match(pool, stats)
    assert pool.peak_in_flight == 50
    assert pool.limits.max_keepalive_connections == 20
    if library == "httpx":  # httpx 0.28 closes surplus idle connections: churn
        assert pool.connections_opened > 50  # the first wave opens 50; more is churn
        item = advice_of(snapshot, "max_keepalive_connections")
        assert item is not None and item.value == 50
        assert item.why.startswith("peak 50 requests in flight with a keep-alive pool of 20: ")
        assert "set max_keepalive_connections=50 (" in item.why


def test_server_closes_in_a_full_pool_are_the_servers() -> None:
    """A server that ends every second connection's life (`Connection: close`) beside a pool
    that drops surplus connections: each close goes to its own side, whichever the monitor
    saw open first (on a busy machine, its view of the pool's size lags the pool's own)."""
    settings = SimSettings(idle_timeout=30, service_ms=250, max_requests_per_connection=2)
    with start_sim_process(settings) as sim:

        async def main() -> pm.PoolMonitor:
            async with httpx.AsyncClient(verify=sim.verify) as client:  # keeps 20
                monitor = pm.instrument(client)
                assert await waves(client, sim.url + CHAT, 3, 50) == [200] * 150
            return monitor

        monitor = asyncio.run(main())
        stats = settled_stats(sim)
    (pool,) = monitor.snapshot().pools
    assert pool.requests == stats["requests"] == 150
    assert pool.connections_opened == stats["connections_opened"]
    closes = pool.closes
    assert stats["connections_closed_max_requests"] >= 20  # the first wave's kept ones
    assert closes.server == stats["connections_closed_max_requests"]
    assert closes.keepalive_limit + closes.client == stats["connections_closed_by_client"]
    assert closes.keepalive_limit >= 30 and closes.error == closes.idle_expiry == 0
    assert pool.server_idle_close_s.count == 0  # none of them was an idle close


def test_sync_client_from_threads(sim: SimHandle) -> None:
    import httpx

    with httpx.Client(verify=sim.verify, limits=httpx.Limits(max_keepalive_connections=5)) as c:
        monitor = pm.instrument(c)

        def one(_: int) -> int:
            return c.post(sim.url + CHAT, json=BODY).status_code

        with ThreadPoolExecutor(20) as pool:
            assert list(pool.map(one, range(100))) == [200] * 100
    stats = settled_stats(sim)
    (pool_snapshot,) = monitor.snapshot().pools
    assert_counts_match(pool_snapshot, stats)
    assert pool_snapshot.peak_in_flight == 20


def test_idle_timeout_2_names_keepalive_expiry(sim: SimHandle) -> None:
    """httpx and httpx2 side by side (one run, so the test takes the sleeps once)."""

    async def scenario(library: str) -> pm.PoolMonitor:
        lib = importlib.import_module(library)
        async with lib.AsyncClient(verify=sim.verify) as client:
            monitor = pm.instrument(client)
            await waves(client, sim.url + CHAT, 1, 5)
            await asyncio.sleep(0.8)  # under the server's 2 s: reused
            await waves(client, sim.url + CHAT, 1, 5)
            await asyncio.sleep(2.3)  # over it: the server has closed them (or does soon)
            await idle_closed(sim, 2 * 5)  # both libraries' 5
            assert await waves(client, sim.url + CHAT, 1, 5) == [200] * 5
        return monitor

    async def main() -> list[pm.PoolMonitor]:
        return list(await asyncio.gather(*[scenario(lib) for lib in LIBRARIES]))

    monitors = asyncio.run(main())
    stats = settled_stats(sim)
    pools = [m.snapshot().pools[0] for m in monitors]
    assert [p.library for p in pools] == LIBRARIES
    assert sum(p.requests for p in pools) == stats["requests"] == 30
    assert sum(p.connections_opened for p in pools) == stats["connections_opened"]
    assert sum(p.closes.server for p in pools) == stats["connections_closed_idle"] == 10
    assert sum(sum(p.closes.model_dump().values()) for p in pools) == sim_closed(stats)
    for monitor, pool in zip(monitors, pools, strict=True):
        assert pool.closes.server == 5
        assert pool.server_idle_close_s.min is not None and pool.server_idle_close_s.min >= 2.0
        item = advice_of(monitor.snapshot(), "keepalive_expiry")
        assert item is not None and isinstance(item.value, float) and 0 < item.value < 2
        assert "the server closed 5 idle connections" in item.why


async def tiny_pool(lib: Any, sim: SimHandle, pool_timeout: float) -> tuple[Any, list[Any]]:
    async with lib.AsyncClient(
        verify=sim.verify,
        limits=lib.Limits(max_connections=2, max_keepalive_connections=2),
        timeout=lib.Timeout(10.0, pool=pool_timeout),
    ) as client:
        monitor = pm.instrument(client)
        return monitor, await waves(client, sim.url + CHAT, 1, 10)


@pytest.mark.parametrize("library", LIBRARIES)
def test_tiny_pool_makes_requests_wait(library: str, sim_slow: SimHandle) -> None:
    lib = importlib.import_module(library)
    reset_stats(sim_slow)
    monitor, results = asyncio.run(tiny_pool(lib, sim_slow, 10.0))
    stats = settled_stats(sim_slow)
    assert results == [200] * 10
    snapshot = monitor.snapshot()
    (pool,) = snapshot.pools
    assert_counts_match(pool, stats)
    assert pool.connections_opened == 2 and pool.pool_timeouts == 0
    assert pool.waited == 8 and pool.peak_in_flight == 10
    assert pool.wait_s.p99 >= 1.0  # the last pair waits four service times (300 ms each)
    item = advice_of(snapshot, "max_connections")
    assert item is not None and item.value == 10
    assert item.why.startswith(f"p99 wait for a connection {pool.wait_s.p99:.1f} s at ")
    assert "max_connections=2 (peak 10 in flight); set max_connections=10" in item.why


@pytest.mark.parametrize("library", LIBRARIES)
def test_tiny_pool_times_out(library: str, sim_slow: SimHandle) -> None:
    lib = importlib.import_module(library)
    reset_stats(sim_slow)
    # A pool timeout under one service time: every request that has to wait gives up.
    monitor, results = asyncio.run(tiny_pool(lib, sim_slow, 0.2))
    stats = settled_stats(sim_slow)
    assert results.count("PoolTimeout") == 8 and results.count(200) == 2 == stats["requests"]
    snapshot = monitor.snapshot()
    (pool,) = snapshot.pools
    assert pool.pool_timeouts == 8 == pool.errors == pool.waited
    assert pool.connections_opened == stats["connections_opened"] == 2
    item = advice_of(snapshot, "max_connections")
    assert item is not None and item.value == 10
    assert item.why.startswith(
        "8 requests failed with PoolTimeout waiting for one of 2 connections (peak 10 in flight"
    )


def test_reuse_failures_near_the_servers_idle_timeout(sim_rtt: SimHandle) -> None:
    reset_stats(sim_rtt)

    async def scenario(library: str) -> tuple[pm.PoolMonitor, list[Any]]:
        lib = importlib.import_module(library)
        async with lib.AsyncClient(verify=sim_rtt.verify) as client:
            monitor = pm.instrument(client)
            first = await waves(client, sim_rtt.url + CHAT, 1, 4)
            await asyncio.sleep(REUSE_GAP_S)  # the request meets the server's close on the wire
            return monitor, first + await waves(client, sim_rtt.url + CHAT, 1, 4)

    async def main() -> list[tuple[pm.PoolMonitor, list[Any]]]:
        return list(await asyncio.gather(*[scenario(lib) for lib in LIBRARIES]))

    runs = asyncio.run(main())
    stats = settled_stats(sim_rtt)
    pools = [m.snapshot().pools[0] for m, _ in runs]
    assert sum(p.connections_opened for p in pools) == stats["connections_opened"]
    assert sum(p.closes.server for p in pools) == stats["connections_closed_idle"]
    for (monitor, results), pool in zip(runs, pools, strict=True):
        failures = results.count("RemoteProtocolError")
        assert failures >= 1, (pool.library, results)
        assert pool.reuse_failures == failures
        idle = pool.reuse_failure_idle_s
        assert idle.min is not None and REUSE_GAP_S <= idle.min < 2.0
        item = advice_of(monitor.snapshot(), "keepalive_expiry")
        assert item is not None and item.value == 1.0
        noun = "request" if failures == 1 else "requests"
        assert item.why.startswith(f"{failures} {noun} failed reusing a connection idle 1.")
        assert item.why.endswith(
            "the server closes idle connections near 2 s; set keepalive_expiry=1 (half of 2.0 s)"
        )
