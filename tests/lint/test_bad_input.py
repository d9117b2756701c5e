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


def test_huge_file_is_reported_so_the_run_cannot_pass(project: Path) -> None:
    (project / "ok.py").write_text(BAD)
    (project / "huge.py").write_text("import httpx\n" + "x = 1\n" * 900_000)  # ~5 MB
    code, findings, _ = _lint(project)
    assert code == 1 and _codes(findings) == {("ok.py", "POOL003"), ("huge.py", "POOL000")}
    (error,) = [f for f in findings if f["code"] == "POOL000"]
    assert str(error["message"]).startswith("file too large to lint (5.1 MiB; the limit is 2 MiB)")


def test_a_module_too_large_for_the_rules_is_reported_quickly(project: Path) -> None:
    """Every function builds a client: libcst would read all of it (minutes, gigabytes)."""
    per_call = "def f{i}(url):\n    with httpx.Client(timeout=5) as c:\n        return c.get(url)\n"
    body = "".join(per_call.format(i=i) for i in range(8_000))
    (project / "dense.py").write_text("import httpx\n" + body)  # ~0.7 MB, 120,000 nodes
    (project / "ok.py").write_text(BAD)
    code, findings, _ = _lint(project)
    assert code == 1 and _codes(findings) == {("ok.py", "POOL003"), ("dense.py", "POOL000")}
    (error,) = [f for f in findings if f["code"] == "POOL000"]
    assert "too large for the rules" in str(error["message"])


def test_deep_but_valid_code_keeps_its_findings(project: Path) -> None:
    """3,000 chained `and` is one `ast.BoolOp` but a 3,000-deep libcst tree."""
    chain = " and ".join(["x"] * 3000)
    (project / "deep.py").write_text(
        f"import requests\ndef g(x):\n    ok = {chain}\n    requests.get('https://x')\n"
    )
    code, findings, _ = _lint(project)
    assert code == 1 and _codes(findings) == {("deep.py", "POOL003")}
    assert [f["location"] for f in findings] == [{"row": 4, "column": 5}]


def test_nesting_beyond_any_stack_is_one_finding_not_a_crash(project: Path) -> None:
    chain = " and ".join(["x"] * 25_000)  # libcst's native parser would overflow its stack
    (project / "deeper.py").write_text(f"import requests\nok = {chain}\nrequests.get('x')\n")
    code, findings, _ = _lint(project)
    assert code == 1 and _codes(findings) == {("deeper.py", "POOL000")}
    assert "nesting too deep" in str(findings[0]["message"])


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
