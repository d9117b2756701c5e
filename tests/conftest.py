"""Suite-wide settings shared by the lint, sim and recommend tests.

Modules marked `busy_machine` (the recommend end-to-end tests against real servers and the
simulator) run beside bounded busy loops (tests/busy.py): `busy_loops` in pyproject's pytest
options sets how many (2: two cores' worth of other work, what a busy laptop or a shared CI
runner gives a test), POOLTUNE_BUSY_LOOPS overrides it (`POOLTUNE_BUSY_LOOPS=0` for a quiet
run). What those tests assert must hold either way.

The suite runs on three pytest-xdist workers (pyproject's addopts: `-n 3 --dist loadgroup`;
most of its wall time is end-to-end runs waiting on loopback servers). There the busy_machine
modules form two xdist groups (BUSY_LANES), handed out first as the longest chains, so at most
two of them run at once, and the other workers are the machine's other work: the controller
runs only the loops the workers beside a busy_machine test do not already make (`busy_loops`
minus the other workers, so none at `-n 3`; POOLTUNE_BUSY_LOOPS adds loops on top of them),
from the first busy_machine test's start to the last one's end. Loops on top of three workers
would put four CPU burners on two cores, a machine busier than any the claims are made for.
`-n 0` runs everything in one process, each busy_machine module beside loops of its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.busy import BusyLoops

REPO_ROOT = Path(__file__).resolve().parents[1]
BUSY_ENV = "POOLTUNE_BUSY_LOOPS"
BUSY_GROUP = "busy_machine"  # the xdist groups of the busy_machine modules start with this
# The longest busy_machine module (five real servers, one recommend run each) has a lane of its
# own; the others share the second.
BUSY_LANES = {"test_real_servers.py": f"{BUSY_GROUP}-servers"}
# End-to-end directories: their tests wait on servers for seconds each; started first, they
# do not trail behind the suite's many short tests.
END_TO_END_DIRS = ("recommend", "servers", "sim")


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
    if _xdist_controller(config) and controller_loop_count(config):
        config.pluginmanager.register(SharedBusyLoops(controller_loop_count(config)), "busy-loops")


def _xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _xdist_controller(config: pytest.Config) -> bool:
    dist = getattr(config.option, "dist", "no")
    return dist != "no" and not _xdist_worker(config)


def _is_busy(nodeid: str) -> bool:
    """A busy_machine test as the xdist controller sees it: its group ends the node id."""
    return "@" in nodeid and nodeid.rsplit("@", 1)[1].startswith(BUSY_GROUP)


class SharedBusyLoops:
    """Under xdist, the machine's one set of loops: started (or refreshed) as any busy_machine
    test starts on any worker, stopped once every collected one has finished."""

    def __init__(self, count: int) -> None:
        self.loops = BusyLoops(count)
        self.pending: set[str] | None = None  # busy node ids not finished yet

    def pytest_xdist_node_collection_finished(self, node: object, ids: list[str]) -> None:
        if self.pending is None:  # every worker collects the same ids
            self.pending = {nodeid for nodeid in ids if _is_busy(nodeid)}

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        if _is_busy(nodeid):
            self.loops.refresh()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "teardown" or not _is_busy(report.nodeid) or self.pending is None:
            return
        self.pending.discard(report.nodeid)
        if not self.pending:
            self.loops.stop()

    def pytest_sessionfinish(self) -> None:
        self.loops.stop()


def _start_order(item: pytest.Item) -> int:
    if item.get_closest_marker("busy_machine") is not None:
        return 0
    return 1 if item.path.parent.name in END_TO_END_DIRS else 2


@pytest.hookimpl(tryfirst=True)  # before xdist's, which reads xdist_group into the node ids
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("busy_machine") is not None:
            lane = BUSY_LANES.get(item.path.name, f"{BUSY_GROUP}-sim")
            item.add_marker(pytest.mark.xdist_group(lane))
    # stable: each module's tests stay together and in pytest's order (module fixtures)
    items.sort(key=_start_order)


def busy_loop_count(config: pytest.Config) -> int:
    raw = os.environ.get(BUSY_ENV) or str(config.getini("busy_loops") or "0")
    try:
        return max(0, int(raw))
    except ValueError:
        raise pytest.UsageError(f"{BUSY_ENV}={raw!r}: expected a number of busy loops") from None


def controller_loop_count(config: pytest.Config) -> int:
    """Under xdist, the loops beside the workers: an explicit POOLTUNE_BUSY_LOOPS is added on
    top of them; the ini's count is what the other workers (each one core's worth of tests)
    do not already make."""
    if os.environ.get(BUSY_ENV):
        return busy_loop_count(config)
    raw = getattr(config.option, "numprocesses", 0) or 0
    workers = raw if isinstance(raw, int) else os.cpu_count() or 1  # "auto"/"logical"
    return max(0, busy_loop_count(config) - max(0, workers - 1))


def pytest_report_header(config: pytest.Config) -> str:
    count = busy_loop_count(config)
    if _xdist_controller(config):
        others = count - controller_loop_count(config)
        return (
            f"busy loops beside busy_machine modules: {controller_loop_count(config)} "
            f"({BUSY_ENV}) and {max(0, others)} other workers' tests"
        )
    return f"busy loops beside busy_machine modules: {count} ({BUSY_ENV})"


_busy: list[BusyLoops] = []  # the loops of the module running now, if marked


@pytest.fixture(scope="module", autouse=True)
def _busy_machine(request: pytest.FixtureRequest) -> Iterator[None]:
    count = busy_loop_count(request.config)
    if _xdist_worker(request.config):  # the controller runs the machine's loops
        count = 0
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
