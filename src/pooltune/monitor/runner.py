"""The parent side of `pooltune monitor -- COMMAND`: start it with the bootstrap, wait (with
the live view), merge the snapshots its Python processes wrote, summarise, pass the exit code.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

from pooltune.monitor.advice import build_snapshot, summary_text
from pooltune.monitor.model import PoolSnapshot, Snapshot

BOOTSTRAP = Path(__file__).resolve().parent / "_bootstrap"


def child_env(
    folder: str,
    *,
    prometheus_port: int | None,
    prometheus_addr: str,
    otlp: bool,
    interval: float,
    quiet_log: bool = False,
) -> dict[str, str]:
    env = dict(os.environ)
    # The bootstrap first, and pooltune itself importable from the child (an editable or
    # source install may not be on the child's own path, e.g. another virtualenv's python).
    package_root = str(Path(__file__).resolve().parents[2])
    parts = [
        str(BOOTSTRAP),
        package_root,
        *filter(None, env.get("PYTHONPATH", "").split(os.pathsep)),
    ]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(parts))
    env["POOLTUNE_MONITOR_DIR"] = folder
    # for a command that sets its own PYTHONPATH: PYTHONPATH=$POOLTUNE_MONITOR_BOOTSTRAP:...
    env["POOLTUNE_MONITOR_BOOTSTRAP"] = os.pathsep.join(parts[:2])
    env["POOLTUNE_MONITOR_INTERVAL"] = f"{interval:g}"
    if prometheus_port is not None:
        env["POOLTUNE_MONITOR_PROMETHEUS_PORT"] = str(prometheus_port)
        env["POOLTUNE_MONITOR_PROMETHEUS_ADDR"] = prometheus_addr
    if otlp:
        env["POOLTUNE_MONITOR_OTLP"] = "1"
    if quiet_log:
        env["POOLTUNE_MONITOR_QUIET"] = "1"  # the live view shows the advice instead
    return env


def read_snapshots(folder: str) -> Snapshot:
    """Merge what every Python process of the command wrote (one file per pid)."""
    pools: list[PoolSnapshot] = []
    for path in sorted(Path(folder).glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # being replaced right now: the next read gets it
        for raw in data.get("pools", []):
            try:
                pools.append(PoolSnapshot.model_validate(raw))
            except ValueError:
                continue
    return build_snapshot(pools)


NOT_LOADED = (
    "pooltune monitor: no Python process of the command loaded the monitor, so nothing was "
    "measured. A command that sets its own PYTHONPATH (or runs python -I, -E or -S) drops the "
    "bootstrap pooltune puts on it: keep it there, e.g. "
    'PYTHONPATH="$POOLTUNE_MONITOR_BOOTSTRAP:src" python app.py'
)


def bootstrap_loaded(folder: str) -> bool:
    """Whether any process of the command ran the bootstrap (each marks itself at start)."""
    from pooltune.monitor.autoinstrument import LOADED_SUFFIX

    return any(Path(folder).glob(f"*{LOADED_SUFFIX}"))


def _exit_code(returncode: int) -> int:
    return 128 - returncode if returncode < 0 else returncode


def run_monitored(
    command: list[str],
    *,
    json_file: Path | None = None,
    prometheus_port: int | None = None,
    prometheus_addr: str = "127.0.0.1",
    otlp: bool = False,
    live: bool = False,
    interval: float = 1.0,
    quiet: bool = False,
) -> int:
    if otlp:
        otlp = _check_otlp()
    folder = tempfile.mkdtemp(prefix="pooltune-monitor-")
    env = child_env(
        folder,
        prometheus_port=prometheus_port,
        prometheus_addr=prometheus_addr,
        otlp=otlp,
        interval=min(interval, 1.0) if live else interval,
        quiet_log=live,
    )
    try:
        # Under --live, the command's output to the same terminal is printed above the view:
        # written straight to the terminal it would shift the view and leave stale copies.
        forward = live and sys.stderr.isatty()
        out = subprocess.PIPE if forward and sys.stdout.isatty() else None
        err = subprocess.PIPE if forward else None
        if forward:
            env.setdefault("PYTHONUNBUFFERED", "1")  # its lines as they come, not at exit
        try:
            proc = subprocess.Popen(command, env=env, stdout=out, stderr=err)
        except OSError as exc:
            print(f"pooltune monitor: cannot run {command[0]!r}: {exc.strerror}", file=sys.stderr)
            return 127 if isinstance(exc, FileNotFoundError) else 126
        previous = _forward_signals(proc)
        try:
            if live:
                _live(proc, folder, interval)
            returncode = proc.wait()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        snapshot = read_snapshots(folder)
        if json_file is not None:
            _write_json(json_file, snapshot)
        if not quiet:
            loaded = bootstrap_loaded(folder)
            print(summary_text(snapshot) if loaded else NOT_LOADED, file=sys.stderr)
        return _exit_code(returncode)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _write_json(path: Path, snapshot: Snapshot) -> None:
    """Write the snapshot; a failure is one line, and the command's exit code still passes
    through (the path was checked before the command ran, but it may have gone since)."""
    try:
        path.write_text(snapshot.model_dump_json(indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        print(f"pooltune monitor: error: --json {path}: {exc.strerror}", file=sys.stderr)


def _forward_signals(proc: subprocess.Popen[bytes]) -> dict[int, Any]:
    """SIGTERM/SIGHUP go to the child; SIGINT reaches it from the terminal already, so the
    parent only waits for it to finish (as `time` and `env` do)."""
    previous: dict[int, Any] = {}

    def forward(signum: int, frame: Any) -> None:
        if proc.poll() is None:
            proc.send_signal(signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        previous[sig] = signal.signal(sig, forward)
    previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.SIG_IGN)
    return previous


def _live(proc: subprocess.Popen[bytes], folder: str, interval: float) -> None:
    from rich.console import Console
    from rich.live import Live

    from pooltune.monitor.live import LIVE_WIDTH, RateTracker, render

    rates = RateTracker()
    width = min(LIVE_WIDTH, shutil.get_terminal_size().columns)
    console = Console(stderr=True, width=width)
    with Live(
        render(read_snapshots(folder), rates),
        console=console,
        refresh_per_second=4,
        vertical_overflow="crop",
    ) as view:
        pumps = [
            threading.Thread(target=_pump, args=(stream, view.console), daemon=True)
            for stream in (proc.stdout, proc.stderr)
            if stream is not None
        ]
        for pump in pumps:
            pump.start()
        while proc.poll() is None:
            time.sleep(max(interval, 0.25))
            view.update(render(read_snapshots(folder), rates))
        for pump in pumps:
            pump.join(timeout=2.0)
        view.update(render(read_snapshots(folder), rates))


def _pump(stream: IO[bytes], console: Any) -> None:
    """Print the command's lines above the live view (rich keeps the view below them)."""
    from rich.text import Text

    for raw in iter(stream.readline, b""):
        console.print(Text(raw.decode(errors="replace").rstrip("\r\n")), soft_wrap=True)


def _check_otlp() -> bool:
    """Say in one line, before the command starts, what --otlp still needs."""
    import importlib.util

    missing = [
        name
        for name, module in (
            ("opentelemetry-sdk", "opentelemetry.sdk"),
            ("opentelemetry-exporter-otlp", "opentelemetry.exporter.otlp"),
        )
        if _find(module, importlib.util) is None
    ]
    if missing:
        print(
            f"pooltune monitor: --otlp needs {' and '.join(missing)}: pip install "
            f"{' '.join(missing)} (running without OTLP export)",
            file=sys.stderr,
        )
    return not missing


def _find(module: str, util: Any) -> Any:
    try:
        return util.find_spec(module)
    except (ImportError, ValueError):
        return None
