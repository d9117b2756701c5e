"""The pre-commit hook, for real: `pre-commit try-repo` this checkout into a temporary repo."""

from __future__ import annotations

import os
import re
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


def test_the_readmes_config_gets_a_real_rev_from_autoupdate(
    repo_root: Path, tmp_path: Path
) -> None:
    """The README's config as written, pointed at a clone: `pre-commit autoupdate` (which it
    says to run; the repository has no tags) pins the clone's newest commit."""
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    match = re.search(r"```yaml\n# \.pre-commit-config\.yaml\n(.*?)```", readme, re.S)
    assert match is not None
    upstream = tmp_path / "upstream"
    clone = subprocess.run(
        ["git", "clone", "-q", "--no-local", str(repo_root), str(upstream)], capture_output=True
    )
    if clone.returncode != 0:
        pytest.skip(f"not a git checkout: {clone.stderr.decode(errors='replace').strip()}")
    user = tmp_path / "user-repo"
    user.mkdir()
    _git(user, "init", "-q")
    config = re.sub(r"repo: \S+", f"repo: {upstream}", match.group(1), count=1)
    (user / ".pre-commit-config.yaml").write_text(config)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    proc = subprocess.run(
        ["pre-commit", "autoupdate"], cwd=user, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=upstream, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert f"rev: {head}" in (user / ".pre-commit-config.yaml").read_text()
