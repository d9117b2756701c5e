"""libcst's tree of a document, rebuilt from the top-level statements that did not change.

An editor sends the whole text after every keystroke, and an edit changes one function or
two: the other top-level statements parse to the same nodes they parsed to before. So the
text is cut where each top-level statement starts (the first lines come from the `ast` the
engine has already built), each piece is parsed on its own with the module's indentation and
newline, and unchanged pieces come from the cache of the previous version. The blank and
comment lines between two statements end one piece; libcst keeps them in front of the next
statement, so they move there. Whatever does not line up (no statements, a piece that will
not parse alone) is parsed whole, as before. ``tests/lint/test_incremental.py`` holds the
result to libcst's own parse of the whole text, node for node, on real modules and edits.
"""

from __future__ import annotations

import ast
import re
import tokenize
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import partial

import libcst as cst

from pooltune.lint.slicing import split_lines
from pooltune.lint.traversal import COMPOUND_STATEMENTS, StatementGroup, statement_groups

_NEWLINE = re.compile(r"\r\n?|\n")  # libcst's default newline: the first one in the text
_LONE_CR = re.compile(r"\r(?!\n)")
_FALLBACK_INDENT = " " * 4
Statement = cst.SimpleStatementLine | cst.BaseCompoundStatement  # what Module.body holds


@dataclass(frozen=True)
class _Piece:
    header: Sequence[cst.EmptyLine]
    body: Sequence[cst.BaseStatement]
    footer: Sequence[cst.EmptyLine]  # the lines it ends with: the next statement's lead
    has_trailing_newline: bool
    block_indent: str | None = None  # a class member's: the indent of the class body


@dataclass(frozen=True)
class _Cut:
    line: int  # where a piece starts, 0-based
    member: bool  # a member of the class that the piece before began


class StatementCache:
    """Parsed top-level statements (and members of top-level classes) of one document, by
    their text: kept from one version to the next (only those the newest version uses)."""

    def __init__(self) -> None:
        self._pieces: dict[tuple[str, str, str, bool], _Piece] = {}

    def parse(self, text: str, syntax_tree: ast.Module, stubbed: Collection[int]) -> cst.Module:
        """``cst.parse_module(text)``; ``syntax_tree`` has the statements of ``text`` (or of
        the text it was sliced from, with the ``id`` of the stubbed definitions)."""
        if not syntax_tree.body or ("\r" in text and _LONE_CR.search(text)):
            # A lone CR ends a line for libcst and CPython, not for the tokenize module that
            # finds the indent: parse such (rare) text whole.
            return cst.parse_module(text)
        lines = split_lines(text)
        groups = statement_groups(syntax_tree.body, stubbed)
        cuts = _cuts(groups, stubbed, lines)
        indent, newline = _indent(groups, lines), _newline(text)
        used: dict[tuple[str, str, str, bool], _Piece] = {}
        pieces: list[tuple[_Cut, _Piece]] = []
        try:
            for cut, end in zip(cuts, [*(c.line for c in cuts[1:]), len(lines)], strict=True):
                key = ("".join(lines[cut.line : end]), indent, newline, cut.member)
                # A node is in one place of a tree: a piece twice in this text parses twice.
                piece = None if key in used else self._pieces.get(key)
                if piece is None:
                    piece = _parse(*key, first=not cut.line)
                if piece is None or (cut.line and piece.header):
                    return cst.parse_module(text)
                used.setdefault(key, piece)
                pieces.append((cut, piece))
        except cst.ParserSyntaxError:
            return cst.parse_module(text)  # the whole text says why (or parses)
        self._pieces = used
        return _join(pieces, indent, newline) or cst.parse_module(text)


def _cuts(groups: list[StatementGroup], stubbed: Collection[int], lines: list[str]) -> list[_Cut]:
    """Where the pieces start: at a top-level statement whose lines in front are all blank or
    comments in the first column (the first piece also holds the module's header), and in a
    top-level class that is a piece of its own, at each member after the first whose lines in
    front are all blank. (An indented comment after a block belongs to the block when the
    text goes on, and to the module's footer where the text ends: no cut in front of one.)"""
    cuts = [_Cut(0, False)]
    for index, (first, last, stmt) in enumerate(groups):
        if index and _can_cut(lines, groups[index - 1][1], first):
            cuts.append(_Cut(first - 1, False))
        if (
            isinstance(stmt, ast.ClassDef)
            and id(stmt) not in stubbed
            and cuts[-1].line == (0 if index == 0 else first - 1)
            and (index + 1 == len(groups) or _can_cut(lines, last, groups[index + 1][0]))
            and _indented(stmt.body[0], lines)
        ):
            members = statement_groups(stmt.body, stubbed)
            for (start, _, _), (_, end, _) in zip(members[1:], members, strict=False):
                if all(_blank(gap) for gap in lines[end : start - 1]):
                    cuts.append(_Cut(start - 1, True))
    return cuts


def _can_cut(lines: list[str], previous_end: int, first: int) -> bool:
    return all(_column_zero(gap) for gap in lines[previous_end : first - 1])


def _column_zero(line: str) -> bool:
    return line.startswith("#") or _blank(line)


def _blank(line: str) -> bool:
    return line in ("\n", "\r\n", "\r")


def _indented(stmt: ast.stmt, lines: list[str]) -> bool:
    """``stmt`` starts its line (the block around it is indented, not `class A: x = 1`)."""
    line = lines[stmt.lineno - 1] if stmt.lineno <= len(lines) else ""
    return stmt.col_offset > 0 and line[: stmt.col_offset].isspace()


def _parse(text: str, indent: str, newline: str, member: bool, first: bool) -> _Piece | None:
    """One piece, its nodes as the whole module's parse makes them. libcst takes its default
    indent and newline from the text it parses (the first INDENT token, the first newline),
    and a node that has the default stores None; so a piece whose own differ is parsed again
    behind a statement that has the module's (the first piece decides the module's). A class
    member is parsed in a class of its own, behind such a statement."""
    if member:
        module = cst.parse_module(f"if 1:{newline}{indent}pass{newline}class _:{newline}{text}")
        wrapper = module.body[1:]
        if len(wrapper) != 1 or not isinstance(wrapper[0], cst.ClassDef):
            return None
        block = wrapper[0].body
        if not isinstance(block, cst.IndentedBlock) or block.footer or not block.body:
            return None
        return _Piece((), block.body, module.footer, module.has_trailing_newline, _indent_of(block))
    module = cst.parse_module(text)
    lead = 0
    if not first and (
        module.default_newline != newline
        or (
            module.default_indent != indent
            and any(isinstance(s, cst.BaseCompoundStatement) for s in module.body)
        )
    ):
        module = cst.parse_module(f"if 1:{newline}{indent}pass{newline}{text}")
        lead = 1
    if not module.body[lead:]:
        return None
    return _Piece(module.header, module.body[lead:], module.footer, module.has_trailing_newline)


def _indent_of(block: cst.IndentedBlock) -> str:
    return "" if block.indent is None else block.indent


def _join(pieces: list[tuple[_Cut, _Piece]], indent: str, newline: str) -> cst.Module | None:
    body: list[Statement] = []
    members: list[cst.BaseStatement] = []  # of the class the last top-level piece ends with
    between: Sequence[cst.EmptyLine] = ()

    def lead(stmt: cst.BaseStatement) -> cst.BaseStatement:
        if not between:
            return stmt
        lines: Sequence[cst.EmptyLine] = getattr(stmt, "leading_lines", ())
        return stmt.with_changes(leading_lines=[*between, *lines])

    def close_class() -> bool:
        """Put the members gathered into the class they belong to."""
        if members:
            head = body[-1]
            if not isinstance(head, cst.ClassDef) or not isinstance(head.body, cst.IndentedBlock):
                return False
            block = head.body
            body[-1] = head.with_changes(body=block.with_changes(body=[*block.body, *members]))
            members.clear()
        return True

    for cut, piece in pieces:
        first, *rest = piece.body
        if cut.member:
            head = body[-1] if body else None
            if not (
                isinstance(head, cst.ClassDef)
                and isinstance(head.body, cst.IndentedBlock)
                and _indent_of(head.body) == piece.block_indent
                and len(head.body.body) > 0
                and not head.body.footer
            ):
                return None
            # Blank lines at the module's level take its (empty) indent; in the class they
            # are lines without one, as libcst parses them there.
            if any(line.comment is not None or line.whitespace.value for line in between):
                return None
            between = [line.with_changes(indent=False) for line in between]
            members.append(lead(first))
            members.extend(rest)
        else:
            if not close_class():
                return None
            for stmt in (lead(first), *rest):
                assert isinstance(stmt, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
                body.append(stmt)
        between = piece.footer
    if not close_class():
        return None
    return cst.Module(
        body=body,
        header=pieces[0][1].header,
        footer=between,
        default_indent=indent,
        default_newline=newline,
        has_trailing_newline=pieces[-1][1].has_trailing_newline,
    )


def _newline(text: str) -> str:
    match = _NEWLINE.search(text)
    return match.group(0) if match is not None else "\n"


def _indent(groups: list[StatementGroup], lines: list[str]) -> str:
    """libcst's default indent: the first INDENT token's (the first level, so all of it). No
    simple statement holds one, so the tokenizer starts at the first compound statement (a
    fresh state: the top level, no bracket open)."""
    start = next(
        (first for first, _, stmt in groups if isinstance(stmt, COMPOUND_STATEMENTS)), None
    )
    if start is not None:
        readline = partial(next, iter(lines[start - 1 :]), "")
        try:
            for token in tokenize.generate_tokens(readline):
                if token.type == tokenize.INDENT:
                    return token.string
        except (tokenize.TokenError, SyntaxError):
            pass
    return _FALLBACK_INDENT
