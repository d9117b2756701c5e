"""The README's examples, run as a new user would run them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).parents[1] / "README.md"


def _python_block_after(heading: str) -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None, f"no python block after {heading!r}"
    return match.group(1)


def test_the_sim_fixture_example_passes_without_a_warning(tmp_path: Path) -> None:
    """It runs under pytest as written, with deprecation warnings as errors (httpx 0.28+
    deprecates `verify=<path>`: the example passes the handle's SSL context)."""
    (tmp_path / "test_example.py").write_text(_python_block_after("Test your own client"))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error"],
        cwd=tmp_path,
        # a new user's pytest: nothing of this run's (an xdist worker's variables) leaks in
        env={k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout
