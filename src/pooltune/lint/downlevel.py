"""Newer f-string syntax for an older interpreter's `ast`: lint the same code the same way
whatever Python runs the linter.

Python 3.12 (PEP 701) lets an f-string reuse its own quotes inside a replacement field, span
lines and nest freely; `ast.parse` on 3.10/3.11 rejects such a file, libcst's parser accepts
it. Phase one needs an `ast`, so such a file is rewritten for it: every f-string becomes the
tuple of the expressions it formats (what the summaries read: calls, names), with as many
line breaks as it had, so every statement keeps its first line (the loop verdicts, the slicer
and the positions read lines). libcst still parses the original text for the rules.
Imported only when `ast` rejects a file (it imports libcst).
"""

from __future__ import annotations

import ast
import warnings

import libcst as cst


def downlevel_fstrings(source: str) -> ast.Module | None:
    """The `ast` of ``source`` with its f-strings rewritten as above; None when libcst
    rejects the source too, or the rewrite still does not parse here."""
    try:
        module = cst.parse_module(source)
        rewritten = module.visit(_FStringsAsTuples(module)).code
    except Exception:  # libcst rejects it, one way or another: CPython's error stands
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ast.parse(rewritten)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None


class _FStringsAsTuples(cst.CSTTransformer):
    def __init__(self, module: cst.Module) -> None:
        super().__init__()
        self.module = module

    def leave_FormattedString(
        self, original_node: cst.FormattedString, updated_node: cst.FormattedString
    ) -> cst.BaseExpression:
        parts = [self.module.code_for_node(e) for e in _fields(updated_node.parts)]
        return _tuple(parts, self.module.code_for_node(original_node).count("\n"))

    def leave_ConcatenatedString(
        self, original_node: cst.ConcatenatedString, updated_node: cst.ConcatenatedString
    ) -> cst.BaseExpression:
        sides = (updated_node.left, updated_node.right)
        if all(isinstance(side, cst.BaseString) for side in sides):
            return updated_node
        parts = [self.module.code_for_node(side) for side in sides]
        return _tuple(parts, self.module.code_for_node(original_node).count("\n"))


def _fields(parts: object) -> list[cst.BaseExpression]:
    """The expressions an f-string formats, those of its format specs included."""
    found: list[cst.BaseExpression] = []
    for part in parts if isinstance(parts, (list, tuple)) else ():
        if isinstance(part, cst.FormattedStringExpression):
            found.append(part.expression)
            found.extend(_fields(part.format_spec or ()))
    return found


def _tuple(parts: list[str], newlines: int) -> cst.BaseExpression:
    """`(a, b,` + the line breaks the original had + `)`."""
    body = ", ".join(parts) + "," if parts else '""'
    padding = "\n" * max(newlines - body.count("\n"), 0)
    return cst.parse_expression(f"({body}{padding})")
