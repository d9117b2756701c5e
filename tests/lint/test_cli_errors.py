"""A path or an output that cannot be used is one line on stderr and exit 2, never a traceback
and never "All checks passed!"; the paths that can be linted still are."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.lint.conftest import run_pooltune

BAD = "import requests\nrequests.get('https://x')\n"
FINDING = b":2:1: POOL003 `requests.get()` without `timeout=`"
# Capabilities that let root read and search anything; without them root obeys file modes.
DAC_CAPABILITIES = "-dac_override,-dac_read_search"


def _run_bytes(*args: str | bytes, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "pooltune", *args], capture_output=True, cwd=cwd, timeout=60
    )


def _one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("pooltune: error: ")]
    assert len(errors) == 1, stderr
    return errors[0]


@pytest.mark.parametrize("cache", [True, False], ids=["cache", "no-cache"])
def test_a_file_name_that_is_not_utf8_is_linted(project: Path, cache: bool) -> None:
    name = b"bad\xff.py"
    (project / os.fsdecode(name)).write_text(BAD)
    flags = [] if cache else ["--no-cache"]
    for _ in range(2):  # cold, then warm from the cache
        proc = _run_bytes("lint", *flags, ".", cwd=project)
        assert proc.returncode == 1, proc.stderr
        assert b"Traceback" not in proc.stderr
        assert proc.stdout.startswith(name + FINDING)  # the name's own bytes
    proc = _run_bytes("lint", *flags, "--format", "json", ".", cwd=project)
    (finding,) = json.loads(proc.stdout)
    assert os.fsencode(finding["filename"]) == name
    proc = _run_bytes("lint", *flags, "--format", "sarif", ".", cwd=project)
    assert b'"uri": "bad%FF.py"' in proc.stdout


def test_a_folder_that_cannot_be_read_is_an_error_and_the_rest_is_linted(project: Path) -> None:
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv (util-linux) is needed to drop root's read-anything capabilities")
    (project / "ok.py").write_text(BAD)
    locked = project / "locked"
    locked.mkdir()
    (locked / "hidden.py").write_text(BAD)
    locked.chmod(0)
    try:
        as_user = [setpriv, "--bounding-set", DAC_CAPABILITIES]
        probe = subprocess.run([*as_user, "ls", str(locked)], capture_output=True)
        if probe.returncode == 0:
            pytest.skip("this process can read a folder of mode 000 even without DAC capabilities")
        proc = subprocess.run(
            [*as_user, sys.executable, "-m", "pooltune", "lint", "--no-cache", "."],
            capture_output=True,
            text=True,
            cwd=project,
            timeout=60,
        )
    finally:
        locked.chmod(0o755)
    assert proc.returncode == 2
    assert _one_error_line(proc.stderr) == (
        "pooltune: error: locked: cannot list (Permission denied)"
    )
    assert proc.stdout.startswith("ok.py:2:1: POOL003")


def test_a_symlink_loop_named_on_the_command_line(project: Path) -> None:
    (project / "ok.py").write_text(BAD)
    os.symlink(project / "loop_b", project / "loop_a")
    os.symlink(project / "loop_a", project / "loop_b")
    for order in (["loop_a", "ok.py"], ["ok.py", "loop_a"]):  # first: where settings come from
        proc = run_pooltune("lint", "--no-cache", *order, cwd=project)
        assert proc.returncode == 2
        assert _one_error_line(proc.stderr) == "pooltune: error: loop_a: symbolic link loop"
        assert proc.stdout.startswith("ok.py:2:1: POOL003")


def test_a_missing_path_never_reads_all_checks_passed(project: Path) -> None:
    (project / "clean.py").write_text("x = 1\n")
    proc = run_pooltune("lint", "nosuchdir/", "clean.py", cwd=project)
    assert proc.returncode == 2
    assert _one_error_line(proc.stderr) == (
        "pooltune: error: nosuchdir/: no such file or directory"
    )
    assert "All checks passed" not in proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fifo.py"], "pooltune: error: fifo.py: not a regular file or folder"),
        (["--config", "fifo.py", "ok.py"], "fifo.py: cannot read (not a regular file)"),
    ],
    ids=["named", "config"],
)
def test_a_fifo_is_refused_not_waited_on(project: Path, args: list[str], message: str) -> None:
    (project / "ok.py").write_text(BAD)
    os.mkfifo(project / "fifo.py")
    proc = run_pooltune("lint", "--no-cache", *args, cwd=project)
    assert proc.returncode == 2
    assert _one_error_line(proc.stderr).endswith(message)


def test_a_fifo_as_pyproject_is_refused_not_waited_on(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text(BAD)
    os.mkfifo(tmp_path / "pyproject.toml")
    proc = run_pooltune("lint", "--no-cache", "ok.py", cwd=tmp_path)
    assert proc.returncode == 2
    line = _one_error_line(proc.stderr)
    assert line.endswith("pyproject.toml: cannot read (not a regular file)")


def test_the_output_file_folder_is_created(project: Path) -> None:
    (project / "ok.py").write_text(BAD)
    proc = run_pooltune("lint", "-o", "out/sub/report.txt", ".", cwd=project)
    assert proc.returncode == 1 and proc.stdout == ""
    assert (project / "out/sub/report.txt").read_text().startswith("ok.py:2:1: POOL003")


def test_an_output_file_that_cannot_be_written_fails_before_linting(project: Path) -> None:
    (project / "ok.py").write_text(BAD)
    (project / "out").write_text("a file, not a folder\n")
    proc = run_pooltune("lint", "-o", "out/report.txt", ".", cwd=project)
    assert proc.returncode == 2
    line = _one_error_line(proc.stderr)
    assert line.startswith(
        "pooltune: error: --output-file out/report.txt: cannot create its folder"
    )
    assert not (project / ".pooltune_cache").exists()  # nothing was linted


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["lint", "--no-such-flag"], "No such option: --no-such-flag (see `pooltune lint --help`)"),
        (["lint", "--format", "xml"], "Invalid value for '--format': 'xml' is not one of"),
        (["rule"], "Missing argument 'code' (see `pooltune rule --help`)"),
    ],
    ids=["option", "value", "argument"],
)
def test_a_usage_error_is_one_line_not_a_usage_block(args: list[str], line: str) -> None:
    """click prints `Usage:`, a hint, a blank line and then the error; ours is one line."""
    proc = run_pooltune(*args)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith(f"pooltune: error: {line}")
