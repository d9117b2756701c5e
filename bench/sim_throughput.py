"""How fast is `pooltune sim`? Requests/s at 50 concurrent clients over TLS, and its added latency.

The load generator is aiohttp in N worker processes (so the client is not the bottleneck on
2 cores); the simulator runs in its own process. Prints a markdown table. Bounded: each run
sends at most --requests requests and stops after --seconds.

    python bench/sim_throughput.py [--requests 6000] [--seconds 20] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import ssl
import statistics
import time

import aiohttp

from pooltune.sim import SimSettings, fetch_stats, start_sim_process

CHAT = "/v1/chat/completions"


def _worker(
    url: str, ca: str | None, concurrency: int, requests: int, seconds: float, out: mp.Queue
) -> None:  # type: ignore[type-arg]
    async def run() -> list[float]:
        ctx = ssl.create_default_context(cafile=ca) if ca else None
        connector = aiohttp.TCPConnector(limit=concurrency, ssl=ctx if ctx else False)
        latencies: list[float] = []
        deadline = time.monotonic() + seconds
        sent = 0
        async with aiohttp.ClientSession(connector=connector) as session:

            async def loop() -> None:
                nonlocal sent
                while sent < requests and time.monotonic() < deadline:
                    sent += 1
                    start = time.perf_counter()
                    async with session.post(url + CHAT, json={"model": "m"}) as response:
                        await response.read()
                    latencies.append(time.perf_counter() - start)

            await asyncio.gather(*(loop() for _ in range(concurrency)))
        return latencies

    started = time.perf_counter()
    latencies = asyncio.run(run())
    out.put((latencies, time.perf_counter() - started))


def measure(
    settings: SimSettings, concurrency: int, requests: int, seconds: float, workers: int
) -> tuple[float, float, dict[str, object]]:
    with start_sim_process(settings) as sim:
        queue: mp.Queue = mp.Queue()  # type: ignore[type-arg]
        procs = [
            mp.Process(
                target=_worker,
                args=(
                    sim.url,
                    sim.ca_bundle,
                    concurrency // workers,
                    requests // workers,
                    seconds,
                    queue,
                ),
            )
            for _ in range(workers)
        ]
        for proc in procs:
            proc.start()
        results = [queue.get(timeout=seconds + 60) for _ in procs]
        for proc in procs:
            proc.join()
        stats = fetch_stats(sim)
    latencies = [lat for lats, _ in results for lat in lats]
    wall = max(w for _, w in results)
    return len(latencies) / wall, statistics.median(latencies), stats


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    print("| scenario | req/s | p50 latency | server counters |")
    print("|---|---|---|---|")
    for name, settings in [
        ("HTTP/1.1, TLS, 50 clients, service 20 ms", SimSettings(http1_only=True, service_ms=20)),
        ("HTTP/1.1, TLS, 50 clients, service 0 ms", SimSettings(http1_only=True, service_ms=0)),
    ]:
        rps, p50, stats = measure(settings, 50, args.requests, args.seconds, args.workers)
        print(
            f"| {name} | {rps:.0f} | {p50 * 1000:.1f} ms | {stats['requests']} requests, "
            f"{stats['connections_opened']} connections |"
        )
    # Added latency at --rtt-ms 0: one client, sequential requests, service 0.
    rps, p50, _ = measure(SimSettings(http1_only=True, service_ms=0), 1, 500, args.seconds, 1)
    name = "one sequential client, service 0 ms (added latency)"
    print(f"| {name} | {rps:.0f} | {p50 * 1000:.2f} ms | |")


if __name__ == "__main__":
    main()
