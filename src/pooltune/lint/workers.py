"""The lint worker processes end with the run that started them.

A worker blocks reading the job pipe, and holds both of its ends, so it never sees the parent
go: a parent killed by SIGTERM (or SIGKILL) would leave its workers waiting forever. On Linux
each worker asks the kernel to kill it when its parent dies; and the parent turns SIGTERM, as
Ctrl-C, into an exception that kills its workers before it exits. A stopped run reports
nothing: half a run's findings would read as a pass for the files it never reached.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
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


class Stopped(BaseException):
    """The run was stopped by a signal; ``exit_code`` is the shell's 128 + signal number. A
    BaseException, as KeyboardInterrupt is: no `except Exception` of a file's lint takes it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.exit_code = 128 + signum


def init_worker(parent: int) -> None:
    """Runs first in each worker process."""
    gc.set_threshold(*GC_THRESHOLDS)
    # Ctrl-C, or a SIGTERM to the process group, reaches the workers too: the parent stops
    # them (they would otherwise die under the pool's feet, and it prints a traceback).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request above took effect
        os._exit(1)


def stop_workers() -> None:
    """Kill this process's worker processes (the lint run starts no other children)."""
    for child in multiprocessing.active_children():
        child.kill()
    for child in multiprocessing.active_children():
        child.join(timeout=5)


def _quiet(args: threading.ExceptHookArgs) -> None:
    del args


@contextlib.contextmanager
def stopped_by_signals() -> Iterator[None]:
    """SIGTERM or SIGINT inside stops the workers, says so in one line and exits 128 + signal
    at once, with nothing reported (no cache written either)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals are delivered to the main thread only
        return

    owner = os.getpid()

    def stop(signum: int, frame: FrameType | None) -> None:
        if os.getpid() != owner:
            return  # a worker forked with this handler, before init_worker replaced it
        # The pool's manager thread will see its workers killed, and may trip over futures
        # the stop cancelled (CPython 3.11): nothing a thread says from here on is news.
        threading.excepthook = _quiet
        raise Stopped(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    except Stopped as stopped:
        stop_workers()
        print(f"pooltune: stopped by {stopped}; nothing reported", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(stopped.exit_code)  # now: the interpreter's shutdown would wait for the pool
    except BaseException:
        stop_workers()
        raise
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
