"""Start a simulator in a subprocess or a background thread, and talk to its /_sim endpoints."""

from __future__ import annotations

import asyncio
import json
import os
import select
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pooltune.sim.settings import SimSettings

START_TIMEOUT_S = 30.0


class SimStartError(RuntimeError):
    """The simulator did not come up; the message says why in one line."""


@dataclass
class SimHandle:
    url: str
    ca_bundle: str | None
    pid: int
    truth: dict[str, Any]
    settings: SimSettings = field(repr=False, default_factory=SimSettings)

    @property
    def verify(self) -> ssl.SSLContext | bool:
        """What to pass as httpx's ``verify=`` (an SSL context: `verify=<path>` is deprecated)."""
        return ssl.create_default_context(cafile=self.ca_bundle) if self.ca_bundle else True


# The control calls below are rare and one-shot; a client kept on the handle would outlive the
# simulator, so each builds its own on purpose.


def fetch_stats(sim: SimHandle) -> dict[str, Any]:
    import httpx

    with httpx.Client(verify=sim.verify, timeout=10.0) as client:  # noqa: POOL001
        stats: dict[str, Any] = client.get(f"{sim.url}/_sim/stats").json()
        return stats


def reset_stats(sim: SimHandle) -> None:
    import httpx

    with httpx.Client(verify=sim.verify, timeout=10.0) as client:  # noqa: POOL001
        client.post(f"{sim.url}/_sim/reset").raise_for_status()


@contextmanager
def start_sim_process(settings: SimSettings | None = None) -> Iterator[SimHandle]:
    """`python -m pooltune sim ...` as a subprocess (its own core); stopped on exit."""
    settings = settings or SimSettings()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pooltune", "sim", *settings.cli_args()],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    try:
        line = _read_startup_line(proc)
        info = json.loads(line)
        yield SimHandle(info["url"], info["ca_bundle"], info["pid"], info["truth"], settings)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def _read_startup_line(proc: subprocess.Popen[bytes]) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + START_TIMEOUT_S
    fd = proc.stdout.fileno()
    buffer = b""
    while b"\n" not in buffer:
        left = deadline - time.monotonic()
        if left <= 0:
            raise SimStartError(f"pooltune sim did not start within {START_TIMEOUT_S:.0f} s")
        ready, _, _ = select.select([fd], [], [], min(left, 0.5))
        if ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                err = proc.stderr.read().decode(errors="replace").strip() if proc.stderr else ""
                last = err.splitlines()[-1] if err else f"exit code {proc.wait()}"
                raise SimStartError(f"pooltune sim exited at start-up: {last}")
            buffer += chunk
    return buffer.split(b"\n", 1)[0].decode()


@contextmanager
def run_sim_in_thread(settings: SimSettings | None = None) -> Iterator[SimHandle]:
    """The same server in a background thread's event loop (fast start, for tests)."""
    from pooltune.sim.server import StartupInfo, serve

    settings = settings or SimSettings()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    ready = threading.Event()
    started: list[StartupInfo] = []
    failure: list[BaseException] = []

    def on_ready(info: StartupInfo) -> None:
        started.append(info)
        ready.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(serve(settings, stop, on_ready, os.getpid()))
        except BaseException as exc:  # reported to the caller below
            failure.append(exc)
            ready.set()
        finally:
            loop.close()

    thread = threading.Thread(target=run, name="pooltune-sim", daemon=True)
    thread.start()
    if not ready.wait(START_TIMEOUT_S) or failure:
        raise SimStartError(f"pooltune sim did not start: {failure[0] if failure else 'timeout'}")
    info = started[0]
    try:
        yield SimHandle(info.url, info.ca_bundle, info.pid, info.truth, settings)
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=10)
