"""The monitor never changes a request: the same requests and the same errors as a plain
client, and a failure inside the monitor is logged once and never reaches the application."""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

import httpx
import pytest

import pooltune.monitor as pm
from pooltune.monitor.collector import PoolStats
from pooltune.sim import SimHandle, fetch_stats, reset_stats

from .conftest import BODY, CHAT, REUSE_GAP_S


def closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"https://127.0.0.1:{sock.getsockname()[1]}"


def outcome(result: Any) -> Any:
    if isinstance(result, BaseException):
        return type(result).__name__, str(result)
    request = result.request
    return (
        result.status_code,
        result.json().get("object"),
        sorted(request.headers.keys()),
        sorted(request.extensions),
        result.http_version,
    )


async def scenario(sim: SimHandle, rtt: SimHandle, slow: SimHandle, instrumented: bool) -> Any:
    """Plain responses, a 404, a refused connection, reuse failures and pool timeouts (a
    0.2 s pool timeout against 1 s answers: every request that waits gives up, however late
    the busy event loop runs its timers)."""
    limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)
    async with (
        httpx.AsyncClient(verify=sim.verify) as a,
        httpx.AsyncClient(verify=rtt.verify) as b,
        httpx.AsyncClient(
            verify=slow.verify, limits=limits, timeout=httpx.Timeout(9, pool=0.2)
        ) as c,
    ):
        if instrumented:
            for client in (a, b, c):
                pm.instrument(client)

        async def send(client: httpx.AsyncClient, url: str, n: int) -> list[Any]:
            calls = [client.post(url, json=BODY) for _ in range(n)]
            return [outcome(r) for r in await asyncio.gather(*calls, return_exceptions=True)]

        async def plain() -> list[Any]:
            out = await send(a, sim.url + CHAT, 5)
            out += await send(a, sim.url + "/v1/nope", 2)
            return out + await send(a, closed_port() + CHAT, 1)

        async def reuse() -> list[Any]:
            out = await send(b, rtt.url + CHAT, 3)
            await asyncio.sleep(REUSE_GAP_S)  # each reuse meets the server's close on the wire
            return out + await send(b, rtt.url + CHAT, 3)

        parts = await asyncio.gather(plain(), reuse(), send(c, slow.url + CHAT, 6))
    return [outcome for part in parts for outcome in part]


def test_instrumented_client_sends_the_same_requests_and_errors(
    sim: SimHandle, sim_rtt: SimHandle, sim_1s: SimHandle
) -> None:
    runs = []
    for instrumented in (False, True):
        for s in (sim, sim_rtt, sim_1s):
            reset_stats(s)
        results = asyncio.run(scenario(sim, sim_rtt, sim_1s, instrumented))
        server = [
            {k: stats[k] for k in ("requests", "status", "connections_opened")}
            for stats in map(fetch_stats, (sim, sim_rtt, sim_1s))
        ]
        runs.append((results, server))
    (plain, plain_server), (watched, watched_server) = runs
    assert watched == plain
    assert watched_server == plain_server
    kinds = {r[0] for r in plain}
    assert {200, 404, "ConnectError", "RemoteProtocolError", "PoolTimeout"} <= kinds


def test_a_failure_inside_the_monitor_is_logged_once_and_never_raised(
    sim: SimHandle, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(self: PoolStats, *args: Any) -> Any:
        raise RuntimeError("monitor bug")

    monkeypatch.setattr(PoolStats, "reusing", broken)
    monkeypatch.setattr(PoolStats, "closing", broken)
    monkeypatch.setattr(PoolStats, "released", broken)

    async def main() -> list[int]:
        async with httpx.AsyncClient(verify=sim.verify) as client:
            pm.instrument(client)
            out = []
            for _ in range(2):
                out += [
                    r.status_code
                    for r in await asyncio.gather(
                        *[client.post(sim.url + CHAT, json=BODY) for _ in range(3)]
                    )
                ]
            return out

    with caplog.at_level(logging.WARNING, logger="pooltune.monitor"):
        assert asyncio.run(main()) == [200] * 6
    failures = [r.getMessage() for r in caplog.records if "failed (RuntimeError" in r.getMessage()]
    assert len(failures) == 3  # one line per broken hook, not one per request
    assert any("httpx write hook" in line for line in failures)

    monkeypatch.setattr(PoolStats, "begin", broken)
    with caplog.at_level(logging.WARNING, logger="pooltune.monitor"):
        assert asyncio.run(main()) == [200] * 6
