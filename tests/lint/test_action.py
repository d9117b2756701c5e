"""The GitHub Action (action.yml -> action/run.sh): run for real on fixtures/, check its output
line by line against the workflow-command syntax and GitHub's escaping rules."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pooltune import __version__
from tests.lint.conftest import run_pooltune

# ::error key=value,key=value::message  (GitHub's workflow commands)
ANNOTATION = re.compile(r"^::error (?P<props>[^:]*)::(?P<message>.*)$")
# In a property value ',' ':' '%' CR LF must be escaped; in the message '%' CR LF.
PROPERTY_VALUE = re.compile(r"^(?:[^%,:\r\n]|%25|%0D|%0A|%3A|%2C)*$")
MESSAGE = re.compile(r"^(?:[^%\r\n]|%25|%0D|%0A)*$")


def _unescape(value: str) -> str:
    for escaped, raw in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        value = value.replace(escaped, raw)
    return value


def parse_annotations(stdout: str) -> list[dict[str, str]]:
    annotations = []
    for line in stdout.splitlines():
        match = ANNOTATION.match(line)
        assert match, f"not a workflow command: {line!r}"
        assert MESSAGE.match(match["message"]), f"unescaped message: {line!r}"
        props: dict[str, str] = {"message": _unescape(match["message"])}
        for prop in match["props"].split(","):
            key, _, value = prop.partition("=")
            assert PROPERTY_VALUE.match(value), f"unescaped property {key}: {line!r}"
            props[key] = _unescape(value)
        annotations.append(props)
    return annotations


def run_action(cwd: Path, args: str) -> subprocess.CompletedProcess[str]:
    bin_dir = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
        "INPUT_VERSION": "installed",  # this checkout's pooltune; the registry is not reached
        "INPUT_ARGS": args,
    }
    return subprocess.run(
        ["bash", str(Path(__file__).parents[2] / "action" / "run.sh")],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="bash missing")


def test_the_action_annotates_every_fixture_finding_and_exits_1(repo_root: Path) -> None:
    proc = run_action(repo_root, "fixtures --no-cache")
    assert proc.returncode == 1, proc.stderr
    annotations = parse_annotations(proc.stdout)
    expected = json.loads(
        run_pooltune("lint", "fixtures", "--no-cache", "--format", "json", cwd=repo_root).stdout
    )
    assert len(annotations) == len(expected) > 0
    for note, finding in zip(annotations, expected, strict=True):
        assert set(note) == {"title", "file", "line", "col", "endLine", "endColumn", "message"}
        assert note["file"] == finding["filename"]
        assert (int(note["line"]), int(note["col"])) == tuple(finding["location"].values())
        assert (int(note["endLine"]), int(note["endColumn"])) == tuple(
            finding["end_location"].values()
        )
        assert note["title"] == f"pooltune ({finding['code']})"
        assert note["message"].endswith(f"{finding['code']} {finding['message']}")


def test_properties_are_escaped_per_githubs_rules(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "d"\ndependencies = []\n')
    name = "odd,name:100%.py"
    (tmp_path / name).write_text("import requests\n\ndef f():\n    requests.get('https://x')\n")
    proc = run_action(tmp_path, f"--no-cache {name}")
    assert proc.returncode == 1, proc.stderr
    assert "file=odd%2Cname%3A100%25.py," in proc.stdout
    (note,) = parse_annotations(proc.stdout)
    assert note["file"] == name
    assert note["message"].startswith(f"{name}:4:5: POOL003 ")


def test_a_clean_tree_exits_0_and_a_bad_flag_exits_2(repo_root: Path) -> None:
    assert run_action(repo_root, "fixtures/fixed").returncode == 0
    proc = run_action(repo_root, "--no-such-flag")
    assert proc.returncode == 2


def test_action_yml_declares_the_inputs_and_calls_the_script(repo_root: Path) -> None:
    action = yaml.safe_load((repo_root / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    assert action["inputs"]["version"]["default"] == "source"
    assert action["inputs"]["args"]["default"] == "."
    (step,) = action["runs"]["steps"]
    assert "action/run.sh" in step["run"]
    assert (repo_root / "action" / "run.sh").is_file()
    assert step["env"] == {
        "INPUT_VERSION": "${{ inputs.version }}",
        "INPUT_ARGS": "${{ inputs.args }}",
    }


def test_by_default_the_action_installs_its_own_checkout(repo_root: Path, tmp_path: Path) -> None:
    """pooltune is not on the package index: the default installs the checkout the action
    runs from (the ref in `uses:`) into a virtualenv of its own, and lints with that."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "INPUT_VERSION")}
    env.update(RUNNER_TEMP=str(tmp_path), INPUT_ARGS="--no-cache fixtures/fixed")
    proc = subprocess.run(
        ["bash", str(repo_root / "action" / "run.sh")],
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0 and "No matching distribution" in proc.stderr:
        pytest.skip("the package index (for pooltune's dependencies) cannot be reached")
    assert proc.returncode == 0, proc.stderr
    installed = tmp_path / "pooltune-action-venv" / "bin" / "pooltune"
    assert installed.is_file()
    assert f"pooltune {__version__}" in proc.stderr.splitlines()  # `pooltune --version`
