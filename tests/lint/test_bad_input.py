"""Bad input is reported (POOL000 or a one-line warning) and the rest is still linted."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.lint.conftest import run_pooltune

BAD = "import requests\nrequests.get('https://x')\n"


def _lint(project: Path) -> tuple[int, list[dict[str, object]], str]:
    proc = run_pooltune("lint", "--format", "json", "--no-cache", ".", cwd=project)
    assert "Traceback" not in proc.stderr
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def _codes(findings: list[dict[str, object]]) -> set[tuple[object, object]]:
    return {(f["filename"], f["code"]) for f in findings}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("syntax.py", b"import httpx\ndef f(:\n", "syntax error"),
        ("plain_syntax.py", b"def f(:\n", "syntax error"),
        ("latin1.py", b"x = '\xe9\xe8'\n", "cannot decode source"),
        ("nul.py", b"x = 1\x00\n", "NUL byte"),
    ],
    ids=lambda v: v if isinstance(v, str) and v.endswith(".py") else "",
)
def test_unparsable_file_is_reported_and_the_rest_linted(
    project: Path, name: str, content: bytes, message: str
) -> None:
    (project / "ok.py").write_text(BAD)
    (project / name).write_bytes(content)
    code, findings, _ = _lint(project)
    assert code == 1
    assert ("ok.py", "POOL003") in _codes(findings)
    assert (name, "POOL000") in _codes(findings)
    (error,) = [f for f in findings if f["code"] == "POOL000"]
    assert message in str(error["message"])
    assert "\n" not in str(error["message"])


def test_deeply_nested_file_does_not_crash(project: Path) -> None:
    (project / "ok.py").write_text(BAD)
    (project / "deep.py").write_text("import httpx\nx = " + "(" * 1000 + ")" * 1000 + "\n")
    code, findings, _ = _lint(project)
    assert code == 1 and ("ok.py", "POOL003") in _codes(findings)


def test_huge_file_is_skipped_with_a_reason(project: Path) -> None:
    (project / "ok.py").write_text(BAD)
    (project / "huge.py").write_text("import httpx\n" + "x = 1\n" * 900_000)  # ~5 MB
    code, findings, stderr = _lint(project)
    assert code == 1 and _codes(findings) == {("ok.py", "POOL003")}
    assert "huge.py: skipped: file too large" in stderr


def test_symlink_loop_and_broken_link(project: Path) -> None:
    (project / "ok.py").write_text(BAD)
    (project / "pkg").mkdir()
    os.symlink(project, project / "pkg" / "loop")
    os.symlink(project / "missing.py", project / "dangling.py")
    code, findings, stderr = _lint(project)
    assert code == 1 and _codes(findings) == {("ok.py", "POOL003")}
    assert "dangling.py: skipped: broken symbolic link" in stderr


def test_unreadable_entry_is_reported(project: Path) -> None:
    """Tests run as root, so permissions don't stop reads; a FIFO named .py can't be read."""
    (project / "ok.py").write_text(BAD)
    os.mkfifo(project / "pipe.py")
    code, findings, stderr = _lint(project)
    assert code == 1 and _codes(findings) == {("ok.py", "POOL003")}
    del stderr
