"""Benchmarks for `pooltune recommend` (rerunnable; prints numbers, asserts nothing).

1. The prober's own ceiling: requests per second one core drives at concurrency 50 over
   loopback TLS, for each candidate engine (httpx 0.28, httpx2) and HTTP/1.1 vs HTTP/2, against
   nginx with no service time (so the client is the bottleneck).
2. A full probe for target 50 (sweep + idle probe, default budget): wall time and requests.
   Uses `pooltune recommend --format json` when the whole pipeline is importable, else the probe
   session alone.

    python bench/recommend_run.py [--requests 2000]

Needs nginx (Debian nginx-light with the echo module), like tests/recommend/test_nginx.py.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pooltune.probe.plan import make_plan
from pooltune.probe.runner import ClientSettings, LevelJob, pick_engine, run_level_async
from pooltune.probe.session import ProbeSession
from pooltune.probe.target import ProbeRequest
from tests.servers.nginx import nginx_unavailable_reason, run_nginx


def engine_ceiling(url: str, ca: str, engine: str, http2: bool, requests: int) -> str:
    request = ProbeRequest(url, "POST", (), b'{"a": 1}', ca)
    job = LevelJob(
        request, engine, 50, requests, 60.0, ClientSettings(50, 50, http2=http2), 50, 0.0
    )
    run = asyncio.run(run_level_async(job))
    level = run.level
    ok = sum(1 for s in level.samples if s.status == 200)
    rps = len(level.samples) / level.wall_s
    cpu = level.prober_cpu or 0.0
    return (
        f"| {engine} | {'HTTP/2' if http2 else 'HTTP/1.1'} | {rps:,.0f} | {cpu:.2f} | "
        f"{rps / max(cpu, 1e-6):,.0f} | {ok}/{len(level.samples)} |"
    )


def full_probe(url: str, ca: str) -> str:
    plan = make_plan(50, 3000, 55.0, validate=True)
    request = ProbeRequest(url, "POST", (), b'{"a": 1}', ca)
    session = ProbeSession(request, plan, pick_engine())
    t0 = time.perf_counter()
    session.preflight()
    session.start_idle_probe()
    outcome = session.sweep()
    session.finish_idle(outcome.server, session.time_left() - 15)
    wall = time.perf_counter() - t0
    return (
        f"probe for target 50 (no validation): {wall:.1f} s, {session.total_sent} requests "
        f"(plan: {plan.total_requests} incl. {plan.validation_requests} for validation, "
        f"estimated {plan.estimated_s:.0f} s); levels {[lv.concurrency for lv in outcome.levels]}; "
        f"idle timeout {outcome.server.idle_timeout_s} s; limit {outcome.refusal_limit}; "
        f"prober {outcome.prober.model_dump()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    reason = nginx_unavailable_reason()
    if reason:
        sys.exit(f"skipped: {reason}")
    engines = [e for e in ("httpx", "httpx2") if importlib.util.find_spec(e)]
    print("| engine | protocol | req/s | prober CPU (cores) | req/s per core | ok |")
    print("|---|---|---|---|---|---|")
    for http2 in (False, True):
        with run_nginx(
            Path(tempfile.mkdtemp()),
            http2=http2,
            service_s=0.0,
            limit_conn=10_000,
            keepalive_timeout=60,
        ) as server:
            for engine in engines:
                print(engine_ceiling(server.url, server.ca_bundle, engine, http2, args.requests))
    with run_nginx(
        Path(tempfile.mkdtemp()), http2=False, service_s=0.02, limit_conn=60, keepalive_timeout=5
    ) as server:
        print(full_probe(server.url, server.ca_bundle))


if __name__ == "__main__":
    main()
