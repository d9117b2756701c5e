"""`pooltune monitor -- COMMAND`: a plain asyncio script and a FastAPI app under uvicorn,
instrumented with no code change; counts equal the sim's, exit codes pass through."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from pooltune.sim import SimHandle

from .conftest import settled_stats, sim_closed

APPS = Path(__file__).parent / "apps"


def env_for(sim: SimHandle) -> dict[str, str]:
    return {**os.environ, "SIM_URL": sim.url, "SIM_CA": sim.ca_bundle or ""}


def pooltune(*args: str) -> list[str]:
    return [sys.executable, "-m", "pooltune", "monitor", *args]


def test_plain_script_exit_code_summary_json_and_live_view(sim: SimHandle, tmp_path: Path) -> None:
    out = tmp_path / "snapshot.json"
    done = subprocess.run(
        [*pooltune("--json", str(out), "--live", "--"), sys.executable, str(APPS / "plain_script.py")],
        env={**env_for(sim), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 3, done.stderr
    assert done.stdout.strip() == "script done"
    stats = settled_stats(sim)
    snapshot = json.loads(out.read_text())
    (pool,) = snapshot["pools"]
    assert pool["library"] == "httpx2" and pool["client"] == "httpx2.AsyncClient"
    assert pool["requests"] == stats["requests"] == 50
    assert pool["connections_opened"] == stats["connections_opened"]
    assert pool["closes"]["server"] == stats["connections_closed_idle"] == 20
    assert sum(pool["closes"].values()) == sim_closed(stats)
    (expiry,) = [a for a in snapshot["advice"] if a["setting"] == "keepalive_expiry"]
    assert 0 < expiry["value"] < 2
    # the summary and the live table go to stderr; the command's own output is untouched
    assert "pooltune monitor: 1 pool(s)" in done.stderr
    assert f"50 requests, {stats['connections_opened']} connections opened" in done.stderr
    assert expiry["why"] in done.stderr
    for column in ("in flight", "idle", "wait p99", "new conn", "errors"):
        assert column in done.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, proc: subprocess.Popen[Any], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "uvicorn exited"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("uvicorn did not start")


def test_fastapi_under_uvicorn(sim: SimHandle, tmp_path: Path) -> None:
    out = tmp_path / "snapshot.json"
    port = free_port()
    proc = subprocess.Popen(
        [
            *pooltune("--json", str(out), "--"),
            sys.executable,
            "-m",
            "uvicorn",
            "fastapi_app:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=APPS,
        env=env_for(sim),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_port(port, proc)

        async def load() -> list[int]:
            limits = httpx.Limits(max_connections=50, max_keepalive_connections=50)
            async with httpx.AsyncClient(limits=limits, timeout=30) as client:
                statuses: list[int] = []
                for _ in range(3):
                    calls = [client.get(f"http://127.0.0.1:{port}/ask") for _ in range(50)]
                    statuses += [r.status_code for r in await asyncio.gather(*calls)]
                return statuses

        assert asyncio.run(load()) == [200] * 150
    finally:
        proc.send_signal(signal.SIGTERM)  # forwarded to uvicorn: a graceful shutdown
        _, stderr = proc.communicate(timeout=30)
    # uvicorn shuts down gracefully, then re-raises SIGTERM: 128 + 15, passed through
    assert proc.returncode in (0, 143), stderr
    stats = settled_stats(sim)
    snapshot = json.loads(out.read_text())
    (pool,) = snapshot["pools"]
    assert pool["library"] == "httpx" and pool["client"] == "httpx.AsyncClient"
    assert pool["requests"] == stats["requests"] == 150
    assert pool["connections_opened"] == stats["connections_opened"]
    assert sum(pool["closes"].values()) == sim_closed(stats)
    assert pool["peak_in_flight"] == 50
    (keep,) = [a for a in snapshot["advice"] if a["setting"] == "max_keepalive_connections"]
    assert keep["value"] == 50
    assert keep["why"] in stderr


def test_command_not_found_and_no_command() -> None:
    done = subprocess.run(
        pooltune("--", "no-such-command-pooltune"), capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 127 and "cannot run 'no-such-command-pooltune'" in done.stderr
    done = subprocess.run(pooltune(), capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "give the command after `--`" in done.stderr
