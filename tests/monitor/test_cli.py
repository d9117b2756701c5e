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
import pytest

from pooltune.sim import SimHandle, reset_stats

from .conftest import settled_stats, sim_closed

APPS = Path(__file__).parent / "apps"


def env_for(sim: SimHandle) -> dict[str, str]:
    return {**os.environ, "SIM_URL": sim.url, "SIM_CA": sim.ca_bundle or ""}


def pooltune(*args: str) -> list[str]:
    return [sys.executable, "-m", "pooltune", "monitor", *args]


class ScriptRun:
    """`pooltune monitor --json F --live -- python plain_script.py`, started in the background
    (its idle pause then overlaps the uvicorn test) and collected by its own test."""

    def __init__(self, sim: SimHandle, folder: Path) -> None:
        reset_stats(sim)
        self.sim = sim
        self.out = folder / "snapshot.json"
        script = str(APPS / "plain_script.py")
        self.proc = subprocess.Popen(
            [*pooltune("--json", str(self.out), "--live", "--"), sys.executable, script],
            env={**env_for(sim), "COLUMNS": "200"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def result(self) -> tuple[int, str, str]:
        stdout, stderr = self.proc.communicate(timeout=60)
        return self.proc.returncode, stdout, stderr


@pytest.fixture(scope="module")
def script_run(sim_idle2: SimHandle, tmp_path_factory: pytest.TempPathFactory) -> ScriptRun:
    return ScriptRun(sim_idle2, tmp_path_factory.mktemp("script"))


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


def test_fastapi_under_uvicorn(sim_slow: SimHandle, tmp_path: Path, script_run: ScriptRun) -> None:
    """300 ms per request, so the 50 calls at once are really concurrent at the server."""
    sim = sim_slow
    reset_stats(sim)
    out = tmp_path / "snapshot.json"
    port, metrics_port = free_port(), free_port()
    proc = subprocess.Popen(
        [
            *pooltune("--json", str(out), "--prometheus-port", str(metrics_port), "--"),
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
        metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics").text
        assert 'pooltune_pool_requests_total{library="httpx"' in metrics
        assert "http_client_open_connections{" in metrics
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


def test_plain_script_exit_code_summary_json_and_live_view(script_run: ScriptRun) -> None:
    returncode, stdout, stderr = script_run.result()
    assert returncode == 3, stderr
    assert stdout.strip() == "script done"
    stats = settled_stats(script_run.sim)
    snapshot = json.loads(script_run.out.read_text())
    (pool,) = snapshot["pools"]
    assert pool["library"] == "httpx2" and pool["client"] == "httpx2.AsyncClient"
    assert pool["requests"] == stats["requests"] == 50
    assert pool["connections_opened"] == stats["connections_opened"]
    assert pool["closes"]["server"] == stats["connections_closed_idle"] == 20
    assert sum(pool["closes"].values()) == sim_closed(stats)
    (expiry,) = [a for a in snapshot["advice"] if a["setting"] == "keepalive_expiry"]
    assert 0 < expiry["value"] < 2
    # the summary and the live table go to stderr; the command's own output is untouched
    assert "pooltune monitor: 1 pool(s)" in stderr
    assert f"50 requests, {stats['connections_opened']} connections opened" in stderr
    assert expiry["why"] in stderr
    for column in ("flight", "act/idle", "p50/p99", "conn", "errors"):  # two-line headers
        assert column in stderr


def test_command_not_found_and_no_command() -> None:
    done = subprocess.run(
        pooltune("--", "no-such-command-pooltune"), capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 127 and "cannot run 'no-such-command-pooltune'" in done.stderr
    done = subprocess.run(pooltune(), capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "give the command after `--`" in done.stderr
