"""aiohttp (a trace config, or an existing session) and the openai/anthropic SDK clients."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import pytest

import pooltune.monitor as pm
from pooltune.sim import SimHandle

from .conftest import BODY, CHAT, idle_closed, settled_stats, sim_closed


def localhost(sim: SimHandle) -> str:
    """The sim's URL by name, so aiohttp resolves it (and caches the answer)."""
    return sim.url.replace("127.0.0.1", "localhost")


async def aiohttp_waves(session: Any, url: str, sizes: list[int], pause: float) -> list[Any]:
    async def one() -> Any:
        try:
            async with session.post(url, json=BODY) as response:
                await response.read()
                return response.status
        except Exception as exc:
            return type(exc).__name__

    out: list[Any] = []
    for i, size in enumerate(sizes):
        if i:
            await asyncio.sleep(pause)
        out += await asyncio.gather(*[one() for _ in range(size)])
    return out


def test_aiohttp_trace_config_counts_match_the_sim(sim: SimHandle) -> None:
    import aiohttp

    async def main() -> pm.PoolMonitor:
        context = ssl.create_default_context(cafile=sim.ca_bundle)
        connector = aiohttp.TCPConnector(ssl=context, limit=10)
        async with aiohttp.ClientSession(
            connector=connector, trace_configs=[pm.aiohttp_trace_config()]
        ) as session:
            # 30 at once through 10 connections (they queue), then idle past the server's 2 s
            results = await aiohttp_waves(session, localhost(sim) + CHAT, [30], 0.0)
            await asyncio.sleep(2.2)
            await idle_closed(sim, 10)  # a busy machine's server closes late
            results += await aiohttp_waves(session, localhost(sim) + CHAT, [5], 0.0)
            assert results == [200] * 35
            monitor = pm.instrument(session)  # the same pools: no double counting
        await asyncio.sleep(0.05)  # connection_lost callbacks run on the next loop turns
        return monitor

    monitor = asyncio.run(main())
    stats = settled_stats(sim)
    snapshot = monitor.snapshot()
    (pool,) = snapshot.pools
    assert pool.library == "aiohttp" and pool.client == "aiohttp.ClientSession"
    assert pool.limits.max_connections == 10 and pool.limits.keepalive_expiry == 15.0
    assert pool.requests == stats["requests"] == 35
    assert pool.connections_opened == stats["connections_opened"] == 15
    assert pool.closes.server == stats["connections_closed_idle"] == 10
    assert sum(pool.closes.model_dump().values()) == sim_closed(stats)
    assert pool.waited == 20 and pool.peak_in_flight == 30
    assert pool.dns_lookups == 1 and pool.dns_cache_hits >= 10
    expiry = next(a for a in snapshot.advice if a.setting == "keepalive_timeout")
    assert isinstance(expiry.value, float) and expiry.value < 2
    assert "the server closed 10 idle connections" in expiry.why
    size = next(a for a in snapshot.advice if a.setting == "limit")
    assert size.value == 30 and "at limit=10 (peak 30 in flight); set limit=30" in size.why


def test_aiohttp_existing_session_without_private_api(sim: SimHandle) -> None:
    import aiohttp

    async def main() -> pm.PoolMonitor:
        context = ssl.create_default_context(cafile=sim.ca_bundle)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context)) as s:
            monitor = pm.instrument(s)
            assert len(s.trace_configs) == 1
            assert await aiohttp_waves(s, sim.url + CHAT, [8, 8], 0.0) == [200] * 16
        await asyncio.sleep(0.05)
        return monitor

    monitor = asyncio.run(main())
    stats = settled_stats(sim)
    (pool,) = monitor.snapshot().pools
    assert pool.requests == 16 and pool.connections_opened == stats["connections_opened"] == 8
    assert pool.reused == 8 and pool.closes.client == 8 == sim_closed(stats)


def test_openai_async_client(sim: SimHandle) -> None:
    import openai

    async def main() -> pm.PoolMonitor:
        client = openai.AsyncOpenAI(
            base_url=sim.url + "/v1",
            api_key="sk-test-SECRET",
            http_client=openai.DefaultAsyncHttpxClient(verify=sim.verify),
        )
        monitor = pm.instrument(client)
        assert pm.instrument(client) is monitor
        for _ in range(2):
            await asyncio.gather(
                *[
                    client.chat.completions.create(
                        model="sim", messages=[{"role": "user", "content": "hi"}]
                    )
                    for _ in range(20)
                ]
            )
        await client.close()
        return monitor

    monitor = asyncio.run(main())
    stats = settled_stats(sim)
    snapshot = monitor.snapshot()
    (pool,) = snapshot.pools
    assert pool.client == "openai.AsyncOpenAI" and pool.library == "httpx2"
    assert (pool.limits.max_connections, pool.limits.max_keepalive_connections) == (1000, 100)
    assert pool.requests == stats["requests"] == 40
    assert pool.connections_opened == stats["connections_opened"] == 20
    assert pool.reused == 20 and snapshot.advice == []
    assert "SECRET" not in snapshot.model_dump_json()


def test_openai_sync_and_anthropic_clients(sim: SimHandle) -> None:
    import anthropic
    import openai

    client = openai.OpenAI(
        base_url=sim.url + "/v1",
        api_key="sk-test",
        http_client=openai.DefaultHttpxClient(verify=sim.verify),
    )
    monitor = pm.instrument(client)
    client.embeddings.create(model="sim", input="hello")
    client.close()
    (pool,) = monitor.snapshot().pools
    assert pool.client == "openai.OpenAI" and pool.requests == 1

    claude = anthropic.Anthropic(
        base_url=sim.url,
        api_key="sk-ant-test",
        max_retries=0,
        http_client=anthropic.DefaultHttpxClient(verify=sim.verify),
    )
    watched = pm.instrument(claude)
    with pytest.raises(anthropic.NotFoundError):  # the sim speaks OpenAI shapes only
        claude.messages.create(
            model="sim", max_tokens=8, messages=[{"role": "user", "content": "hi"}]
        )
    (seen,) = watched.snapshot().pools
    assert seen.client == "anthropic.Anthropic" and seen.requests == 1
    assert seen.connections_opened == 1 and seen.http_versions == {"HTTP/1.1": 1}
    claude.close()
    assert watched.snapshot().pools[0].closes.client == 1


def test_unsupported_clients_say_so_in_one_sentence() -> None:
    import httpx
    import requests

    with pytest.raises(
        pm.UnsupportedClient, match=r"cannot instrument requests\.sessions\.Session"
    ):
        pm.instrument(requests.Session())
    mock = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200)))
    with pytest.raises(pm.UnsupportedClient, match="no httpcore connection pool"):
        pm.instrument(mock)
    with pytest.raises(TypeError, match=r"supported: httpx\.Client/AsyncClient"):
        pm.instrument("https://example.invalid")
