"""The lint worker processes end with the run that started them.

A worker blocks reading the job pipe, and holds both of its ends, so it never sees the parent
go: a parent killed by SIGTERM (or SIGKILL) would leave its workers waiting forever. On Linux
each worker asks the kernel to kill it when its parent dies; and on SIGTERM, as on Ctrl-C, the
parent kills its workers before it exits. A stopped run reports
nothing: half a run's findings would read as a pass for the files it never reached.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType

# The trees we build are large and mostly acyclic: collecting every 700 allocations (CPython's
# default) costs a quarter of phase one. A larger first generation keeps the cycles collected.
GC_THRESHOLDS = (10_000, 10, 10)
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


@contextlib.contextmanager
def collected_after() -> Iterator[None]:
    """No automatic collection while one file is read, one collection of the youngest
    generation after it.

    A file's trees (libcst's especially: millions of objects for a large module) are built
    while the collector runs, so every node is scanned by the young generations' collections
    and again by the full ones as the tree grows: a quarter of phase two's time. Almost all of
    it is freed by reference counting when the file is done; what the file left in cycles is
    still all in the youngest generation (nothing was collected meanwhile), so one collection
    of that generation, once, reclaims it. Nothing changes if collection was already off."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)


class Gathering:
    """The collector off while the parent gathers and joins the workers' summaries, and what
    that left alive frozen until the run ends.

    The summaries are millions of small objects, none in a cycle, and they only grow: every
    full collection scans all of them again (a third of unpickling and joining
    bench/realcode's summaries), and so would the first collections after it (a second on
    bench/realcode). Unpickling and joining leave no cyclic garbage; frozen objects are still
    freed by reference counting. Started only while no file is parsed in this process; workers
    started meanwhile turn collection back on (:func:`init_worker`). Someone else's freeze
    (``gc.freeze()`` before forking) is left alone: then nothing is frozen or thawed here."""

    def __init__(self) -> None:
        self.paused = False
        self.frozen = False

    def start(self) -> None:
        if gc.isenabled():
            gc.disable()
            self.paused = True

    def stop(self) -> None:
        """Collection back on, the gathered objects frozen."""
        if not self.paused:
            return
        if gc.get_freeze_count() == 0:
            gc.freeze()
            self.frozen = True
        gc.enable()
        self.paused = False

    def release(self) -> None:
        """At the end of the run: nothing of ours frozen any more."""
        self.stop()
        if self.frozen:
            gc.unfreeze()
            self.frozen = False


def init_worker(parent: int, forked: bool) -> None:
    """Runs first in each worker process; ``parent`` is the lint run's pid, ``forked`` whether
    the worker is its direct child (the fork start method; forkserver's parent is the server,
    which ends with the run)."""
    gc.set_threshold(*GC_THRESHOLDS)
    gc.enable()  # forked while the parent gathers with collection off (Gathering)
    # Ctrl-C, or a SIGTERM to the process group, reaches the workers too: the parent stops
    # them (they would otherwise die under the pool's feet, and it prints a traceback).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes  # here: the parent, and a warm run that starts no worker, never need it

        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    # The parent may have died before the request above took effect: then this process has
    # been handed to another (a dead parent may still answer kill(pid, 0) as a zombie).
    if forked and os.getppid() != parent:
        os._exit(1)


def stop_workers() -> None:
    """Kill this process's worker processes (the lint run starts no other children)."""
    import multiprocessing

    for child in multiprocessing.active_children():
        child.kill()
    for child in multiprocessing.active_children():
        child.join(timeout=5)


@contextlib.contextmanager
def stopped_by_signals() -> Iterator[None]:
    """Inside, SIGTERM or SIGINT kills the workers, says so in one line and exits 128 + signal
    at once, with nothing reported (no cache written either).

    The handler does it all itself rather than raise: Python may run it inside a callback that
    swallows exceptions (one of logging's at-fork hooks, as a worker process starts), and the
    stop would be lost."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals are delivered to the main thread only
        return
    owner = os.getpid()

    def stop(signum: int, frame: FrameType | None) -> None:
        if os.getpid() != owner:
            return  # a worker forked with this handler, before init_worker replaced it
        stop_workers()
        name = signal.Signals(signum).name
        os.write(2, f"pooltune: stopped by {name}; nothing reported\n".encode())
        os._exit(128 + signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    except BaseException:
        stop_workers()
        raise
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
