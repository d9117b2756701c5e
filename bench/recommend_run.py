"""Benchmarks for `pooltune recommend` (rerunnable; prints markdown, asserts nothing).

    python bench/recommend_run.py ceiling      # the prober's ceiling per client library
    python bench/recommend_run.py pools        # the issue's table: pools x libraries at c=50
    python bench/recommend_run.py ab           # recommend --validate on the sim, httpx and httpx2
    python bench/recommend_run.py limits       # nginx limit_conn 40, three runs (needs nginx)
    python bench/recommend_run.py demo [--runs N]  # plain `pooltune recommend`: its speed targets
    python bench/recommend_run.py all

Everything goes through the code the command runs: `pooltune.recommend.pipeline.run` and the
load engines of `pooltune.probe.engines`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pooltune.probe.ceiling import measure_ceiling
from pooltune.probe.engines import get_engine, library_version
from pooltune.probe.runner import LevelJob, run_on_client
from pooltune.probe.target import ProbeRequest
from pooltune.recommend import pipeline
from pooltune.model import PoolSettings
from pooltune.recommend.settings import RecommendSettings
from pooltune.sim import SimSettings, start_sim_process
from pooltune.tune.stats import summarize

LIBRARIES = ("httpx", "httpx2", "aiohttp", "openai", "anthropic")
BODY = b'{"model": "m", "messages": []}'


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def ceiling() -> None:
    print("| library | version | req/s at c=50 (null server, TLS, in-process) | CPU |")
    print("|---|---|---|---|")
    request = ProbeRequest("https://127.0.0.1/", "POST", (), BODY)
    for library in LIBRARIES:
        found = asyncio.run(measure_ceiling(library, request, 50, duration_s=3.0))
        cpu = f"{found.cpu:.2f}" if found.cpu is not None else "-"
        print(f"| {library} | {library_version(library)} | {found.rps:,.0f} | {cpu} |")


async def _arm(library: str, request: ProbeRequest, pool: PoolSettings, n: int) -> str:
    engine = get_engine(library)
    async with engine.client(request, pool) as client:
        await run_on_client(client, LevelJob(request, library, 50, 50, 30.0, pool, 0, 0.0))
        run = await run_on_client(client, LevelJob(request, library, 50, n, 120.0, pool, 50, 0.0))
    s = summarize(run.level)
    return (
        f"{_ms(s.latency_s.p50)} / {_ms(s.latency_s.p99)} ms, {s.new_connections} new, "
        f"{s.errors} err"
    )


def pools(requests: int = 600) -> None:
    """The issue's table, rechecked: 600 requests at c=50, sim at 50 ms RTT, TLS."""
    arms = {
        "defaults (100/20, HTTP/1.1)": PoolSettings.httpx_defaults(),
        "50/50, HTTP/1.1": PoolSettings(max_connections=50, max_keepalive_connections=50),
        "20/20, HTTP/1.1 (the rest queue)": PoolSettings(
            max_connections=20, max_keepalive_connections=20
        ),
        "HTTP/2, one connection": PoolSettings(http2=True),
    }
    libs = ("httpx", "httpx2")
    head = " | ".join(f"{lib} {library_version(lib)} p50 / p99" for lib in libs)
    print(f"| settings | {head} |")
    print("|---|" + "---|" * len(libs))
    settings = SimSettings(rtt_ms=50, idle_timeout=5, service_ms=20)
    with start_sim_process(settings) as sim:
        request = ProbeRequest(
            f"{sim.url}/v1/chat/completions",
            "POST",
            (("Content-Type", "application/json"),),
            BODY,
            sim.ca_bundle,
        )
        for name, pool in arms.items():
            cells = [asyncio.run(_arm(lib, request, pool, requests)) for lib in libs]
            print(f"| {name} | " + " | ".join(cells) + " |")


def ab() -> None:
    print(
        "| --client | protocols measured (p50 / p99 ms, CPU ms/req) | recommended | "
        "baseline p50 / p99, new conns | recommended p50 / p99, new conns | run |"
    )
    print("|---|---|---|---|---|---|")
    for library in ("httpx", "httpx2"):
        with start_sim_process(SimSettings(rtt_ms=50, idle_timeout=5, service_ms=20)) as sim:
            settings = RecommendSettings.model_validate(
                {
                    "url": f"{sim.url}/v1/chat/completions",
                    "ca-bundle": sim.ca_bundle,
                    "client": library,
                    "validate": True,
                    "target-concurrency": 50,
                }
            )
            report = pipeline.run(settings)
        measured = "; ".join(
            f"{'**' if p.chosen else ''}{p.label}: {_ms(p.latency_s.p50)} / "
            f"{_ms(p.latency_s.p99)}, {p.client_cpu_ms_per_request:.2f}{'**' if p.chosen else ''}"
            for p in report.protocols
        )
        v = report.validation
        assert v is not None and v.recommended_settings is not None
        b, r = v.baseline, v.recommended
        print(
            f"| {library} {report.client.version if report.client else ''} | {measured} | "
            f"{v.recommended_settings.describe()} | {_ms(b.latency_s.p50)} / "
            f"{_ms(b.latency_s.p99)}, {b.new_connections} of {b.requests} | "
            f"{_ms(r.latency_s.p50)} / {_ms(r.latency_s.p99)}, {r.new_connections} of "
            f"{r.requests} | {report.duration_s:.0f} s, {report.requests_sent} req |"
        )


def limits(runs: int = 3) -> None:
    from tests.servers import start, unavailable_reason

    reason = unavailable_reason("nginx")
    if reason:
        print(f"skipped: {reason}")
        return
    print("| run | limit | runs of the refusing level | levels (asked: in flight, mean) |")
    print("|---|---|---|---|")
    with start(
        "nginx",
        Path(tempfile.mkdtemp()),
        http2=False,
        keepalive_timeout=5,
        limit_conn=40,
        service_s=0.02,
    ) as server:
        for i in range(runs):
            settings = RecommendSettings.model_validate(
                {
                    "url": server.url,
                    "ca-bundle": server.ca_bundle,
                    "client": "httpx2",
                    "target-concurrency": 50,
                    "max-duration": 40,
                }
            )
            report = pipeline.run(settings)
            levels = ", ".join(
                f"{lv.concurrency}: {lv.in_flight.mean:.0f}"
                for lv in report.levels
                if lv.in_flight and lv.concurrency >= 32
            )
            print(
                f"| {i + 1} | {report.server.concurrency_limit} | "
                f"{report.server.concurrency_limit_runs} | {levels} |"
            )


# The demo's speed targets (measured here, never asserted in tests): the README promises a
# plain `pooltune recommend` "finishes in under 30 s"; the whole command, Python's start-up and
# the simulator's included, within 45 s.
DEMO_REPORT_TARGET_S = 30.0
DEMO_WALL_TARGET_S = 45.0


def demo(runs: int = 1) -> None:
    """Plain `pooltune recommend`, ``runs`` times: wall time, the report's own duration (the
    probe, against the demo's budget `pipeline.DEMO_MAX_DURATION_S`), the load average."""
    budget = pipeline.DEMO_MAX_DURATION_S
    print(
        f"targets: report <= {DEMO_REPORT_TARGET_S:g} s (its budget: {budget:g} s), "
        f"wall <= {DEMO_WALL_TARGET_S:g} s\n"
    )
    print("| run | load (1 min) | wall s | report s | requests | widest line | targets met |")
    print("|---|---|---|---|---|---|---|")
    text = ""
    for run in range(1, runs + 1):
        load = os.getloadavg()[0]
        started = time.monotonic()
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "report.txt"
            subprocess.run(
                [sys.executable, "-m", "pooltune", "recommend", "--output", str(out)],
                check=True,
                cwd=tmp,
                capture_output=True,
            )
            text = out.read_text()
        wall = time.monotonic() - started
        widest = max(len(line) for line in text.splitlines())
        sent, _, seconds = text.strip().splitlines()[-1].partition(" requests in ")
        report_s = float(seconds.removesuffix(" s"))
        met = report_s <= DEMO_REPORT_TARGET_S and wall <= DEMO_WALL_TARGET_S
        print(
            f"| {run} | {load:.1f} | {wall:.1f} | {report_s:.1f} | {sent} | {widest} | "
            f"{'yes' if met else '**no**'} |"
        )
    print(f"\nthe last report:\n\n{text}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["ceiling", "pools", "ab", "limits", "demo", "all"])
    parser.add_argument("--runs", type=int, default=1, help="demo: how many runs (default 1)")
    args = parser.parse_args()
    chosen = ["ceiling", "pools", "ab", "limits", "demo"] if args.what == "all" else [args.what]
    for name in chosen:
        print(f"\n## {name}\n")
        if name == "demo":
            demo(args.runs)
        else:
            globals()[name]()


if __name__ == "__main__":
    main()
