"""`pooltune monitor` under bad input: one line on stderr, never a traceback; an error before
the command runs is exit 2, and the command's own exit code always passes through after it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def monitor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pooltune", "monitor", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_json_in_a_missing_folder_is_refused_before_the_command_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    out = tmp_path / "missing" / "x.json"
    code = f"open({str(marker)!r}, 'w').close(); raise SystemExit(5)"
    result = monitor("--json", str(out), "--", sys.executable, "-c", code)
    assert result.returncode == 2
    assert result.stderr == (
        f"pooltune monitor: error: --json {out}: its folder {str(out.parent)!r} does not exist\n"
    )
    assert not marker.exists()


def test_json_naming_a_directory_is_refused(tmp_path: Path) -> None:
    result = monitor("--json", str(tmp_path), "--", sys.executable, "-c", "pass")
    assert result.returncode == 2
    assert result.stderr == f"pooltune monitor: error: --json {tmp_path}: it is a directory\n"


def test_json_folder_gone_during_the_run_keeps_the_exit_code(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    code = f"import shutil; shutil.rmtree({str(folder)!r}); raise SystemExit(5)"
    result = monitor("--json", str(folder / "x.json"), "--", sys.executable, "-c", code)
    assert result.returncode == 5
    assert "Traceback" not in result.stderr
    assert f"pooltune monitor: error: --json {folder / 'x.json'}: No such file" in result.stderr
