"""The same command, run after run: the spread of every value `pooltune recommend` discovers.

Against each real server of tests/servers/ (the configurations of
tests/recommend/test_real_servers.py, whose truths tests/servers/test_truths.py proves), quiet
and beside two bounded busy loops (tests/busy.py), with `--client httpx` and with the default
client (what `recommend` picks in this repository: the nearest project's dependencies), N runs
each; prints a markdown table per server: the truth, then min / median / max of each value
over the runs (`-` for null; `n/N null` when some runs left it null, `inconclusive` counted
where the report named it so).

    python bench/recommend_stability.py [--runs 5] [--servers nginx,apache,haproxy,caddy,uvicorn]
        [--loads quiet,busy] [--clients default,httpx] [--max-duration 30]

Each run is the real command (`python -m pooltune recommend --format json`) in a subprocess;
every server is started once and stopped at the end; the busy loops stop by themselves.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.busy import BusyLoops  # noqa: E402
from tests.recommend.test_real_servers import CASES  # noqa: E402
from tests.servers import Server, start, unavailable_reason  # noqa: E402

SERVERS = {
    "nginx": "nginx-limit40",
    "apache": "apache",
    "haproxy": "haproxy",
    "caddy": "caddy",
    "uvicorn": "uvicorn",
}
BUSY_LOOPS = 2

Getter = Callable[[dict[str, Any]], Any]
# the discovered values, and what the recommendation made of them
VALUES: dict[str, Getter] = {
    "http_version": lambda r: r["server"]["http_version"],
    "max_concurrent_streams": lambda r: r["server"]["max_concurrent_streams"],
    "idle_timeout_s": lambda r: r["server"]["idle_timeout_s"],
    "concurrency_limit": lambda r: r["server"]["concurrency_limit"],
    "concurrency_limit_kind": lambda r: r["server"]["concurrency_limit_kind"],
    "max_requests_per_connection": lambda r: r["server"].get("max_requests_per_connection"),
    "burst.limit": lambda r: (r["server"].get("burst") or {}).get("limit"),
    "burst.clean_up_to": lambda r: (r["server"].get("burst") or {}).get("clean_up_to"),
    "rec.http2": lambda r: r["recommendation"]["http2"],
    "rec.max_connections": lambda r: r["recommendation"]["max_connections"],
    "rec.keepalive_expiry": lambda r: r["recommendation"]["keepalive_expiry"],
    "rec.concurrency_semaphore": lambda r: r["recommendation"]["concurrency_semaphore"],
    "prober.ceiling_rps": lambda r: (r.get("prober") or {}).get("ceiling_rps"),
}


def _recommend(server: Server, target: int, client: str, max_duration: float) -> dict[str, Any]:
    assert server.ca_bundle is not None
    args = [sys.executable, "-m", "pooltune", "recommend", "--url", server.url]
    args += ["--ca-bundle", server.ca_bundle, "--target-concurrency", str(target)]
    args += ["--max-duration", str(max_duration), "--format", "json"]
    if client != "default":
        args += ["--client", client]
    proc = subprocess.run(
        args, capture_output=True, text=True, timeout=3 * max_duration + 60, cwd=ROOT
    )
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1:]}
    report: dict[str, Any] = json.loads(proc.stdout)
    return report


def _spread(values: list[Any]) -> str:
    present = [v for v in values if v is not None]
    nulls = len(values) - len(present)
    null_note = f" ({nulls}/{len(values)} null)" if nulls and present else ""
    if not present:
        return "-"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        lo, mid, hi = min(present), statistics.median(present), max(present)
        if lo == hi:
            return f"{lo:g}{null_note}"
        return f"{lo:g} / {mid:g} / {hi:g}{null_note}"
    counts: dict[str, int] = {}
    for v in present:
        counts[str(v)] = counts.get(str(v), 0) + 1
    said = ", ".join(f"{k} x{n}" if len(counts) > 1 else k for k, n in counts.items())
    return said + null_note


def _truth(server: Server) -> dict[str, Any]:
    t = server.truth
    p = t.protocol(t.http_version)
    return {
        "http_version": t.http_version,
        "max_concurrent_streams": t.max_concurrent_streams,
        "idle_timeout_s": p.idle_timeout_s,
        "concurrency_limit": t.concurrency_limit,
        "concurrency_limit_kind": {"503": "refuses", "queue": "queues", "None": None}[
            str(t.refusal)
        ],
        "max_requests_per_connection": p.max_requests_per_connection,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--servers", default=",".join(SERVERS))
    parser.add_argument("--loads", default="quiet,busy")
    parser.add_argument("--clients", default="default,httpx")
    parser.add_argument("--max-duration", type=float, default=30.0)
    parser.add_argument("--raw", type=Path, help="also write every report here (JSON lines)")
    args = parser.parse_args()
    loads = args.loads.split(",")
    clients = args.clients.split(",")
    started = time.monotonic()
    print(
        f"{args.runs} runs per cell, --max-duration {args.max_duration:g}; busy = "
        f"{BUSY_LOOPS} bounded busy loops on the machine's cores; min / median / max\n"
    )
    for name in args.servers.split(","):
        case = SERVERS[name]
        harness, settings, target = CASES[case]
        reason = unavailable_reason(harness)
        if reason:
            print(f"## {name}: skipped ({reason})\n")
            continue
        with tempfile.TemporaryDirectory() as root, start(harness, Path(root), **settings) as srv:
            cells: dict[tuple[str, str], list[dict[str, Any]]] = {}
            libraries: dict[str, str] = {}
            for load in loads:
                for client in clients:
                    reports = []
                    for _ in range(args.runs):
                        with BusyLoops(BUSY_LOOPS if load == "busy" else 0):
                            report = _recommend(srv, target, client, args.max_duration)
                        reports.append(report)
                        if args.raw:
                            line = {"server": name, "load": load, "client": client} | report
                            with args.raw.open("a") as out:
                                out.write(json.dumps(line) + "\n")
                        if "client" in report:
                            got = report["client"]
                            libraries[client] = f"{got['library']} {got['version']}"
                    cells[(load, client)] = reports
            _table(name, case, target, srv, cells, libraries)
    print(f"({time.monotonic() - started:.0f} s in all)")


def _table(
    name: str,
    case: str,
    target: int,
    server: Server,
    cells: dict[tuple[str, str], list[dict[str, Any]]],
    libraries: dict[str, str],
) -> None:
    truth = _truth(server)
    heads = [f"{load}, {libraries.get(client, client)}" for load, client in cells]
    print(f"## {name} (`{case}`, target {target})\n")
    print("| value | truth | " + " | ".join(heads) + " |")
    print("|---|---|" + "---|" * len(heads))
    for key, get in VALUES.items():
        row = [str(truth.get(key, "")) if key in truth else ""]
        for reports in cells.values():
            ok = [r for r in reports if "error" not in r]
            row.append(_spread([get(r) for r in ok]) if ok else "error")
        print(f"| {key} | " + " | ".join(row) + " |")
    inconclusive = []
    for reports in cells.values():
        named: dict[str, int] = {}
        for r in reports:
            for field in r.get("inconclusive") or {}:
                named[field] = named.get(field, 0) + 1
        inconclusive.append(", ".join(f"{k} {n}/{len(reports)}" for k, n in named.items()) or "-")
    print("| inconclusive | | " + " | ".join(inconclusive) + " |")
    errors = [sum(1 for r in reports if "error" in r) for reports in cells.values()]
    if any(errors):
        print("| failed runs | | " + " | ".join(str(e) for e in errors) + " |")
    print()


if __name__ == "__main__":
    main()
