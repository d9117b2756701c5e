"""Shared simulators (one process each, counters reset per test) and a clean monitor state."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from pooltune.monitor.collector import HUB
from pooltune.sim import SimHandle, SimSettings, fetch_stats, reset_stats, start_sim_process


@pytest.fixture(autouse=True)
def fresh_monitor() -> Iterator[None]:
    from pooltune.monitor.export import log

    HUB.reset()
    log.reset()
    yield
    HUB.reset()


def _sim(settings: SimSettings) -> Iterator[SimHandle]:
    with start_sim_process(settings) as sim:
        yield sim


@pytest.fixture(scope="session")
def sim_idle2() -> Iterator[SimHandle]:
    """`pooltune sim --idle-timeout 2 --service-ms 250`: long enough service times that the
    counts never depend on spare CPU."""
    yield from _sim(SimSettings(idle_timeout=2, service_ms=250))


@pytest.fixture(scope="session")
def sim_1s() -> Iterator[SimHandle]:
    """1 s per request and a 60 s idle timeout: a wave of 50 requests is sent (its TLS
    handshakes done, the pool's choices made) before the first answer, and no connection
    idles out between waves, however busy the machine (a wave takes ~3 s of CPU at load 9)."""
    yield from _sim(SimSettings(idle_timeout=60, service_ms=1000))


@pytest.fixture(scope="session")
def sim_slow() -> Iterator[SimHandle]:
    """300 ms per request: a tiny pool makes requests wait and time out."""
    yield from _sim(SimSettings(idle_timeout=5, service_ms=300))


@pytest.fixture(scope="session")
def sim_rtt() -> Iterator[SimHandle]:
    """600 ms round trip and a 2 s idle timeout: a reuse meets the server's close on the wire
    (design.md section 5: it needs real round-trip time to show) when its idle gap falls
    between 1.4 s (sent later, it reaches the server after the close) and 2 s (the close's FIN
    reaches the client first, which then opens a new connection). REUSE_GAP_S sits in that
    window with room for a busy machine's delays on either side."""
    yield from _sim(SimSettings(idle_timeout=2, rtt_ms=600, service_ms=20))


# The idle gap that makes a reuse fail against `sim_rtt`: 0.37 s over 1.4 s (the server's
# timer may fire that late and the request still reaches it after the close) and 0.23 s
# under 2 s (the client may read the last answer and send the next that much late and still
# send before it sees the close); at least 1.75 s, so the monitor, which rounds a server's
# timeout to the half second, names the server's 2 s.
REUSE_GAP_S = 1.77


@pytest.fixture
def sim(sim_idle2: SimHandle) -> SimHandle:
    reset_stats(sim_idle2)
    return sim_idle2


def settled_stats(sim: SimHandle, timeout: float = 15.0) -> dict[str, Any]:
    """The simulator's counters once every connection it counted has been closed (a
    generous bound: on a busy machine the server may take seconds to see the last closes;
    a quiet one returns at once)."""
    deadline = time.monotonic() + timeout
    while True:
        stats = fetch_stats(sim)
        if stats["connections_open"] == 0 or time.monotonic() > deadline:
            return stats
        time.sleep(0.05)


async def idle_closed(sim: SimHandle, at_least: int, timeout: float = 15.0) -> None:
    """Until the simulator has closed ``at_least`` idle connections (polled: a busy machine's
    server fires its idle timer late, and a request racing that close fails on the wire)."""
    deadline = time.monotonic() + timeout
    while (await asyncio.to_thread(fetch_stats, sim))["connections_closed_idle"] < at_least:
        assert time.monotonic() < deadline, "the simulator did not close the idle connections"
        await asyncio.sleep(0.05)


def sim_closed(stats: dict[str, Any]) -> int:
    return sum(
        stats[k]
        for k in (
            "connections_closed_idle",
            "connections_closed_max_requests",
            "connections_closed_by_client",
            "connections_reset",
        )
    )


CHAT = "/v1/chat/completions"
BODY = {"model": "sim", "messages": [{"role": "user", "content": "hi"}]}
