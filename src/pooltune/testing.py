"""pytest plugin: start `pooltune sim` from your own tests (the pytest11 entry point).

    def test_my_client_survives_idle_closes(pooltune_sim):
        sim = pooltune_sim(idle_timeout=5, concurrency_limit=20)
        client = make_my_client(base_url=sim.url, verify=sim.verify)  # an ssl.SSLContext
        ...

The factory takes `SimSettings` fields as keywords (`subprocess=True` runs it in its own process,
so it does not share your test's CPU); every simulator it started is stopped at teardown.
Imports stay inside the fixture: pytest loads this module in every run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pooltune.sim import SimHandle


@pytest.fixture
def pooltune_sim() -> Iterator[Callable[..., SimHandle]]:
    """A factory: ``pooltune_sim(**knobs) -> SimHandle`` (url, ca_bundle, truth, pid)."""
    from pooltune.sim import SimSettings, run_sim_in_thread, start_sim_process

    with ExitStack() as stack:

        def start(*, subprocess: bool = False, **knobs: Any) -> SimHandle:
            settings = SimSettings(**knobs)
            runner = start_sim_process if subprocess else run_sim_in_thread
            return stack.enter_context(runner(settings))

        yield start
