"""Suite-wide settings shared by the lint, sim and recommend tests.

Modules marked `busy_machine` (the recommend end-to-end tests against real servers and the
simulator) run beside bounded busy loops (tests/busy.py): `busy_loops` in pyproject's pytest
options sets how many (2: two cores' worth of other work, what a busy laptop or a shared CI
runner gives a test), POOLTUNE_BUSY_LOOPS overrides it (`POOLTUNE_BUSY_LOOPS=0` for a quiet
run). What those tests assert must hold either way.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.busy import BusyLoops

REPO_ROOT = Path(__file__).resolve().parents[1]
BUSY_ENV = "POOLTUNE_BUSY_LOOPS"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "busy_loops",
        "bounded CPU-burning processes to run beside modules marked busy_machine",
        default="0",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "busy_machine: run beside the configured busy loops (tests/busy.py)"
    )


def busy_loop_count(config: pytest.Config) -> int:
    raw = os.environ.get(BUSY_ENV) or str(config.getini("busy_loops") or "0")
    try:
        return max(0, int(raw))
    except ValueError:
        raise pytest.UsageError(f"{BUSY_ENV}={raw!r}: expected a number of busy loops") from None


def pytest_report_header(config: pytest.Config) -> str:
    return f"busy loops beside busy_machine modules: {busy_loop_count(config)} ({BUSY_ENV})"


_busy: list[BusyLoops] = []  # the loops of the module running now, if marked


@pytest.fixture(scope="module", autouse=True)
def _busy_machine(request: pytest.FixtureRequest) -> Iterator[None]:
    count = busy_loop_count(request.config)
    if not count or request.node.get_closest_marker("busy_machine") is None:
        yield
        return
    with BusyLoops(count) as busy:
        _busy.append(busy)
        try:
            yield
        finally:
            _busy.remove(busy)


@pytest.fixture(autouse=True)
def _busy_refresh() -> None:
    """Before each test of a busy module: every loop has a few minutes of life left."""
    for busy in _busy:
        busy.refresh()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT
