"""What `pooltune.monitor` costs: the same load with a plain and an instrumented client, side by
side in one run, in alternating rounds.

Part 1, against `pooltune sim` (its own process, TLS, HTTP/1.1), once per --service-ms: for
httpx2 and aiohttp, two clients with the same settings (keep-alive pool = concurrency, so no
churn hides the monitor's cost), one instrumented. `aiohttp-empty-trace` gives the second
session a TraceConfig with no handlers: what aiohttp's tracing costs by itself. Rounds
alternate plain / instrumented; each sends --requests requests at --concurrency. Per round:
the client process's CPU time per request (`time.process_time()`, every thread) and the
throughput; the tables give the medians and the per-round differences (instrumented minus
plain in the same round).

Part 2, no network: httpx 0.28 and httpx2 on httpcore's own mock network backend (a canned
response, no socket, no server), sequential requests: the client's CPU alone, so the
monitor's share is not lost in TLS, the server or other load on the machine.

Part 3 (`--callgrind`), deterministic: the Part 2 harness under `valgrind --tool=callgrind`,
which counts the instructions the process executes, the same whatever else the machine runs.
Each arm runs in its own process; only the requests after the warm-up are counted (see
`mock_child`). It is converted to microseconds with the instructions per second of
the plain arm (its instruction count over its CPU time measured natively, best of 3 runs).

Bounded: rounds x requests per arm and library.

    python bench/monitor_overhead.py [--rounds 8] [--requests 1500] [--concurrency 50]
    python bench/monitor_overhead.py --callgrind --service-ms '' --mock-requests 0  (counts only)
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import importlib
import os
import platform
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
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


async def aiohttp_clients(
    sim: SimHandle, c: int, empty: bool = False
) -> tuple[Any, Any, Send, Send]:
    """``empty``: the second session gets a TraceConfig with no handlers, which is what
    aiohttp's tracing costs by itself, whoever listens."""
    import aiohttp

    context = ssl.create_default_context(cafile=sim.ca_bundle)
    plain = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context, limit=c))
    watched = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(ssl=context, limit=c),
        trace_configs=[aiohttp.TraceConfig() if empty else pm.aiohttp_trace_config()],
    )
    url = sim.url + CHAT

    async def send(session: Any) -> int:
        async with session.post(url, json=BODY) as response:
            await response.read()
            return int(response.status)

    return plain, watched, lambda: send(plain), lambda: send(watched)


async def bench_library(name: str, sim: SimHandle, args: argparse.Namespace) -> dict[str, Any]:
    c = args.concurrency
    if name.startswith("aiohttp"):
        empty = name == "aiohttp-empty-trace"
        plain, watched, send_plain, send_watched = await aiohttp_clients(sim, c, empty)
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
            await (client.close() if name.startswith("aiohttp") else client.aclose())
    out: dict[str, Any] = {"library": name}
    pairs = list(zip(arms["plain"], arms["instrumented"], strict=True))
    out["added_cpu_us"] = sorted(
        (w[0] - p[0]) / args.requests * 1e6 for p, w in pairs
    )  # per round: instrumented minus plain, same round
    out["rps_change"] = sorted(p[1] / w[1] - 1 for p, w in pairs)  # wall ratio = 1/rps ratio
    for arm, runs in arms.items():
        out[arm] = {
            "cpu_us": statistics.median(cpu / args.requests * 1e6 for cpu, _ in runs),
            "rps": statistics.median(args.requests / wall for _, wall in runs),
        }
    snapshot = pm.process_monitor().snapshot()
    out["seen"] = sum(p.requests for p in snapshot.pools if p.library == name)
    return out


MOCK_RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


async def bench_mock(name: str, rounds: int, requests: int) -> dict[str, Any]:
    """Sequential requests on httpcore's mock backend: plain vs instrumented client CPU."""

    def client(watched: bool) -> Any:
        return mock_client(name, watched, requests * (rounds + 1) * 3)

    async def run(made: Any, n: int) -> float:
        cpu = time.process_time()
        for _ in range(n):
            await made.post("http://mock.test/v1/chat/completions", json=BODY)
        return (time.process_time() - cpu) / n * 1e6

    plain, watched = client(False), client(True)
    await run(plain, requests // 4)
    await run(watched, requests // 4)
    arms: dict[str, list[float]] = {"plain": [], "instrumented": []}
    for round_ in range(rounds):
        order = [("plain", plain), ("instrumented", watched)]
        for arm, made in order if round_ % 2 == 0 else order[::-1]:
            arms[arm].append(await run(made, requests))
    await plain.aclose()
    await watched.aclose()
    added = sorted(w - p for p, w in zip(arms["plain"], arms["instrumented"], strict=True))
    return {
        "library": name,
        "plain": statistics.median(arms["plain"]),
        "instrumented": statistics.median(arms["instrumented"]),
        "plain_min": min(arms["plain"]),
        "instrumented_min": min(arms["instrumented"]),
        "added": added,
    }


def mock_client(name: str, watched: bool, responses: int) -> Any:
    lib = importlib.import_module(name)
    core = importlib.import_module("httpcore" if name == "httpx" else "httpcore2")
    made = lib.AsyncClient()
    # the bench's one private write: a canned network instead of sockets
    made._transport._pool._network_backend = core.AsyncMockBackend([MOCK_RESPONSE] * responses)
    if watched:
        pm.instrument(made)
    return made


def mock_child(name: str, arm: str, requests: int, warmup: int) -> float:
    """One arm in a process of its own: CPU microseconds per request after the warm-up.

    The measured requests run inside `functools.reduce` (a C function nothing else here
    calls), so that callgrind, told to count only inside it, counts just them: not the
    start-up, the imports or the warm-up, whose counts vary from process to process."""
    loop = asyncio.new_event_loop()
    made = mock_client(name, arm == "instrumented", (warmup + requests) * 3)

    async def send(n: int) -> None:
        for _ in range(n):
            await made.post("http://mock.test/v1/chat/completions", json=BODY)

    loop.run_until_complete(send(warmup))
    cpu = time.process_time()
    functools.reduce(lambda _, n: loop.run_until_complete(send(n)), [requests], None)
    spent = time.process_time() - cpu
    loop.run_until_complete(made.aclose())
    loop.close()
    return spent / max(requests, 1) * 1e6


CHILD_ENV = {"PYTHONHASHSEED": "0"}  # the same dict layouts in every run


def child_command(name: str, arm: str, requests: int, warmup: int) -> list[str]:
    spec = f"{name}:{arm}:{requests}:{warmup}"
    return [sys.executable, os.path.abspath(__file__), "--child", spec]


def callgrind_count(name: str, arm: str, requests: int, warmup: int) -> int:
    """Instructions executed by ``requests`` requests (after the warm-up) under callgrind."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--collect-atstart=no",
                "--toggle-collect=functools_reduce",
                f"--callgrind-out-file={out}",
                "-q",
                *child_command(name, arm, requests, warmup),
            ],
            check=True,
            env={**os.environ, **CHILD_ENV},
            stdout=subprocess.DEVNULL,
        )
        with open(out) as fh:
            for line in fh:
                if line.startswith(("summary:", "totals:")):
                    return int(line.split()[1])
    raise RuntimeError("callgrind wrote no totals")


def native_us(name: str, arm: str, requests: int, warmup: int) -> float:
    result = subprocess.run(
        child_command(name, arm, requests, warmup),
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **CHILD_ENV},
    )
    return float(result.stdout.strip())


def bench_callgrind(name: str, requests: int, warmup: int) -> dict[str, Any]:
    per_request = {
        arm: callgrind_count(name, arm, requests, warmup) / requests
        for arm in ("plain", "instrumented")
    }
    plain_us = min(native_us(name, "plain", 2000, 500) for _ in range(3))
    per_us = per_request["plain"] / plain_us  # instructions per microsecond, plain arm
    added = per_request["instrumented"] - per_request["plain"]
    return {
        "library": name,
        "plain": per_request["plain"],
        "instrumented": per_request["instrumented"],
        "added": added,
        "per_us": per_us,
        "added_us": added / per_us,
        "plain_us": plain_us,
    }


def print_callgrind(rows: list[dict[str, Any]], requests: int, warmup: int) -> None:
    print(
        f"\nInstruction counts (valgrind callgrind, httpcore's mock backend, sequential; "
        f"{warmup} warm-up requests, then {requests} counted; us = instructions / the plain "
        f"arm's native instructions per us, from its best of 3 native runs):\n"
    )
    print(
        "| library | instructions/request plain | instrumented | added | added share "
        "| plain native CPU/request | instructions per us | added, as us |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['library']} | {row['plain']:,.0f} | {row['instrumented']:,.0f} "
            f"| {row['added']:+,.0f} | {row['added'] / row['plain']:+.1%} "
            f"| {row['plain_us']:.0f} us | {row['per_us']:,.0f} | {row['added_us']:+.1f} us |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument(
        "--service-ms",
        default="50,0",
        help="sim service times, one table each: 50 ms leaves the client CPU to spare (CPU per "
        "request is the work itself); 0 ms saturates the client (throughput)",
    )
    parser.add_argument("--libraries", default="httpx2,aiohttp,aiohttp-empty-trace")
    parser.add_argument("--mock-libraries", default="httpx,httpx2")
    parser.add_argument("--mock-requests", type=int, default=2000)
    parser.add_argument(
        "--callgrind",
        action="store_true",
        help="also count instructions per request on the mock backend (valgrind callgrind)",
    )
    parser.add_argument("--callgrind-requests", type=int, default=300)
    parser.add_argument("--child", help=argparse.SUPPRESS)  # name:arm:requests:warmup
    args = parser.parse_args()
    if args.child:
        name, arm, requests, warmup = args.child.split(":")
        print(mock_child(name, arm, int(requests), int(warmup)))
        return
    services = [float(v) for v in args.service_ms.split(",") if v]
    versions = {
        name: getattr(importlib.import_module(name), "__version__", "?")
        for name in dict.fromkeys(
            n.split("-")[0] for n in (args.libraries + "," + args.mock_libraries).split(",") if n
        )
    }
    print(
        f"Python {platform.python_version()}, "
        + ", ".join(f"{k} {v}" for k, v in versions.items())
        + f"; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start."
    )
    for service in services:
        rows = []
        # A long idle timeout: while one arm runs, the other's connections wait for the next
        # round, and no reconnect may blur the comparison.
        settings = SimSettings(service_ms=service, http1_only=True, idle_timeout=3600)
        with start_sim_process(settings) as sim:
            for name in filter(None, args.libraries.split(",")):
                rows.append(asyncio.run(bench_library(name, sim, args)))
        print(
            f"\nAgainst `pooltune sim --service-ms {service:g}` (TLS, HTTP/1.1, its own "
            f"process), c={args.concurrency}, {args.rounds} alternating rounds of "
            f"{args.requests} requests per arm:\n"
        )
        print(
            "| library | CPU/request plain | CPU/request instrumented | added CPU/request, "
            "median of rounds (range) | req/s plain | req/s instrumented | throughput change, "
            "median of rounds (range) |"
        )
        print("|---|---|---|---|---|---|---|")
        for row in rows:
            plain, watched = row["plain"], row["instrumented"]
            added, change = row["added_cpu_us"], row["rps_change"]
            print(
                f"| {row['library']} | {plain['cpu_us']:.0f} us | {watched['cpu_us']:.0f} us "
                f"| {statistics.median(added):+.1f} us ({added[0]:+.0f} to {added[-1]:+.0f}) "
                f"| {plain['rps']:.0f} | {watched['rps']:.0f} "
                f"| {statistics.median(change):+.1%} ({change[0]:+.1%} to {change[-1]:+.1%}) |"
            )
    mock = [
        asyncio.run(bench_mock(name, args.rounds, args.mock_requests))
        for name in filter(None, args.mock_libraries.split(","))
        if args.mock_requests > 0
    ]
    if mock:
        print(
            f"\nNo network (httpcore's mock backend, sequential, {args.rounds} alternating "
            f"rounds of {args.mock_requests} requests per arm):\n"
        )
        print(
            "| library | CPU/request plain | CPU/request instrumented | added, median of "
            "rounds (range) | added, best round of each arm | added share |"
        )
        print("|---|---|---|---|---|---|")
        for row in mock:
            added = row["added"]
            best = row["instrumented_min"] - row["plain_min"]
            print(
                f"| {row['library']} | {row['plain']:.0f} us | {row['instrumented']:.0f} us "
                f"| {statistics.median(added):+.1f} us ({added[0]:+.1f} to {added[-1]:+.1f}) "
                f"| {best:+.1f} us | {statistics.median(added) / row['plain']:+.1%} |"
            )
    if args.callgrind:
        if shutil.which("valgrind") is None:
            raise SystemExit("--callgrind needs valgrind on PATH")
        counted = [
            bench_callgrind(name, args.callgrind_requests, 100)
            for name in filter(None, args.mock_libraries.split(","))
        ]
        print_callgrind(counted, args.callgrind_requests, 100)


if __name__ == "__main__":
    main()
