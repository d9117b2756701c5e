"""The result cache is looked up by path and stat (ruff's way); the content hash only confirms."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pooltune.lint import runner
from pooltune.lint.runner import lint_files

BAD = "import requests\n\ndef f():\n    return requests.get('https://x')\n"
GOOD = "import requests\n\ndef f():\n    return requests.get('https://x', timeout=3)\n"
CODES = frozenset({"POOL003"})


def _age(path: Path, seconds: float = 60) -> None:
    """Older than the cache's "just modified" window, as files usually are."""
    old = time.time() - seconds
    os.utime(path, (old, old))


def _lint(project: Path, files: list[Path], codes: frozenset[str] = CODES) -> runner.LintRun:
    names = [str(f) for f in files]
    return lint_files(names, dict.fromkeys(names, codes), project)


def _refuse_reads_under(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if folder in self.parents:
            pytest.fail(f"{self} was read")
        return read(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)


def test_an_unchanged_file_is_answered_from_its_stat_alone(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = project / "bad.py"
    bad.write_text(BAD)
    _age(bad)
    first = _lint(project, [bad])
    assert [f.code for f in first.findings] == ["POOL003"] and first.from_cache == 0

    _refuse_reads_under(project, monkeypatch)
    second = _lint(project, [bad])
    assert second.from_cache == 1
    assert second.findings == first.findings


def test_a_touched_but_unchanged_file_is_confirmed_by_hash_not_relinted(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = project / "bad.py"
    bad.write_text(BAD)
    _age(bad, 120)
    first = _lint(project, [bad])
    _age(bad, 30)  # a checkout or `touch`: new mtime, same bytes
    monkeypatch.setattr(runner, "_summarize_one", lambda task: pytest.fail("re-summarized"))
    monkeypatch.setattr(runner, "_lint_one", lambda task: pytest.fail("re-linted"))
    assert _lint(project, [bad]).findings == first.findings
    _refuse_reads_under(project, monkeypatch)
    assert _lint(project, [bad]).from_cache == 1  # the new stat was recorded


def test_a_changed_file_is_linted_again_even_with_the_same_stat(project: Path) -> None:
    """Same size and mtime (a rewrite within the timestamp granularity): the hash decides."""
    bad = project / "bad.py"
    bad.write_text(BAD[:-1] + " " * (len(GOOD) - len(BAD)) + "\n")  # as long as GOOD
    stat = bad.stat()
    assert _lint(project, [bad]).findings
    bad.write_text(GOOD)
    os.utime(bad, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert bad.stat().st_size == stat.st_size
    assert _lint(project, [bad]).findings == []


def test_other_settings_miss_the_cache(project: Path) -> None:
    bad = project / "bad.py"
    bad.write_text(BAD)
    _age(bad)
    _lint(project, [bad])
    assert _lint(project, [bad], frozenset({"POOL001"})).from_cache == 0
    assert _lint(project, [bad]).from_cache == 1


def test_a_warm_run_does_not_import_the_engine(project: Path) -> None:
    (project / "bad.py").write_text(BAD)
    _age(project / "bad.py")
    code = (
        "import sys\n"
        "from pooltune.cli import main\n"
        "sys.argv = ['pooltune', 'lint', 'bad.py']\n"
        "try:\n    main()\n"
        "except SystemExit:\n    pass\n"
        "print('libcst' in sys.modules)\n"
    )
    run = [sys.executable, "-c", code]
    cold = subprocess.run(run, cwd=project, capture_output=True, text=True, timeout=60)
    warm = subprocess.run(run, cwd=project, capture_output=True, text=True, timeout=60)
    assert cold.stdout.splitlines()[-1] == "True"
    assert warm.stdout.splitlines()[-1] == "False", warm.stderr
    assert warm.stdout.splitlines()[:-1] == cold.stdout.splitlines()[:-1]


FACTORY = "import requests\n\ndef get_session():\n    return requests.Session()\n"
NOT_A_FACTORY = "def get_session():\n    return 'not a session'\n"
HANDLER = (
    "from fastapi import FastAPI\nfrom .http import get_session\n\napp = FastAPI()\n\n"
    "@app.get('/')\ndef index():\n    with get_session() as s:\n"
    "        return s.get('https://x', timeout=3).text\n"
)


def _package(project: Path) -> list[Path]:
    (project / "app").mkdir()
    files = {"__init__.py": "", "http.py": FACTORY, "api.py": HANDLER}
    for name, text in files.items():
        (project / "app" / name).write_text(text)
        _age(project / "app" / name)
    return [project / "app" / name for name in files]


def _found(run: runner.LintRun) -> list[tuple[str, str, int]]:
    return [(Path(f.filename).name, f.code, f.location.row) for f in run.findings]


def test_a_file_is_relinted_when_a_module_it_depends_on_changes(project: Path) -> None:
    """api.py's stat still hits, but the facts joined from http.py changed: it is read again."""
    files = _package(project)
    codes = frozenset({"POOL001"})
    assert _found(_lint(project, files, codes)) == [("api.py", "POOL001", 8)]
    (project / "app" / "http.py").write_text(NOT_A_FACTORY)
    _age(project / "app" / "http.py", 30)
    second = _lint(project, files, codes)
    assert _found(second) == []
    assert second.from_cache == 1  # __init__.py; api.py was linted again with the new facts


def test_a_warm_tree_reads_no_file_and_a_subset_run_does_not_leave_it_stale(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _package(project)
    codes = frozenset({"POOL001"})
    whole = _found(_lint(project, files, codes))
    alone = _found(_lint(project, [files[2]], codes))  # api.py joined with itself only
    assert whole == [("api.py", "POOL001", 8)] and alone == []
    assert _found(_lint(project, files, codes)) == whole  # relinted against the whole tree
    _refuse_reads_under(project, monkeypatch)
    assert _found(_lint(project, files, codes)) == whole


def test_lost_summaries_mean_relinting_not_stale_findings(project: Path) -> None:
    """The summaries are a second file, read only for a join; without it files are linted anew."""
    files = _package(project)
    codes = frozenset({"POOL001"})
    assert _found(_lint(project, files, codes)) == [("api.py", "POOL001", 8)]
    for stored in (project / ".pooltune_cache").glob("*.summaries.json"):
        stored.unlink()
    (project / "app" / "http.py").write_text(NOT_A_FACTORY)
    _age(project / "app" / "http.py", 30)
    assert _found(_lint(project, files, codes)) == []
    assert _found(_lint(project, files, codes)) == []
