"""The parent's collector while it gathers the workers' summaries: off, then what was gathered
frozen until the run ends, and someone else's freeze left alone."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from pooltune.lint.runner import lint_files
from pooltune.lint.workers import Gathering


@pytest.fixture
def collector() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.enable()
    yield
    gc.unfreeze()
    if not enabled:
        gc.disable()


def test_off_while_gathering_then_frozen_until_released(collector: None) -> None:
    gathering = Gathering()
    gathering.start()
    assert not gc.isenabled()
    gathered = [[n] for n in range(1000)]
    gathering.stop()
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(gathered)
    gathering.release()
    assert gc.get_freeze_count() == 0
    assert gc.isenabled()


def test_someone_elses_freeze_is_left_alone(collector: None) -> None:
    gc.freeze()
    frozen = gc.get_freeze_count()
    gathering = Gathering()
    gathering.start()
    gathering.stop()
    gathering.release()
    assert gc.isenabled()
    # neither frozen again nor thawed (that would be 0); frozen objects are still freed by
    # reference counting, so another thread of the process may lower the count a little
    assert frozen // 2 <= gc.get_freeze_count() <= frozen


def test_nothing_changes_when_collection_was_off(collector: None) -> None:
    gc.disable()
    gathering = Gathering()
    gathering.start()
    gathering.release()
    assert not gc.isenabled()
    assert gc.get_freeze_count() == 0
    gc.enable()


def test_a_parallel_run_leaves_the_collector_as_it_found_it(
    collector: None, tmp_path: Path
) -> None:
    files = []
    for index in range(30):  # over PARALLEL_THRESHOLD: the workers and the gathering
        path = tmp_path / f"m{index}.py"
        path.write_text("import requests\n\ndef f(u):\n    return requests.get(u)\n")
        files.append(str(path))
    run = lint_files(files, dict.fromkeys(files, frozenset({"POOL003"})), None, jobs=2)
    assert [(f.code, f.location.row) for f in run.findings] == [("POOL003", 4)] * 30
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
