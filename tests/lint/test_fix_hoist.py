"""POOL001's hoist on real-shaped apps: each case in tests/data/fixes/POOL001/<case>/ has the
code before, the findings it gets (ranges and messages), and the code after
`pooltune lint --fix --unsafe-fixes`; a second run changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.lint.conftest import run_pooltune

CASES = Path(__file__).parent.parent / "data" / "fixes" / "POOL001"


def _tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*.py"))}


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir()))
def test_hoist_case(case: str, tmp_path: Path) -> None:
    work = tmp_path / "app"
    shutil.copytree(CASES / case / "before", work)
    found = run_pooltune("lint", "--no-cache", "--select", "POOL001", "--quiet", ".", cwd=work)
    assert found.stdout == (CASES / case / "findings.txt").read_text()

    fixed = run_pooltune("lint", "--no-cache", "--fix", "--unsafe-fixes", ".", cwd=work)
    assert fixed.returncode in (0, 1), fixed.stderr
    assert _tree(work) == _tree(CASES / case / "after")

    again = run_pooltune("lint", "--no-cache", "--fix", "--unsafe-fixes", ".", cwd=work)
    assert "Fixed" not in again.stderr
    assert _tree(work) == _tree(CASES / case / "after")


def test_a_client_that_stays_says_why(tmp_path: Path) -> None:
    work = tmp_path / "app"
    shutil.copytree(CASES / "not_hoisted" / "before", work)
    proc = run_pooltune("lint", "--no-cache", "--fix", "--unsafe-fixes", ".", cwd=work)
    assert proc.returncode == 1
    assert (
        "keys.py:9:11: POOL001 `openai.AsyncOpenAI` built inside the request handler `ask`: "
        "every call pays a new TCP+TLS handshake and drops its pool; create it once "
        "(lifespan/module level) and reuse it (no automatic fix: its arguments depend on the "
        "request (`x_api_key`): share one client and call `client.with_options(...)` per "
        "request)"
    ) in proc.stdout


def test_without_unsafe_fixes_nothing_moves(tmp_path: Path) -> None:
    work = tmp_path / "app"
    shutil.copytree(CASES / "same_module" / "before", work)
    proc = run_pooltune("lint", "--no-cache", "--fix", ".", cwd=work)
    assert proc.returncode == 1
    assert "(3 hidden fixes can be enabled with the `--unsafe-fixes` option)" in proc.stdout
    assert _tree(work) == _tree(CASES / "same_module" / "before")


def test_diff_previews_the_hoist(tmp_path: Path) -> None:
    work = tmp_path / "app"
    shutil.copytree(CASES / "existing_lifespan" / "before", work)
    proc = run_pooltune("lint", "--no-cache", "--diff", "--unsafe-fixes", ".", cwd=work)
    assert "+        application.state.llm = AsyncOpenAI(max_retries=2)" in proc.stdout
    assert "+        await application.state.llm.close()" in proc.stdout
    assert _tree(work) == _tree(CASES / "existing_lifespan" / "before")
