from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def run_pooltune(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pooltune", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty project folder with a pyproject.toml and no pooltune settings."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\ndependencies = ["httpx"]\n')
    return tmp_path
