"""`pooltune lint` end to end, as a subprocess: files, formats, exit codes, config, cache, fixes."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.lint.conftest import run_pooltune

BAD = "import requests\n\ndef f():\n    return requests.get('https://x')\n"
GOOD = "import requests\n\ndef f():\n    return requests.get('https://x', timeout=3)\n"


def test_fixtures_findings_are_exactly_the_documented_ones(repo_root: Path) -> None:
    proc = run_pooltune("lint", "fixtures", "--format", "json", "--no-cache", cwd=repo_root)
    assert proc.returncode == 1, proc.stderr
    found = {(Path(f["filename"]).as_posix(), f["code"]) for f in json.loads(proc.stdout)}
    assert found == {
        ("fixtures/agents/llm.py", "POOL004"),
        ("fixtures/agents/llm.py", "POOL006"),
        ("fixtures/agents/llm.py", "POOL007"),
        ("fixtures/agents/orders.py", "POOL001"),
        ("fixtures/agents/orders.py", "POOL003"),
        ("fixtures/agents/tools.py", "POOL001"),
        ("fixtures/agents/tools.py", "POOL002"),
        ("fixtures/agents/tools.py", "POOL005"),
        ("fixtures/app/main.py", "POOL001"),
        ("fixtures/app/main.py", "POOL008"),
        ("fixtures/app/main.py", "POOL012"),
        ("fixtures/app/search.py", "POOL002"),
        ("fixtures/app/search.py", "POOL009"),
        ("fixtures/batch/crawl.py", "POOL010"),
        ("fixtures/batch/crawl.py", "POOL011"),
        ("fixtures/batch/digest.py", "POOL013"),
        ("fixtures/batch/export.py", "POOL001"),
        ("fixtures/batch/export.py", "POOL003"),
        ("fixtures/batch/tasks.py", "POOL001"),
    }
    assert run_pooltune("lint", "fixtures/fixed", cwd=repo_root).returncode == 0


def test_exit_codes_and_text_output(project: Path) -> None:
    (project / "bad.py").write_text(BAD)
    (project / "good.py").write_text(GOOD)
    proc = run_pooltune("lint", "good.py", cwd=project)
    assert (proc.returncode, proc.stdout.strip()) == (0, "All checks passed!")
    proc = run_pooltune("lint", cwd=project)
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[0].startswith("bad.py:4:12: POOL003 ")
    assert "Found 1 error." in proc.stdout
    assert "\x1b[" not in proc.stdout  # no colour when not a TTY
    assert run_pooltune("lint", "--exit-zero", cwd=project).returncode == 0


def test_only_the_named_files_are_linted(project: Path) -> None:
    """pre-commit passes file names: exactly those are linted."""
    (project / "a.py").write_text(GOOD)
    (project / "b.py").write_text(BAD)
    assert run_pooltune("lint", "a.py", cwd=project).returncode == 0
    assert run_pooltune("lint", "a.py", "b.py", cwd=project).returncode == 1


def test_json_has_ruff_compatible_keys(project: Path) -> None:
    (project / "bad.py").write_text(BAD)
    proc = run_pooltune("lint", "--format", "json", "bad.py", cwd=project)
    (finding,) = json.loads(proc.stdout)
    assert finding["code"] == "POOL003"
    assert finding["filename"] == "bad.py"
    assert finding["location"] == {"row": 4, "column": 12}
    assert finding["end_location"]["row"] == 4
    assert finding["fix"]["applicability"] == "unsafe"
    assert finding["fix"]["message"] == "Add `timeout=(5, 60)`"
    (edit,) = finding["fix"]["edits"]
    assert set(edit) == {"content", "location", "end_location"}
    assert finding["url"].endswith("rules/POOL003.md")


def _sarif_schema() -> dict[str, object]:
    """The SARIF 2.1.0 structure code scanning relies on (no download at test time)."""
    location = {
        "type": "object",
        "required": ["physicalLocation"],
        "properties": {
            "physicalLocation": {
                "type": "object",
                "required": ["artifactLocation", "region"],
                "properties": {
                    "artifactLocation": {"type": "object", "required": ["uri"]},
                    "region": {
                        "type": "object",
                        "required": ["startLine", "startColumn"],
                        "properties": {
                            "startLine": {"type": "integer", "minimum": 1},
                            "startColumn": {"type": "integer", "minimum": 1},
                        },
                    },
                },
            }
        },
    }
    return {
        "type": "object",
        "required": ["version", "runs", "$schema"],
        "properties": {
            "version": {"const": "2.1.0"},
            "runs": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["tool", "results"],
                    "properties": {
                        "tool": {
                            "type": "object",
                            "required": ["driver"],
                            "properties": {
                                "driver": {
                                    "type": "object",
                                    "required": ["name", "rules"],
                                    "properties": {
                                        "rules": {
                                            "type": "array",
                                            "items": {"type": "object", "required": ["id"]},
                                        }
                                    },
                                }
                            },
                        },
                        "results": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["ruleId", "message", "locations"],
                                "properties": {
                                    "message": {"type": "object", "required": ["text"]},
                                    "level": {"enum": ["none", "note", "warning", "error"]},
                                    "locations": {"type": "array", "items": location},
                                },
                            },
                        },
                    },
                },
            },
        },
    }


def test_sarif_output(project: Path) -> None:
    (project / "bad.py").write_text(BAD)
    proc = run_pooltune("lint", "--format", "sarif", "bad.py", cwd=project)
    log = json.loads(proc.stdout)
    jsonschema.validate(log, _sarif_schema())
    run = log["runs"][0]
    ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert {f"POOL{n:03d}" for n in range(13)} <= set(ids)
    (result,) = run["results"]
    assert ids[result["ruleIndex"]] == "POOL003"


def test_github_annotations(project: Path) -> None:
    (project / "bad.py").write_text(BAD)
    proc = run_pooltune("lint", "--format", "github", "bad.py", cwd=project)
    assert proc.stdout.startswith("::error title=pooltune (POOL003),file=bad.py,line=4,col=12,")


def test_config_select_ignore_and_per_file_ignores(project: Path) -> None:
    (project / "bad.py").write_text(BAD)
    (project / "legacy").mkdir()
    (project / "legacy" / "old.py").write_text(BAD)
    with (project / "pyproject.toml").open("a") as f:
        f.write('[tool.pooltune]\nper-file-ignores = { "legacy/*" = ["POOL003"] }\n')
    proc = run_pooltune("lint", "--format", "json", cwd=project)
    assert [f["filename"] for f in json.loads(proc.stdout)] == ["bad.py"]
    assert run_pooltune("lint", "--ignore", "POOL003", cwd=project).returncode == 0
    assert run_pooltune("lint", "--select", "POOL001", cwd=project).returncode == 0


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('selct = ["POOL"]', "unknown key 'selct'"),
        ('select = ["POOL999"]', "unknown rule code or prefix 'POOL999'"),
        ('ignore = "POOL001"', "ignore"),
        ('test-ignore = ["POOL999"]', "test-ignore: unknown rule code or prefix 'POOL999'"),
        ('test-ignore = "POOL001"', "test-ignore"),
    ],
)
def test_bad_configuration_is_one_line_and_exit_2(
    project: Path, setting: str, message: str
) -> None:
    (project / "a.py").write_text(GOOD)
    with (project / "pyproject.toml").open("a") as f:
        f.write(f"[tool.pooltune]\n{setting}\n")
    proc = run_pooltune("lint", cwd=project)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


def test_unknown_cli_code_and_missing_path(project: Path) -> None:
    proc = run_pooltune("lint", "--select", "XYZ1", cwd=project)
    assert proc.returncode == 2 and "unknown rule code" in proc.stderr
    proc = run_pooltune("lint", "nope.py", cwd=project)
    assert proc.returncode == 2 and "nope.py: no such file" in proc.stderr


def test_excludes_gitignore_and_virtualenvs(project: Path) -> None:
    for folder in ("venv_custom", "node_modules", "generated", "build", "src"):
        (project / folder).mkdir()
        (project / folder / "m.py").write_text(BAD)
    (project / "venv_custom" / "pyvenv.cfg").write_text("home = /usr\n")
    (project / ".gitignore").write_text("generated/\n")
    proc = run_pooltune("lint", "--format", "json", cwd=project)
    assert {f["filename"] for f in json.loads(proc.stdout)} == {"src/m.py"}
    with (project / "pyproject.toml").open("a") as f:
        f.write('[tool.pooltune]\nextend-exclude = ["src"]\n')
    assert run_pooltune("lint", cwd=project).returncode == 0
    # named explicitly, an excluded file is linted unless --force-exclude (ruff's behaviour)
    assert run_pooltune("lint", "src/m.py", cwd=project).returncode == 1
    assert run_pooltune("lint", "--force-exclude", "src/m.py", cwd=project).returncode == 0


def test_cache_makes_a_rerun_reuse_results(project: Path) -> None:
    (project / "bad.py").write_text(BAD)
    first = run_pooltune("lint", cwd=project)
    assert (project / ".pooltune_cache").is_dir()
    second = run_pooltune("lint", cwd=project)
    assert first.stdout == second.stdout
    (project / "bad.py").write_text(GOOD)  # a changed file is linted again
    assert run_pooltune("lint", cwd=project).returncode == 0
    # a corrupt cache is ignored
    for entry in (project / ".pooltune_cache").glob("*.json"):
        entry.write_text("{not json")
    assert run_pooltune("lint", cwd=project).returncode == 0


def test_rules_and_rule_commands() -> None:
    """`pooltune rules` is a table, one line per rule (code, name, fix offered, what it flags),
    compared with tests/lint/snapshots/rules.txt."""
    proc = run_pooltune("rules")
    assert proc.returncode == 0
    assert proc.stdout == (Path(__file__).parent / "snapshots" / "rules.txt").read_text()
    proc = run_pooltune("rule", "pool012")
    assert proc.returncode == 0 and proc.stdout.startswith("# POOL012 sdk-client-drops-limits")
    proc = run_pooltune("rule", "POOL999")
    assert proc.returncode == 2 and "unknown rule 'POOL999'" in proc.stderr


def test_many_files_use_the_process_pool(project: Path) -> None:
    for i in range(40):
        (project / f"m{i}.py").write_text(BAD if i % 2 else GOOD)
    proc = run_pooltune("lint", "--format", "json", "--no-cache", cwd=project)
    assert len(json.loads(proc.stdout)) == 20


PER_CALL = "import httpx\n\ndef fetch(u):\n    with httpx.Client(timeout=5) as c:\n" + (
    "        return c.get(u)\n"
)


def test_test_code_is_exempt_from_pool001_and_pool008_by_default(project: Path) -> None:
    (project / "tests").mkdir()
    (project / "tests" / "helpers.py").write_text(PER_CALL)
    (project / "test_api.py").write_text(PER_CALL)
    (project / "conftest.py").write_text(PER_CALL)
    (project / "app.py").write_text(
        PER_CALL + "\ndef test_fetch():\n    with httpx.Client() as c:\n        c.get('x')\n"
    )
    proc = run_pooltune("lint", "--format", "json", "--no-cache", cwd=project)
    assert [(f["filename"], f["location"]["row"]) for f in json.loads(proc.stdout)] == [
        ("app.py", 4)
    ]
    with (project / "pyproject.toml").open("a") as f:
        f.write("[tool.pooltune]\ntest-ignore = []\n")
    proc = run_pooltune("lint", "--format", "json", "--no-cache", cwd=project)
    assert len(json.loads(proc.stdout)) == 4  # test_* functions stay exempt (design.md)


def test_anchored_excludes_only_match_at_the_root(project: Path) -> None:
    """`/rules` is the top-level rules/ only; `rules` is any folder called rules."""
    for folder in ("rules", "src/pkg/rules"):
        (project / folder).mkdir(parents=True)
        (project / folder / "m.py").write_text(BAD)
    with (project / "pyproject.toml").open("a") as f:
        f.write('[tool.pooltune]\nextend-exclude = ["/rules"]\n')
    proc = run_pooltune("lint", "--format", "json", "--no-cache", cwd=project)
    assert {f["filename"] for f in json.loads(proc.stdout)} == {"src/pkg/rules/m.py"}
