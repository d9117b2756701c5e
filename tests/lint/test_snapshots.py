"""The text, JSON and SARIF reports on fixtures/, compared exactly with tests/lint/snapshots/.

After an intended change, regenerate them and review the diff:

    POOLTUNE_UPDATE_SNAPSHOTS=1 python -m pytest tests/lint/test_snapshots.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.lint.conftest import run_pooltune

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("POOLTUNE_UPDATE_SNAPSHOTS") == "1"
FORMATS = {"text": "fixtures.txt", "json": "fixtures.json", "sarif": "fixtures.sarif"}
MULTITOOL = Path("/opt/pooltune-ci/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_report_matches_its_snapshot(repo_root: Path, fmt: str) -> None:
    proc = run_pooltune("lint", "fixtures", "--format", fmt, "--no-cache", cwd=repo_root)
    assert proc.returncode == 1, proc.stderr
    snapshot = SNAPSHOTS / FORMATS[fmt]
    if UPDATE:
        snapshot.write_text(proc.stdout, encoding="utf-8")
    assert proc.stdout == snapshot.read_text(encoding="utf-8"), (
        f"{snapshot} differs; if the change is intended, regenerate with "
        "POOLTUNE_UPDATE_SNAPSHOTS=1 and review the diff"
    )


def test_json_snapshot_is_the_sarif_snapshot() -> None:
    """Both reports carry the same findings, in the same order."""
    found = json.loads((SNAPSHOTS / "fixtures.json").read_text())
    sarif = json.loads((SNAPSHOTS / "fixtures.sarif").read_text())
    results = sarif["runs"][0]["results"]
    assert [(f["code"], f["filename"], f["location"]["row"]) for f in found] == [
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in results
    ]


def _multitool() -> str | None:
    if MULTITOOL.is_file():
        return str(MULTITOOL)
    return shutil.which("sarif-multitool")


@pytest.mark.parametrize("where", ["relative", "absolute", "unusual"])
def test_sarif_passes_the_official_multitool(repo_root: Path, tmp_path: Path, where: str) -> None:
    tool = _multitool()
    if tool is None:
        pytest.skip("the SARIF multitool (npm @microsoft/sarif-multitool) is not installed")
    if where == "relative":
        sarif = (SNAPSHOTS / "fixtures.sarif").read_text()
    else:
        folder = tmp_path / ("dir x" if where == "unusual" else "src")
        folder.mkdir()
        (folder / ("my file é.py" if where == "unusual" else "a.py")).write_text(
            "import requests\nrequests.get('https://x')\n"
        )
        target = str(folder) if where == "absolute" else folder.name
        proc = run_pooltune("lint", target, "--format", "sarif", "--no-cache", cwd=tmp_path)
        sarif = proc.stdout
    log = tmp_path / "in.sarif"
    log.write_text(sarif, encoding="utf-8")
    out = tmp_path / "out.sarif"
    proc = subprocess.run(
        [tool, "validate", str(log), "-o", str(out), "--log", "ForceOverwrite"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(out.read_text(encoding="utf-8-sig"))
    errors = [
        r
        for run in report.get("runs", [])
        for r in run.get("results", [])
        if r.get("level") == "error"
    ]
    assert errors == [], proc.stdout
