"""The prober watches itself: its event loop's lag, and the machine's load and CPU steal.

A load generator that runs out of CPU, or waits for a core another process holds, measures
itself: its requests start late and its throughput flattens whatever the server does (GuideLLM
and k6 tell their users the same: the client must not be the bottleneck). Each level records
how late a short ticker woke up (the loop's lag) and, from /proc, what the machine was doing.
Measuring only; pooltune.tune decides what a reading means.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

TICK_S = 0.01  # the ticker sleeps 10 ms; how much later it wakes up is the loop's lag
MAX_TICKS = 20_000  # a ticker keeps at most this many readings (200 s of a level at 10 ms)

_PROC_STAT = Path("/proc/stat")
_PROC_LOADAVG = Path("/proc/loadavg")


def p99(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


class LoopLag:
    """A task that sleeps TICK_S again and again and records the overshoot, in ms."""

    def __init__(self) -> None:
        self.lags_ms: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while len(self.lags_ms) < MAX_TICKS:
            before = time.perf_counter()
            await asyncio.sleep(TICK_S)
            self.lags_ms.append(max(0.0, (time.perf_counter() - before - TICK_S) * 1000))

    def start(self) -> LoopLag:
        self._task = asyncio.ensure_future(self._tick())
        return self

    async def stop(self) -> float | None:
        """Stop ticking; the p99 lag in ms (None when it never ticked)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        value = p99(self.lags_ms)
        return None if value is None else round(value, 2)


@dataclass(frozen=True)
class CpuTimes:
    """Jiffies of the whole machine (/proc/stat's first line)."""

    total: int
    steal: int


def cpu_times() -> CpuTimes | None:
    """None where /proc/stat does not exist (not Linux) or cannot be read."""
    try:
        first = _PROC_STAT.read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    if not first or first[0] != "cpu":
        return None
    fields = [int(v) for v in first[1:]]
    # user nice system idle iowait irq softirq steal [guest guest_nice, counted in user]
    return CpuTimes(total=sum(fields[:8]), steal=fields[7] if len(fields) > 7 else 0)


def steal_share(before: CpuTimes | None, after: CpuTimes | None) -> float | None:
    """Share of the machine's CPU time the hypervisor gave to others between two readings."""
    if before is None or after is None or after.total <= before.total:
        return None
    return round((after.steal - before.steal) / (after.total - before.total), 4)


def load_1m() -> float | None:
    try:
        return float(_PROC_LOADAVG.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def cores() -> int:
    """Cores this process may run on (the affinity mask where there is one)."""
    with contextlib.suppress(AttributeError, OSError):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@dataclass
class MachineWatch:
    """Readings of the machine around one level (taken in the parent process)."""

    before: CpuTimes | None = None

    def start(self) -> MachineWatch:
        self.before = cpu_times()
        return self

    def stop(self) -> tuple[float | None, float | None]:
        """(load_1m, steal share) over the level."""
        return load_1m(), steal_share(self.before, cpu_times())
