"""The pre-commit hook, for real: `pre-commit try-repo` this checkout into a temporary repo."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("pre-commit") is None, reason="pre-commit missing")

BAD = "import requests\n\ndef f():\n    return requests.get('https://x')\n"
GOOD = "import requests\n\ndef f():\n    return requests.get('https://x', timeout=3)\n"


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_hook_fails_on_a_bad_file_and_passes_on_a_good_one(repo_root: Path, tmp_path: Path) -> None:
    repo = tmp_path / "user-repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "app.py").write_text(BAD)
    (repo / "notes.txt").write_text("not python\n")
    _git(repo, "add", "app.py", "notes.txt")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }

    def try_repo() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["pre-commit", "try-repo", str(repo_root), "pooltune", "--all-files"],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    failed = try_repo()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "app.py:4:12: POOL003" in failed.stdout
    (repo / "app.py").write_text(GOOD)
    _git(repo, "add", "app.py")
    passed = try_repo()
    assert passed.returncode == 0, passed.stdout + passed.stderr
