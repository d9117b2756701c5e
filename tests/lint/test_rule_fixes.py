"""Each fix on real-shaped code: the expected rewritten source, a second pass that changes
nothing, comments kept, and a result that compiles."""

from __future__ import annotations

import pytest

from pooltune.lint.catalog import load_catalog
from pooltune.lint.engine import lint_source
from pooltune.lint.fix import fix_source
from pooltune.lint.rule import ProjectInfo
from tests.lint.fix_cases import FIXES, NO_FIX

PROJECT = ProjectInfo(frozenset({"httpx", "httpx2", "aiohttp", "requests", "openai", "h2"}))
MAX_ROUNDS = 5


def fix_all(source: str, code: str, unsafe: bool) -> tuple[str, int]:
    """Lint and fix until nothing changes (as `--fix` does through the runner)."""
    total = 0
    for _ in range(MAX_ROUNDS):
        findings = lint_source(source, "t.py", load_catalog(), {code}, PROJECT).findings
        fixed_source, fixed, problems = fix_source(source, findings, unsafe)
        assert problems == []
        if fixed == 0:
            return source, total
        source, total = fixed_source, total + fixed
    raise AssertionError("fixes did not settle")


@pytest.mark.parametrize(
    ("code", "before", "after", "unsafe"),
    FIXES,
    ids=[f"{c}-{i}" for i, (c, *_) in enumerate(FIXES)],
)
def test_fix_gives_the_expected_source(code: str, before: str, after: str, unsafe: bool) -> None:
    fixed, count = fix_all(before, code, unsafe)
    assert fixed == after
    assert count >= 1
    compile(fixed, "t.py", "exec")
    assert fix_all(fixed, code, unsafe) == (fixed, 0)  # idempotent
    comments = [line.split("#", 1)[1] for line in before.splitlines() if "#" in line]
    assert all(comment in fixed for comment in comments)
    if unsafe:  # an unsafe fix needs the flag
        assert fix_all(before, code, unsafe=False) == (before, 0)


@pytest.mark.parametrize(("code", "source"), NO_FIX, ids=[c for c, _ in NO_FIX])
def test_reported_without_a_fix(code: str, source: str) -> None:
    findings = lint_source(source, "t.py", load_catalog(), {code}, PROJECT).findings
    assert [f.code for f in findings] == [code]
    assert findings[0].fix is None


@pytest.mark.parametrize(
    ("source", "stub"),
    [
        ("def f(): pass\n", True),
        ("class C: pass\n", True),
        ("async def f(): pass\n", True),
        ("def f(x): pass\n", False),
        ("@cache\ndef f(): pass\n", False),
        ("def f():\n    pass\n", False),
        ("class C(Base): pass\n", False),
        ("if x:\n    def f(): pass\n", True),
    ],
)
def test_slicing_stubs_are_recognized(source: str, stub: bool) -> None:
    """A fix never writes a node holding one: its real body is not in the tree."""
    import libcst as cst

    from pooltune.lint.cstedit import holds_stub

    assert holds_stub(cst.parse_module(source)) is stub
