"""Bounded busy loops: CPU burners beside a test, to prove it holds on a busy machine.

Each loop is a subprocess that spins on one core and stops by itself: at its lifetime bound,
when its parent process goes away, or when stopped. `BusyLoops` keeps N of them running and
replaces one whose end is near (`refresh`), so a long test module never runs an unbounded loop
and never runs beside an expired one.

    with BusyLoops(2) as busy:
        ...  # two cores' worth of other work on the machine
        busy.refresh()

The suite turns them on for modules marked `busy_machine` (tests/conftest.py): the number comes
from the `busy_loops` ini option (pyproject: 2, so CI and the README command run those tests
busy), and the POOLTUNE_BUSY_LOOPS environment variable overrides it (0: quiet).
bench/recommend_stability.py uses the same class.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass, field

LOOP_LIFETIME_S = 240.0  # a loop stops by itself after this, whatever happens to its parent
REFRESH_MARGIN_S = 150.0  # a loop with less life left than this is replaced by `refresh`

# Spins until its deadline or until its parent is gone (re-parented: getppid changes).
_LOOP = """
import os, sys, time
end = time.monotonic() + float(sys.argv[1])
parent = os.getppid()
n = 0
while time.monotonic() < end:
    n += 1
    if n % 100000 == 0 and os.getppid() != parent:
        break
"""


@dataclass
class _Loop:
    process: subprocess.Popen[bytes]
    ends_at: float


@dataclass
class BusyLoops:
    count: int
    lifetime_s: float = LOOP_LIFETIME_S
    loops: list[_Loop] = field(default_factory=list)

    def __enter__(self) -> BusyLoops:
        self.refresh()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _start_one(self) -> _Loop:
        process = subprocess.Popen(
            [sys.executable, "-c", _LOOP, str(self.lifetime_s)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return _Loop(process, time.monotonic() + self.lifetime_s)

    def refresh(self, margin_s: float = REFRESH_MARGIN_S) -> None:
        """Keep `count` loops running, each with at least `margin_s` of life left."""
        margin_s = min(margin_s, 0.5 * self.lifetime_s)
        now = time.monotonic()
        kept = []
        for loop in self.loops:
            if loop.process.poll() is None and loop.ends_at - now >= margin_s:
                kept.append(loop)
            else:
                _end(loop.process)
        while len(kept) < self.count:
            kept.append(self._start_one())
        self.loops = kept

    def running(self) -> int:
        return sum(1 for loop in self.loops if loop.process.poll() is None)

    def stop(self) -> None:
        for loop in self.loops:
            _end(loop.process)
        self.loops = []


def _end(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
