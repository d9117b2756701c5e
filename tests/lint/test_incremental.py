"""A document rebuilt from its unchanged top-level statements is libcst's parse of it, node for
node, and lints the same; the statements an edit did not touch are reused."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest

from pooltune.lint.catalog import load_catalog
from pooltune.lint.engine import lint_source
from pooltune.lint.incremental import StatementCache
from pooltune.lint.rules import ALL_RULES

REALCODE = Path(__file__).resolve().parents[1] / "data" / "realcode"
FILES = sorted(REALCODE.rglob("*.py"))
CODES = frozenset(rule.code for rule in ALL_RULES)

TRICKY = {
    "header-and-docstring": '#!/usr/bin/env python\n# header\n\n"""Doc."""\n\nimport httpx\n',
    "two-space-module-four-space-function": (
        "if x:\n  y = 1\n\ndef f():\n    return 1\n\n\nclass A:\n      z = 2\n"
    ),
    "crlf-then-lf": "import httpx\r\n\r\ndef f():\r\n    return 1\n\ndef g():\n    pass\n",
    "no-trailing-newline": "import httpx\n\ndef f():\n    return httpx.get(u)",
    "indented-comment-after-a-block": "def f():\n    pass\n    # belongs to f\n # odd\n\nx = 1\n",
    "comments-between": "a = 1\n# about b\n\n# more\n@d\n# between\ndef b(): pass\n# tail\n",
    "same-text-twice": "def f():\n    pass\n\ndef f():\n    pass\n\ndef f():\n    pass\n",
    "semicolons-and-tabs": "a = 1; b = 2\nif a:\n\tc = 3\nclass K: pass\n",
    "match": "match p:\n    case 1:\n        pass\n\nx = 2\n",
    "only-comments": "# nothing\n\n# here\n",
}


def _edits(text: str) -> list[str]:
    """The text, then a comment added in the middle, a statement deleted, one appended."""
    lines = text.splitlines(keepends=True)
    middle = len(lines) // 2
    edits = [text, "".join([*lines[:middle], "# edited\n", *lines[middle:]])]
    tree = ast.parse(text)
    if len(tree.body) > 2:
        gone = tree.body[len(tree.body) // 2]
        start = min([gone.lineno, *(d.lineno for d in getattr(gone, "decorator_list", []))])
        end = gone.end_lineno or gone.lineno
        edits.append("".join([*lines[: start - 1], *lines[end:]]))
    edits.append(text + ("" if text.endswith("\n") or not text else "\n") + "z = 3\n")
    return edits


@pytest.mark.parametrize(
    "text",
    [*TRICKY.values(), *(p.read_text(encoding="utf-8") for p in FILES[::2])],
    ids=[*TRICKY, *(p.name for p in FILES[::2])],
)
def test_rebuilt_tree_is_libcsts_parse(text: str) -> None:
    cache = StatementCache()
    for version in _edits(text):
        expected = cst.parse_module(version)
        got = cache.parse(version, ast.parse(version), ())
        assert got.code == version
        assert got.deep_equals(expected)
        assert (got.default_indent, got.default_newline, got.has_trailing_newline) == (
            expected.default_indent,
            expected.default_newline,
            expected.has_trailing_newline,
        )


def test_unchanged_statements_are_reused() -> None:
    text = "import httpx\n\n\ndef f():\n    return 1\n\n\ndef g():\n    return 2\n"
    cache = StatementCache()
    before = cache.parse(text, ast.parse(text), ())
    edited = text.replace("return 2", "return 3")
    after = cache.parse(edited, ast.parse(edited), ())
    assert after.body[0] is before.body[0]  # the import: the first piece, as it was
    assert after.body[2] is not before.body[2]  # g changed
    # f keeps its nodes below the statement (the statement takes the lines in front of it)
    assert after.body[1].body is before.body[1].body
    assert after.deep_equals(cst.parse_module(edited))


def test_unchanged_methods_of_a_class_are_reused() -> None:
    text = (
        "import httpx\n\n\nclass Client:\n    timeout = 5\n\n    def a(self):\n"
        "        return 1\n\n    @property\n    def b(self):\n        return 2\n\n"
        "    def c(self):\n        return 3\n"
    )
    cache = StatementCache()
    before = cache.parse(text, ast.parse(text), ())
    edited = text.replace("return 2", "return 20")
    after = cache.parse(edited, ast.parse(edited), ())
    assert after.deep_equals(cst.parse_module(edited))
    old, new = before.body[1].body.body, after.body[1].body.body
    assert new[0] is old[0]  # `timeout`, in the class's head
    # a and c are reused below their leading lines; b changed
    assert new[1].body is old[1].body and new[3].body is old[3].body
    assert new[2].body is not old[2].body


@pytest.mark.parametrize("path", FILES[1::6], ids=lambda p: p.name)
def test_findings_with_the_cache_are_the_engines(path: Path) -> None:
    catalog = load_catalog()
    cache = StatementCache()
    for version in _edits(path.read_text(encoding="utf-8")):
        cached = lint_source(version, path.name, catalog, CODES, statements=cache)
        fresh = lint_source(version, path.name, catalog, CODES)
        assert cached.findings == fresh.findings
