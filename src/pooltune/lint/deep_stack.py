"""Run a function on a thread with a large stack and a high recursion limit.

Valid code can nest deeper than CPython's default limit (1,000 frames) lets libcst and our
visitors walk it: 3,000 chained `and` is a 3,000-deep tree, each level several frames. Such a
file is linted again here instead of losing its findings to a RecursionError.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# The stack is reserved, not committed: only the pages a deep walk touches cost memory.
DEEP_STACK_BYTES = 512 * 1024 * 1024
# About 2 KiB of C stack per Python frame at most: well inside DEEP_STACK_BYTES.
DEEP_RECURSION_LIMIT = 100_000

_deep_lock = threading.Lock()
_THREAD_NAME = "pooltune-deep"


def on_deep_thread() -> bool:
    return threading.current_thread().name == _THREAD_NAME


def on_deep_stack(function: Callable[[], T]) -> T:
    """``function()`` on a fresh thread with DEEP_STACK_BYTES of stack; its exception, if any,
    is raised here."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(function())
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)

    # The limit is per interpreter, not per thread: deep runs take turns (they are rare), and
    # the default limit is back before the caller's thread, on its default stack, goes on.
    with _deep_lock:
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, DEEP_RECURSION_LIMIT))
        previous = threading.stack_size(DEEP_STACK_BYTES)
        try:
            thread = threading.Thread(target=run, name=_THREAD_NAME)
            thread.start()
        finally:
            threading.stack_size(previous)
        thread.join()
        sys.setrecursionlimit(limit)
    if failure:
        raise failure[0]
    return outcome[0]
