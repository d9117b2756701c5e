"""SIGTERM ends `pooltune recommend` as Ctrl-C does: the stage running stops and the partial
report is written (a supervisor's or a CI job's stop must not lose what was measured)."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


def _as_interrupt(signum: int, frame: FrameType | None) -> None:
    # The same path as Ctrl-C: asyncio.run cancels its main task on SIGINT, then raises
    # KeyboardInterrupt; outside an event loop Python raises it at once.
    os.kill(os.getpid(), signal.SIGINT)


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers belong to the main thread
        return
    previous = signal.signal(signal.SIGTERM, _as_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
