"""Every rule's cases (``pooltune/lint/rules/cases/``): what it must report, with exact ranges
and messages, and what it must not, each linted as a tree of real files (the two phases and
the join, as `pooltune lint` runs them, with the default rules on)."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from pooltune.lint.rules import ALL_RULES
from pooltune.lint.rules.cases import Expect, Invalid, Valid
from pooltune.lint.runner import lint_files
from pooltune.lint.settings import known_codes

DEFAULT_CODES = frozenset(code for code in known_codes() if not code.startswith("POOL1"))


def _case_modules() -> dict[str, ModuleType]:
    """The rules that have a case module (`cases/pool001.py`), by code."""
    found = {}
    for rule in ALL_RULES:
        name = f"pooltune.lint.rules.cases.{rule.code.lower()}"
        if importlib.util.find_spec(name) is not None:
            found[rule.code] = importlib.import_module(name)
    return found


def _cases() -> list[tuple[str, Valid]]:
    return [
        (code, case)
        for code, module in _case_modules().items()
        for case in (*module.VALID, *module.INVALID)
    ]


CASES = _cases()


def _write(root: Path, case: Valid) -> list[str]:
    files = {case.path: case.source, **case.files}
    for name in list(files):
        folder = Path(name).parent
        while folder != Path("."):
            files.setdefault((folder / "__init__.py").as_posix(), "")
            folder = folder.parent
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return sorted(str(root / name) for name in files)


def lint_case(root: Path, code: str, case: Valid) -> list[Expect]:
    names = _write(root, case)
    run = lint_files(names, dict.fromkeys(names, DEFAULT_CODES | {code}), None, jobs=1)
    target = str(root / case.path)
    return [
        Expect(
            f.location.row, f.location.column, f.end_location.row, f.end_location.column, f.message
        )
        for f in run.findings
        if f.code == code and f.filename == target
    ]


@pytest.mark.parametrize(
    ("code", "case"), CASES, ids=[f"{code}-{type(c).__name__}-{c.why[:40]}" for code, c in CASES]
)
def test_rule_case(tmp_path: Path, code: str, case: Valid) -> None:
    expected = list(case.expected) if isinstance(case, Invalid) else []
    assert lint_case(tmp_path, code, case) == expected


def test_every_case_module_has_invalid_cases_with_findings() -> None:
    modules = _case_modules()
    assert {"POOL001", "POOL002", "POOL003", "POOL101"} <= set(modules)
    for code, module in modules.items():
        assert module.INVALID, code
        assert all(case.expected for case in module.INVALID), code
