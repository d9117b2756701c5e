"""bench/lint_targets.py measures the ast.parse floor in the same run, and refuses a corpus that
`pooltune lint .` cannot see (issue 18: run from the repository, its gitignored corpus linted no
file and "cold" measured nothing)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "bench" / "lint_targets.py"
CLIENT_CODE = (
    "import httpx\n\n\ndef fetch(url):\n    with httpx.Client() as c:\n        return c.get(url)\n"
)


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCH), *args], capture_output=True, text=True, timeout=120
    )


def test_a_gitignored_corpus_is_refused_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    (tmp_path / ".gitignore").write_text("corpus/\n")
    corpus = tmp_path / "corpus" / "pkg"
    corpus.mkdir(parents=True)
    (corpus / "a.py").write_text(CLIENT_CODE)
    (corpus / "b.py").write_text(CLIENT_CODE)

    proc = _bench("--corpus", str(tmp_path / "corpus"), "--no-per-file")

    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1
    assert "pooltune lint . selects 0 of its 2 .py files" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_missing_corpus_is_refused(tmp_path: Path) -> None:
    proc = _bench("--corpus", str(tmp_path / "absent"))

    assert proc.returncode == 2
    assert proc.stderr.strip().endswith("no such directory (fetch it: bench/realcode/fetch.py)")


def test_the_floor_and_the_ratios_come_from_the_same_run(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "pkg").mkdir(parents=True)
    (corpus / "pkg" / "a.py").write_text(CLIENT_CODE)
    (corpus / "pkg" / "b.py").write_text(CLIENT_CODE * 3)

    proc = _bench("--corpus", str(corpus), "--no-per-file", "--one-file-runs", "1")

    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("corpus: 2 files, 24 lines;")
    assert re.search(
        r"\| floor: `ast\.parse` of the same files, one process \| \| [\d.]+ s wall", proc.stdout
    )
    assert re.search(r"wall = \*\*[\d.]+x the floor\*\*", proc.stdout)
    assert re.search(r"\(\*\*[\d.]+% of cold\*\*\)", proc.stdout)
    assert re.search(r"pkg/b\.py \(18 lines\): [\d.]+ s vs [\d.]+ s = \*\*[\d.]+x\*\*", proc.stdout)


def test_before_and_after_side_by_side(tmp_path: Path) -> None:
    """--before-src runs another checkout's pooltune beside this one's (here the same code)."""
    corpus = tmp_path / "corpus"
    (corpus / "pkg").mkdir(parents=True)
    (corpus / "pkg" / "a.py").write_text(CLIENT_CODE)
    (corpus / "pkg" / "b.py").write_text(CLIENT_CODE * 3)

    proc = _bench(
        "--corpus", str(corpus), "--before-src", str(REPO / "src"), "--rounds", "1", "--runs", "1"
    )

    assert proc.returncode == 0, proc.stderr
    assert "| measure | before | after |" in proc.stdout
    assert re.search(r"\| cold, no cache \| [\d.]+ s wall \([\d.]+x the floor\)", proc.stdout)
    assert re.search(
        r"\| warm, nothing changed \| [\d.]+ s wall \(\*\*[\d.]+% of cold", proc.stdout
    )
    assert re.search(r"`lint --no-cache pkg/b\.py` vs bare `ast\.parse`", proc.stdout)
