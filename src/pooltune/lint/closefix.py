"""Fixes that close what a function opens (POOL002, POOL009): the statements after
``name = <open>`` become the body of a ``with``/``async with`` (or of a ``try``/``finally``
that closes it), so the resource is released when the block ends, however it ends.

Only where the rewrite is exact: the assignment is a statement of its own in an indented block,
every use of the name is in the statements after it in that same block, no use sits in a nested
function or lambda, and those statements hold no ``def`` or ``class`` that slicing stubbed.
The block's trailing comments stay where they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from pooltune.lint.cstedit import code_in_place, holds_stub, indents_at
from pooltune.lint.facts import Facts
from pooltune.lint.findings import Applicability, Edit, Fix, Location


@dataclass(frozen=True)
class Region:
    """``line`` (``name = <open>``) and the statements after it in ``block``."""

    line: cst.SimpleStatementLine
    block: cst.IndentedBlock
    statements: tuple[cst.BaseStatement, ...]
    value: cst.BaseExpression  # what was assigned


def region_after(facts: Facts, target: cst.Name, uses: Sequence[cst.CSTNode]) -> Region | None:
    """The region a ``with`` can take over, or None when the rewrite would not be exact."""
    assign = facts.parent(target)
    assign = facts.parent(assign) if isinstance(assign, cst.AssignTarget) else None
    if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
        return None
    line = facts.parent(assign)
    block = facts.parent(line) if line is not None else None
    if (
        not isinstance(line, cst.SimpleStatementLine)
        or len(line.body) != 1
        or not isinstance(block, cst.IndentedBlock)
    ):
        return None
    index = next((i for i, stmt in enumerate(block.body) if stmt is line), None)
    if index is None:
        return None
    statements = tuple(block.body[index + 1 :])
    if not statements or any(holds_stub(stmt) for stmt in statements):
        return None
    inside = {id(stmt) for stmt in statements}
    for use in uses:
        if not _within(facts, use, inside):
            return None
    return Region(line, block, statements, assign.value)


def name_uses(facts: Facts, target: cst.Name) -> list[cst.CSTNode] | None:
    """The uses of the value bound at ``target``; None when the name is bound more than once
    in its scope (which binding a use reads is then unknown)."""
    scope = facts.scope(target)
    if scope is None:
        return None
    bound = [a for a in scope.assignments[target.value] if getattr(a, "node", None) is not None]
    if len(bound) != 1 or getattr(bound[0], "node", None) is not target:
        return None
    return [access.node for access in bound[0].references]


def _within(facts: Facts, node: cst.CSTNode, statements: set[int]) -> bool:
    for child, parent in facts.ancestors(node):
        if isinstance(parent, (cst.Lambda, cst.FunctionDef, cst.ClassDef)):
            return False
        if id(child) in statements:
            return True
    return False


def escapes(statements: Sequence[cst.BaseStatement]) -> bool:
    """Whether a value may leave the region (a ``return`` with a value, a ``yield``): a
    response returned from a closed client may be unreadable (aiohttp reads lazily)."""
    finder = _Escapes()
    for stmt in statements:
        stmt.visit(finder)
    return finder.found


class _Escapes(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def visit_Return(self, node: cst.Return) -> None:
        self.found = self.found or node.value is not None

    def visit_Yield(self, node: cst.Yield) -> None:
        self.found = True


def with_statement(region: Region, item: cst.BaseExpression, name: str, is_async: bool) -> cst.With:
    """``with <item> as <name>:`` over the region (the assignment's comment on its header)."""
    return cst.With(
        items=[cst.WithItem(item=item, asname=cst.AsName(name=cst.Name(name)))],
        body=cst.IndentedBlock(
            body=region.statements,
            header=region.line.trailing_whitespace,
            indent=region.block.indent,
        ),
        asynchronous=cst.Asynchronous() if is_async else None,
    )


def try_finally(region: Region, close: cst.BaseExpression) -> cst.Try:
    """``try: <region> finally: <close>`` (the assignment stays above it; so do the comments
    above the region's first statement, which the edit starts after)."""
    first, *rest = region.statements
    body = [first.with_changes(leading_lines=[]), *rest]
    return cst.Try(
        body=cst.IndentedBlock(body=body, indent=region.block.indent),
        finalbody=cst.Finally(
            body=cst.IndentedBlock(
                body=[cst.SimpleStatementLine(body=[cst.Expr(close)])],
                indent=region.block.indent,
            )
        ),
    )


def region_fix(
    facts: Facts,
    module: cst.Module,
    region: Region,
    replacement: cst.BaseStatement,
    keep_line: bool,
    message: str,
    applicability: Applicability,
) -> Fix | None:
    """The edit that puts ``replacement`` in place of the region's statements (and of the
    assignment too unless ``keep_line``). None when the rewrite cannot be exact."""
    last = region.statements[-1]
    if last_trailing(last) is None:
        return None  # a block footer the edit would write twice, or a shape we do not know
    indents = indents_at([parent for _, parent in facts.ancestors(region.line)], module)
    code = code_in_place(module, replacement, indents)
    first = region.statements[0] if keep_line else region.line
    start, end = facts.position(first).start, facts.position(last).end
    # The edit runs to the start of the next line: the last line's comment and line break are
    # generated again (a `finally:` comes after them).
    return Fix(
        message,
        (Edit(code, Location(start.line, start.column + 1), Location(end.line + 1, 1)),),
        applicability,
    )


def last_trailing(stmt: cst.BaseStatement) -> cst.TrailingWhitespace | None:
    """The comment and line break that end a statement's last line (None: a block footer or a
    shape we do not rewrite)."""
    if isinstance(stmt, cst.SimpleStatementLine):
        return stmt.trailing_whitespace
    suite = _last_suite(stmt)
    if isinstance(suite, cst.SimpleStatementSuite):
        return suite.trailing_whitespace
    if isinstance(suite, cst.IndentedBlock) and suite.body and not suite.footer:
        return last_trailing(suite.body[-1])
    return None


def _last_suite(node: cst.CSTNode) -> cst.BaseSuite | None:
    if isinstance(node, cst.If):
        return _last_suite(node.orelse) if node.orelse is not None else node.body
    if isinstance(node, (cst.For, cst.While)):
        return node.orelse.body if node.orelse is not None else node.body
    if isinstance(node, (cst.Try, cst.TryStar)):
        if node.finalbody is not None:
            return node.finalbody.body
        if node.orelse is not None:
            return node.orelse.body
        return node.handlers[-1].body if node.handlers else node.body
    if isinstance(node, (cst.Else, cst.With)):
        return node.body
    return None
