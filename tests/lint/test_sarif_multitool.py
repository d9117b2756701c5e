"""The SARIF of `pooltune lint` on fixtures/, validated by the official SARIF multitool.

The tool is Microsoft's `sarif-multitool validate` (npm `@microsoft/sarif-multitool`, whose
per-platform package ships a self-contained executable: no .NET or node runtime needed to run it).
`.ci/run` installs it with npm under /opt/pooltune-ci; nothing is downloaded here. The test finds
it through POOLTUNE_SARIF_MULTITOOL (the executable, the npm `sarif-multitool` shim or the npm
prefix), else the CI install folder, else `sarif-multitool` on PATH, and skips with the reason
when none is there. Any error or warning of the validator fails the test, each printed.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import run_pooltune

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
ENV_VAR = "POOLTUNE_SARIF_MULTITOOL"
CI_PREFIX = Path("/opt/pooltune-ci")
_PLATFORM = {"linux": "linux", "darwin": "darwin", "win32": "win32", "windows": "win32"}
_EXE = "Sarif.Multitool.exe" if os.name == "nt" else "Sarif.Multitool"


def _from_prefix(prefix: Path) -> Path | None:
    """The platform executable inside an npm prefix (or its node_modules) holding the tool."""
    plat = _PLATFORM.get(platform.system().lower())
    for modules in (prefix / "node_modules", prefix):
        if plat:
            exe = modules / "@microsoft" / f"sarif-multitool-{plat}" / _EXE
            if exe.is_file():
                return exe
    return None


def _resolve(candidate: Path) -> Path | None:
    if candidate.is_dir():
        return _from_prefix(candidate)
    if not candidate.exists():
        return None
    # The npm shim (node_modules/.bin/sarif-multitool -> sarif-multitool/bin.js) runs the
    # executable through a shell, which splits ';'-separated option values: use the executable.
    real = candidate.resolve()
    if real.name == "bin.js":
        return _from_prefix(real.parents[2]) or real
    return candidate


def find_multitool() -> tuple[list[str] | None, str]:
    """The command that runs the multitool, or None and why not."""
    tried = []
    configured = os.environ.get(ENV_VAR)
    if configured:
        found = _resolve(Path(configured))
        if found is None:
            return None, f"{ENV_VAR}={configured} is not the SARIF multitool"
        return _command(found)
    tried.append(f"${ENV_VAR} (unset)")
    found = _from_prefix(CI_PREFIX)
    if found is not None:
        return _command(found)
    tried.append(str(CI_PREFIX))
    on_path = shutil.which("sarif-multitool")
    if on_path:
        found = _resolve(Path(on_path))
        if found is not None:
            return _command(found)
    tried.append("sarif-multitool on PATH")
    return None, (
        "SARIF multitool not installed (looked at " + ", ".join(tried) + "); install it with "
        "`npm install --prefix /opt/pooltune-ci @microsoft/sarif-multitool` (needs node/npm), "
        f"or point {ENV_VAR} at it"
    )


def _command(path: Path) -> tuple[list[str] | None, str]:
    if path.suffix == ".js":
        node = shutil.which("node")
        if node is None:
            return None, f"{path} needs node, which is not installed"
        return [node, str(path)], ""
    return [str(path)], ""


@pytest.fixture(scope="module")
def multitool() -> list[str]:
    cmd, why = find_multitool()
    if cmd is None:
        pytest.skip(why)
    return cmd


def _validate(multitool: list[str], log: Path, out: Path) -> list[dict[str, object]]:
    proc = subprocess.run(
        [
            *multitool,
            "validate",
            str(log),
            "--output",
            str(out),
            "--log",
            "ForceOverwrite",
            "--level",
            "Error;Warning",
            "--kind",
            "Fail",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "DOTNET_CLI_TELEMETRY_OPTOUT": "1"},
    )
    assert out.is_file(), (
        f"multitool wrote no output (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    )
    report = json.loads(out.read_text(encoding="utf-8-sig"))
    problems: list[dict[str, object]] = []
    for run in report.get("runs", []):
        for notification in (
            n
            for inv in run.get("invocations", [])
            for n in inv.get("toolExecutionNotifications", [])
        ):
            if notification.get("level", "warning") == "error":
                problems.append({"ruleId": "tool-error", "message": notification.get("message")})
        problems.extend(
            r for r in run.get("results", []) if r.get("level", "warning") in ("error", "warning")
        )
    # The console lines carry the rule id, JSON path and the full text of every problem.
    lines = [ln for ln in proc.stdout.splitlines() if ": error " in ln or ": warning " in ln]
    assert not problems, (
        f"sarif-multitool validate found {len(problems)} problem(s) in pooltune's SARIF:\n"
        + "\n".join(lines or [json.dumps(p)[:400] for p in problems])
    )
    return problems


def _lint_sarif(out: Path, *paths: str, cwd: Path = REPO) -> dict[str, object]:
    proc = run_pooltune("lint", "--format", "sarif", "--no-cache", "-o", str(out), *paths, cwd=cwd)
    assert proc.returncode == 1, proc.stderr  # every tree linted here has findings
    sarif: dict[str, object] = json.loads(out.read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    assert sarif["runs"][0]["results"], "no results to validate"  # type: ignore[index]
    return sarif


def test_fixtures_sarif_passes_the_official_multitool(multitool: list[str], tmp_path: Path) -> None:
    log = tmp_path / "fixtures.sarif"
    _lint_sarif(log, "fixtures/")
    _validate(multitool, log, tmp_path / "validation.sarif")


def test_absolute_and_unusual_paths_pass_the_multitool(
    multitool: list[str], tmp_path: Path
) -> None:
    tree = tmp_path / "dir with space"
    tree.mkdir()
    (tree / "caf\u00e9 agent.py").write_text(
        'import requests\n\n\ndef fetch():\n    return requests.get("https://example.com")\n',
        encoding="utf-8",
    )
    log = tmp_path / "unusual.sarif"
    _lint_sarif(log, str(tree.resolve()), str(FIXTURES))
    _validate(multitool, log, tmp_path / "validation.sarif")


def test_the_multitool_catches_a_broken_log(multitool: list[str], tmp_path: Path) -> None:
    """The validator really runs: a log with an impossible region is rejected."""
    log = tmp_path / "fixtures.sarif"
    sarif = _lint_sarif(log, "fixtures/")
    sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0  # type: ignore[index]
    broken = tmp_path / "broken.sarif"
    broken.write_text(json.dumps(sarif), encoding="utf-8")
    with pytest.raises(AssertionError, match="JSON1008"):
        _validate(multitool, broken, tmp_path / "validation.sarif")
