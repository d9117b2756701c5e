"""A stopped `pooltune lint` takes its worker processes with it, whatever stops it.

The workers block on the job pipe (and hold both of its ends), so nothing but the run itself
or the kernel can end them. Each case starts a real lint with workers, stops it, and checks
that no worker outlives it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

PER_CALL = "def f{i}(url):\n    with httpx.Client(timeout=5) as c:\n        return c.get(url)\n"
FILES = 40  # above the runner's PARALLEL_THRESHOLD (24): the run starts worker processes
WAIT_S = 60.0


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


def _wait_for(predicate: object, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def busy_project(project: Path) -> Path:
    body = "import httpx\n" + "".join(PER_CALL.format(i=i) for i in range(400))
    for n in range(FILES):
        (project / f"m{n}.py").write_text(body)
    return project


def _start(project: Path) -> tuple[subprocess.Popen[str], set[int]]:
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc to see the worker processes")
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one CPU: the run starts no worker processes")
    proc = subprocess.Popen(
        [sys.executable, "-m", "pooltune", "lint", "--no-cache", "."],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a shell job has
    )
    workers: set[int] = set()

    def started() -> bool:
        workers.update(_children(proc.pid))
        return len(workers) >= 2 or proc.poll() is not None

    _wait_for(started, "the worker processes")
    assert proc.poll() is None, proc.communicate()
    return proc, workers


def _reap(proc: subprocess.Popen[str], workers: set[int]) -> None:
    for pid in _alive(workers):  # a failed test must not leave them behind either
        os.kill(pid, signal.SIGKILL)
    if proc.poll() is None:
        proc.kill()
    proc.communicate()


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["TERM", "INT"]
)
def test_a_signal_stops_the_run_and_its_workers(
    busy_project: Path, signum: signal.Signals, code: int
) -> None:
    proc, workers = _start(busy_project)
    try:
        os.killpg(proc.pid, signum)  # Ctrl-C reaches the whole group; so may a SIGTERM
        stdout, stderr = proc.communicate(timeout=WAIT_S)
        assert proc.returncode == code, stderr
        assert stderr.strip().splitlines()[-1] == (
            f"pooltune: stopped by {signum.name}; nothing reported"
        )
        assert "Traceback" not in stderr and stdout == ""
        _wait_for(lambda: not _alive(workers), "the workers to end")
    finally:
        _reap(proc, workers)


def test_sigterm_to_the_parent_alone_stops_its_workers(busy_project: Path) -> None:
    proc, workers = _start(busy_project)
    try:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=WAIT_S)
        assert proc.returncode == 143
        _wait_for(lambda: not _alive(workers), "the workers to end")
    finally:
        _reap(proc, workers)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_workers_end_even_when_the_parent_is_killed(busy_project: Path) -> None:
    proc, workers = _start(busy_project)
    try:
        proc.kill()  # SIGKILL: no handler of ours runs; the kernel tells the workers
        proc.communicate(timeout=WAIT_S)
        _wait_for(lambda: not _alive(workers), "the workers to end")
    finally:
        _reap(proc, workers)
