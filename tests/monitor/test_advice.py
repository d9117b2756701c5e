"""The advice sentences (tune.pool_advice, pure) and a real stuck pool named once."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import pytest

import pooltune.monitor as pm
from pooltune.monitor.collector import HUB
from pooltune.sim import SimHandle
from pooltune.tune.pool_advice import PoolFacts, advise_pool

from .conftest import BODY, CHAT


def facts(**overrides: Any) -> PoolFacts:
    base: dict[str, Any] = {
        "library": "httpx",
        "origin": "https://api.example.com:443",
        "requests": 1000,
        "connections_opened": 40,
        "reused": 960,
        "peak_in_flight": 15,
        "max_connections": 100,
        "max_keepalive_connections": 20,
        "keepalive_expiry": 5.0,
    }
    return PoolFacts(**(base | overrides))


def test_a_healthy_pool_gets_no_advice() -> None:
    assert advise_pool(facts()) == []


def test_keepalive_pool_smaller_than_the_concurrency() -> None:
    (item,) = advise_pool(
        facts(peak_in_flight=47, connections_opened=580, reused=420, keepalive_limit_closes=560)
    )
    assert item == (
        "max_keepalive_connections",
        50,
        "peak 47 requests in flight with a keep-alive pool of 20: 58% of requests opened a new "
        "connection, 560 closed by the pool as surplus; set max_keepalive_connections=50 (the "
        "peak of 47 rounded up to a multiple of 10)",
    )


def test_reuse_failures_just_under_the_servers_idle_timeout() -> None:
    (item,) = advise_pool(
        facts(reuse_failures=12, reuse_failure_idle_min=4.8, reuse_failure_idle_max=5.0)
    )
    assert item == (
        "keepalive_expiry",
        4.0,
        "12 requests failed reusing a connection idle 4.8-5.0 s: the server closes idle "
        "connections near 5 s; set keepalive_expiry=4 (1 s below 5.0 s)",
    )
    aiohttp = advise_pool(
        facts(library="aiohttp", reuse_failures=1, reuse_failure_idle_min=14.9, keepalive_expiry=15)
    )
    assert aiohttp[0][:2] == ("keepalive_timeout", 12.0)
    assert aiohttp[0][2].startswith("1 request failed reusing a connection idle 14.9 s")


def test_waiting_for_a_connection() -> None:
    (item,) = advise_pool(facts(max_connections=10, peak_in_flight=30, wait_p99=1.2, waited=400))
    assert item == (
        "max_connections",
        30,
        "p99 wait for a connection 1.2 s at max_connections=10 (peak 30 in flight); "
        "set max_connections=30 (the peak of 30 in flight)",
    )


def test_utilization_above_the_threshold_warns_before_requests_wait() -> None:
    (item,) = advise_pool(facts(peak_in_flight=85, max_keepalive_connections=100))
    assert item[:2] == ("max_connections", 130)
    assert item[2].startswith("peak 85 requests in flight at max_connections=100 (85%)")


def test_many_clients_for_one_origin() -> None:
    (item,) = advise_pool(facts(clients=300, connections_opened=300, reused=700))
    assert (
        item[0] == "client"
        and "300 clients were built for https://api.example.com:443" in (item[2])
    )


def test_a_stuck_pool_is_named_instead_of_a_bigger_pool() -> None:
    items = advise_pool(
        facts(
            max_connections=3,
            peak_in_flight=6,
            pool_timeouts=9,
            stuck=True,
            busy_without_requests=3,
            library_version="0.28.1",
        )
    )
    assert [i[:2] for i in items] == [("library", "httpx2")]
    assert items[0][2].startswith(
        "the pool is stuck: httpx 0.28.1 holds 3 connection(s) active with no request on them"
    )


def test_cancelled_requests_poison_httpx_and_the_monitor_names_it_once(
    sim_rtt: SimHandle, caplog: pytest.LogCaptureFixture
) -> None:
    """httpcore 1.x: requests cancelled while their connection is being set up leave it held
    ("CONNECTING") for ever; every later request times out in the pool. A real poisoning."""

    async def main() -> pm.PoolMonitor:
        async with httpx.AsyncClient(
            verify=sim_rtt.verify,
            limits=httpx.Limits(max_connections=3),
            timeout=httpx.Timeout(5.0, pool=0.4),
        ) as client:
            monitor = pm.instrument(client)

            async def send(deadline: float) -> Any:
                try:
                    call = client.post(sim_rtt.url + CHAT, json=BODY)
                    return (await asyncio.wait_for(call, deadline)).status_code
                except BaseException as exc:
                    return type(exc).__name__

            await send(30)  # one request, so the pool's figures exist (~3 round trips)
            (stats,) = HUB.all()
            for _ in range(4):  # cancel during the TLS handshake (the round trip is 600 ms)
                await asyncio.gather(*[send(0.05) for _ in range(6)])
                if stats.busy_in_pool() == 3:
                    break
            assert stats.busy_in_pool() == 3, "httpcore did not get poisoned this time"
            for _ in range(3):  # waits with no progress for over a second
                assert await asyncio.gather(send(5), send(5)) == ["PoolTimeout"] * 2
        return monitor

    with caplog.at_level(logging.WARNING, logger="pooltune.monitor"):
        monitor = asyncio.run(main())
    snapshot = monitor.snapshot()
    (pool,) = snapshot.pools
    assert pool.stuck and pool.stuck_connections == 3 and pool.pool_timeouts == 6
    assert [a.setting for a in snapshot.advice] == ["library"]
    assert snapshot.advice[0].value == "httpx2"
    named = [r for r in caplog.records if "the pool is stuck" in r.getMessage()]
    assert len(named) == 1


# -- every number says where it came from; nothing advised that cannot help (issue 17) ------

# Recorded from a real run (httpx 0.29.0, default 100/20 pool, three waves of 50 calls 4 s
# apart against `pooltune sim --idle-timeout 3 --service-ms 250`): every connection was new,
# the pool closed 90 as surplus and the server closed the 40 it kept while they sat idle.
WAVES_4S_APART_IDLE_3S: dict[str, Any] = {
    "requests": 150,
    "connections_opened": 150,
    "reused": 0,
    "peak_in_flight": 50,
    "server_idle_closes": 40,
    "server_idle_close_min": 4.04,
    "keepalive_limit_closes": 90,
    "wait_p99": 0.27,
}


def _says_where_each_number_came_from(item: tuple[str, Any, str]) -> None:
    setting, value, why = item
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        assigned = f"set {setting}={value:g}" if isinstance(value, float) else None
        assigned = assigned or f"set {setting}={value}"
        assert assigned in why, why
        basis = why.split(assigned, 1)[1]
        assert basis.startswith(" (") and len(basis) > 8, why


def test_a_bigger_keepalive_pool_is_not_advised_when_the_server_closes_the_kept_ones() -> None:
    items = advise_pool(facts(**WAVES_4S_APART_IDLE_3S))
    assert [i[0] for i in items] == ["keepalive_expiry"]
    (expiry,) = items
    assert expiry[1] == 1.0
    assert expiry[2].endswith(
        "set keepalive_expiry=1 (1 s below 2.0 s; 2.0 s is half the age of the youngest "
        "connection found closed: no reuse after a long idle gap narrows down where below that "
        "the timeout lies) so none is reused as it closes"
    )


def test_steady_churn_still_gets_the_bigger_keepalive_pool() -> None:
    # the same server timeout, but the pool's surplus closes dwarf the server's idle closes
    (item,) = advise_pool(
        facts(
            peak_in_flight=47,
            connections_opened=580,
            reused=420,
            keepalive_limit_closes=560,
            server_idle_closes=20,
            server_idle_close_min=3.2,
            reused_idle_max=0.05,
            keepalive_expiry=2.0,
        )
    )
    assert item[:2] == ("max_keepalive_connections", 50)


@pytest.mark.parametrize(
    "overrides",
    [
        {"peak_in_flight": 47, "connections_opened": 580, "keepalive_limit_closes": 560},
        {"peak_in_flight": 500, "connections_opened": 580, "keepalive_limit_closes": 560},
        {"reuse_failures": 3, "reuse_failure_idle_min": 1.9, "reuse_failure_idle_max": 2.0},
        {"server_idle_closes": 5, "server_idle_close_min": 3.1, "reused_idle_max": 2.2},
        {"server_idle_closes": 5, "server_idle_close_min": 30.0, "keepalive_expiry": None},
        {
            "library": "aiohttp",
            "server_idle_closes": 5,
            "server_idle_close_min": 15.0,
            "keepalive_expiry": 60.0,
        },
        {"max_connections": 10, "peak_in_flight": 10, "pool_timeouts": 4, "wait_p99": 2.0},
        {"max_connections": 10, "peak_in_flight": 27, "pool_timeouts": 4, "wait_p99": 2.0},
        {"max_connections": 10, "peak_in_flight": 30, "wait_p99": 1.2, "waited": 400},
        {"peak_in_flight": 85, "max_keepalive_connections": 100},
        WAVES_4S_APART_IDLE_3S,
    ],
)
def test_every_number_advised_says_where_it_came_from(overrides: dict[str, Any]) -> None:
    items = advise_pool(facts(**overrides))
    assert items
    for item in items:
        _says_where_each_number_came_from(item)


def test_waves_further_apart_than_the_idle_timeout_on_a_real_server() -> None:
    """Three waves of 50 calls 4 s apart on httpx's default pool against a server that closes
    connections idle 3 s: every connection is new whatever the keep-alive pool, so no bigger
    pool is advised; the expiry advised says how it was derived."""
    import httpx

    from pooltune.sim import SimSettings, start_sim_process

    async def main(url: str, verify: Any) -> pm.PoolMonitor:
        async with httpx.AsyncClient(verify=verify) as client:
            monitor = pm.instrument(client)
            for wave in range(3):
                if wave:
                    await asyncio.sleep(4.0)
                answers = await asyncio.gather(*[client.post(url, json=BODY) for _ in range(50)])
                assert [a.status_code for a in answers] == [200] * 50
        return monitor

    with start_sim_process(SimSettings(idle_timeout=3, service_ms=250)) as sim:
        snapshot = asyncio.run(main(sim.url + CHAT, sim.verify)).snapshot()
    (pool,) = snapshot.pools
    assert pool.connections_opened == 150 and pool.closes.server > 0
    assert "max_keepalive_connections" not in [a.setting for a in snapshot.advice]
    for advice in snapshot.advice:
        _says_where_each_number_came_from((advice.setting, advice.value, advice.why))
