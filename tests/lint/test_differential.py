"""The fast engine finds exactly what the whole-module reference engine finds.

The fast path hands libcst only what a rule can see (:mod:`pooltune.lint.slicing`), visits
without rebuilding the tree and generates positions per statement
(:mod:`pooltune.lint.traversal`); the reference path (``whole_module=True``) hands libcst the
whole module and lets it do everything its own way. Both get the same joined facts. On real
code (44 files of 18 LLM packages, ``tests/data/realcode/NOTICE.md``), on ``fixtures/`` and on
every rule case, every finding must be the same: code, message, range and fix.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pooltune.lint.catalog import load_catalog
from pooltune.lint.engine import lint_bytes, lint_source
from pooltune.lint.findings import Finding
from pooltune.lint.rule import ProjectInfo
from pooltune.lint.rules import ALL_RULES
from pooltune.lint.slicing import slice_source
from pooltune.lint.source import decode_source, summarize_bytes
from pooltune.lint.summaries import ProjectIndex, module_name_for
from tests.lint.cases import BAD, GOOD

ROOT = Path(__file__).resolve().parents[2]
REALCODE = ROOT / "tests" / "data" / "realcode"
CODES = frozenset(rule.code for rule in ALL_RULES)
PROJECT = ProjectInfo(frozenset({"httpx", "httpx2", "aiohttp", "requests", "openai"}))


def _described(findings: tuple[Finding, ...]) -> list[str]:
    return [
        f"{f.location.row}:{f.location.column}-{f.end_location.row}:{f.end_location.column} "
        f"{f.code} {f.message} fix={f.fix}"
        for f in findings
    ]


def _lint_tree(root: Path) -> tuple[int, int, int]:
    """Both engines on every file of ``root`` that reaches the rules, joined as one tree:
    (files compared, findings, files the slicer shrank)."""
    catalog = load_catalog()
    files = sorted(root.rglob("*.py"))
    summaries = {
        path: summarize_bytes(path.read_bytes(), str(path), catalog, module_name_for(str(path)))
        for path in files
    }
    index = ProjectIndex((s.summary for s in summaries.values() if s.summary), catalog)
    compared = findings = sliced = 0
    for path, phase_one in summaries.items():
        if phase_one.summary is None or not index.needs_rules(phase_one.summary):
            continue
        view = index.view_for(phase_one.summary)
        data = path.read_bytes()
        reference = lint_bytes(data, str(path), catalog, CODES, view=view, whole_module=True)
        fast = lint_bytes(data, str(path), catalog, CODES, view=view)
        assert _described(fast.findings) == _described(reference.findings), path
        assert fast.findings == reference.findings, path
        compared += 1
        findings += len(reference.findings)
        source = decode_source(data)
        tree = ast.parse(source)
        is_package = module_name_for(str(path))[1]
        sliced += slice_source(source, tree, view, catalog, is_package) is not None
    return compared, findings, sliced


# Both engines on 44 real files: minutes of CPU on a busy 2-core runner; the timeout is a hang
# guard, not a speed target.
@pytest.mark.timeout(900)
def test_real_code_identical_findings() -> None:
    compared, findings, sliced = _lint_tree(REALCODE)
    # not a vacuous comparison: the files reach the rules, many are sliced, findings exist
    assert compared == 44
    assert sliced >= 35
    assert findings >= 30


def test_fixtures_identical_findings() -> None:
    compared, findings, _ = _lint_tree(ROOT / "fixtures")
    assert compared >= 15 and findings >= 15


@pytest.mark.parametrize(
    ("code", "source"),
    [*BAD, *GOOD],
    ids=[
        f"{kind}-{c}-{i}"
        for kind, cases in (("bad", BAD), ("good", GOOD))
        for i, (c, _) in enumerate(cases)
    ],
)
def test_rule_cases_identical_findings(code: str, source: str) -> None:
    catalog = load_catalog()
    reference = lint_source(source, "t.py", catalog, CODES, PROJECT, whole_module=True)
    fast = lint_source(source, "t.py", catalog, CODES, PROJECT)
    assert fast.findings == reference.findings


def test_rule_case_modules_identical_findings(tmp_path: Path) -> None:
    """Every case of ``pooltune/lint/rules/cases/`` as its own tree, both engines."""
    from tests.lint.test_rule_cases import CASES, _write

    compared = 0
    for index, (_, case) in enumerate(CASES):
        root = tmp_path / f"case{index}"
        _write(root, case)
        compared += _lint_tree(root)[0]
    assert compared >= len(CASES) // 2
