"""`pooltune monitor --live`: the view fits 80 columns (no header or cell cut with "…"), and in
a real terminal (tmux, 120 columns) the command's own output goes above it, leaving no stale
copies of the view behind."""

from __future__ import annotations

import io
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from pooltune.monitor.live import LIVE_WIDTH, RateTracker, render
from pooltune.monitor.model import Snapshot
from pooltune.sim import SimHandle

SNAPSHOT = Path(__file__).parent / "snapshots" / "live_80.txt"
APPS = Path(__file__).parent / "apps"

POOL = {
    "library": "httpx",
    "client": "openai.AsyncOpenAI",
    "name": "embeddings",
    "origin": "https://api.example.com:443",
    "limits": {"max_connections": 100, "max_keepalive_connections": 20, "keepalive_expiry": 5.0},
    "requests": 12345,
    "connections_opened": 40,
    "reused": 12000,
    "reuse_failures": 2,
    "pool_timeouts": 3,
    "peak_in_flight": 50,
    "open": {"active": 20, "idle": 0},
    "wait_s": {"p50": 0.0123, "p90": 0.2, "p99": 1.234},
    "requests_per_connection": {"p50": 10, "max": 300},
    "closes": {"idle_expiry": 1, "server": 2, "error": 0},
    "in_flight": 47,
    "waiting": 27,
    "errors": 5,
    "stuck": True,
}
ADVICE = {
    "setting": "max_keepalive_connections",
    "value": 50,
    "why": "peak 47 requests in flight with a keep-alive pool of 20: 58% of requests opened a "
    "new connection; set max_keepalive_connections=50",
    "pool": "openai.AsyncOpenAI [embeddings] https://api.example.com:443",
}


def _text(snapshot: Snapshot, width: int) -> str:
    console = Console(width=width, file=io.StringIO(), record=True)
    console.print(render(snapshot, RateTracker()))
    return "\n".join(line.rstrip() for line in console.export_text().splitlines()) + "\n"


def test_the_view_fits_80_columns_and_cuts_nothing() -> None:
    snapshot = Snapshot.model_validate({"pools": [POOL], "advice": [ADVICE]})
    text = _text(snapshot, LIVE_WIDTH)
    assert max(len(line) for line in text.splitlines()) <= LIVE_WIDTH
    assert "…" not in text
    for header in ("flight", "queued", "act/idle", "p50/p99", "conn", "requests", "errors"):
        assert header in text
    if os.environ.get("POOLTUNE_UPDATE_SNAPSHOTS") or not SNAPSHOT.exists():
        SNAPSHOT.write_text(text)
    assert text == SNAPSHOT.read_text()


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
def test_in_a_120_column_terminal_no_stale_copies_pile_up(sim: SimHandle, tmp_path: Path) -> None:
    session = f"pooltune-live-{os.getpid()}"
    rc_file = tmp_path / "rc"
    monitor = [sys.executable, "-m", "pooltune", "monitor", "--live", "--interval", "0.25"]
    command = shlex.join([*monitor, "--", sys.executable, str(APPS / "plain_script.py")])
    env = " ".join(
        f"{k}={shlex.quote(v)}"
        for k, v in {
            "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
            "SIM_URL": sim.url,
            "SIM_CA": sim.ca_bundle or "",
        }.items()
    )
    shell = f"env {env} {command}; echo $? > {shlex.quote(str(rc_file))}; sleep 60"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "50", shell], check=True
    )
    try:
        deadline = time.monotonic() + 60
        while not rc_file.exists() or not rc_file.read_text().strip():
            assert time.monotonic() < deadline, "the monitored script did not finish"
            time.sleep(0.2)
        screen = subprocess.run(
            ["tmux", "capture-pane", "-p", "-S", "-200", "-t", session],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)
    assert rc_file.read_text().strip() == "3"
    lines = screen.splitlines()
    assert lines.count("pooltune monitor") == 1, screen
    assert "script done" in lines, screen  # the command's own line, above the view
    assert lines.index("script done") < lines.index("pooltune monitor"), screen
    assert "…" not in screen
    view = lines[lines.index("pooltune monitor") : lines.index("pooltune monitor") + 12]
    assert max(len(line.rstrip()) for line in view) <= LIVE_WIDTH, screen
