"""What `pooltune.monitor` costs: the same load with a plain and an instrumented client, side by
side in one run, in alternating rounds.

For each library (httpx 0.28, httpx2, aiohttp), two clients with the same settings (keep-alive
pool = concurrency, so no churn hides the monitor's cost), one of them instrumented. Rounds
alternate plain / instrumented; each sends --requests requests at --concurrency against
`pooltune sim` in its own process (TLS, --service-ms). Per round: the client process's CPU
time per request (`time.process_time()`, every thread) and the throughput. Prints a markdown
table of the medians and the differences. Bounded: rounds x requests per arm and library.

    python bench/monitor_overhead.py [--rounds 5] [--requests 2000] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import platform
import ssl
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pooltune.monitor as pm
from pooltune.sim import SimHandle, SimSettings, start_sim_process

CHAT = "/v1/chat/completions"
BODY = {"model": "sim", "messages": [{"role": "user", "content": "hi"}]}
Send = Callable[[], Awaitable[int]]


async def load(send: Send, requests: int, concurrency: int) -> tuple[float, float]:
    """(CPU seconds, wall seconds) for ``requests`` calls, ``concurrency`` at a time."""
    left = requests

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            status = await send()
            assert status == 200, status

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*[worker() for _ in range(concurrency)])
    return time.process_time() - cpu, time.perf_counter() - wall


async def httpx_clients(name: str, sim: SimHandle, c: int) -> tuple[Any, Any, Send, Send]:
    lib = importlib.import_module(name)
    limits = lib.Limits(max_connections=c, max_keepalive_connections=c)
    plain = lib.AsyncClient(verify=sim.verify, limits=limits, timeout=30)
    watched = lib.AsyncClient(verify=sim.verify, limits=limits, timeout=30)
    pm.instrument(watched)
    url = sim.url + CHAT

    async def send_plain() -> int:
        return (await plain.post(url, json=BODY)).status_code

    async def send_watched() -> int:
        return (await watched.post(url, json=BODY)).status_code

    return plain, watched, send_plain, send_watched


async def aiohttp_clients(sim: SimHandle, c: int) -> tuple[Any, Any, Send, Send]:
    import aiohttp

    context = ssl.create_default_context(cafile=sim.ca_bundle)
    plain = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context, limit=c))
    watched = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(ssl=context, limit=c),
        trace_configs=[pm.aiohttp_trace_config()],
    )
    url = sim.url + CHAT

    async def send(session: Any) -> int:
        async with session.post(url, json=BODY) as response:
            await response.read()
            return int(response.status)

    return plain, watched, lambda: send(plain), lambda: send(watched)


async def bench_library(name: str, sim: SimHandle, args: argparse.Namespace) -> dict[str, Any]:
    c = args.concurrency
    if name == "aiohttp":
        plain, watched, send_plain, send_watched = await aiohttp_clients(sim, c)
    else:
        plain, watched, send_plain, send_watched = await httpx_clients(name, sim, c)
    arms: dict[str, list[tuple[float, float]]] = {"plain": [], "instrumented": []}
    try:
        for send in (send_plain, send_watched):  # warm up: connections, TLS, code paths
            await load(send, max(c * 4, 200), c)
        for round_ in range(args.rounds):
            order = [("plain", send_plain), ("instrumented", send_watched)]
            for arm, send in order if round_ % 2 == 0 else order[::-1]:
                arms[arm].append(await load(send, args.requests, c))
    finally:
        for client in (plain, watched):
            await (client.close() if name == "aiohttp" else client.aclose())
    out: dict[str, Any] = {"library": name}
    for arm, runs in arms.items():
        out[arm] = {
            "cpu_us": statistics.median(cpu / args.requests * 1e6 for cpu, _ in runs),
            "rps": statistics.median(args.requests / wall for _, wall in runs),
        }
    snapshot = pm.process_monitor().snapshot()
    out["seen"] = sum(p.requests for p in snapshot.pools if p.library == name)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--service-ms", type=float, default=5.0)
    parser.add_argument("--libraries", default="httpx,httpx2,aiohttp")
    args = parser.parse_args()
    rows = []
    # A long idle timeout: while one arm runs, the other's connections wait for the next round.
    settings = SimSettings(service_ms=args.service_ms, http1_only=True, idle_timeout=3600)
    with start_sim_process(settings) as sim:
        for name in args.libraries.split(","):
            rows.append(asyncio.run(bench_library(name, sim, args)))
    versions = {
        name: getattr(importlib.import_module(name), "__version__", "?")
        for name in args.libraries.split(",")
    }
    print(
        f"Python {platform.python_version()}, "
        + ", ".join(f"{k} {v}" for k, v in versions.items())
        + f"; c={args.concurrency}, {args.rounds} alternating rounds of {args.requests} requests "
        f"per arm, sim --service-ms {args.service_ms:g} over TLS (HTTP/1.1) in its own process.\n"
    )
    print(
        "| library | CPU/request plain | CPU/request instrumented | added CPU/request "
        "| req/s plain | req/s instrumented | throughput change |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        plain, watched = row["plain"], row["instrumented"]
        added = watched["cpu_us"] - plain["cpu_us"]
        change = watched["rps"] / plain["rps"] - 1
        print(
            f"| {row['library']} | {plain['cpu_us']:.0f} us | {watched['cpu_us']:.0f} us "
            f"| {added:+.1f} us | {plain['rps']:.0f} | {watched['rps']:.0f} | {change:+.1%} |"
        )


if __name__ == "__main__":
    main()
