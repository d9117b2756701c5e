"""Lint one file: `ast` (syntax check + summary, :mod:`pooltune.lint.source`) -> the slice
a rule can see -> libcst -> facts -> rules.

libcst's parse is several times slower than ``ast.parse`` and its metadata several times slower
again, so libcst only sees files where a rule can fire: files that call a catalog name, or that
hold clients coming from elsewhere in the tree (a factory, a base class, an imported client),
and of those only the functions and classes a rule can see.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Collection
from contextlib import nullcontext
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from pooltune.lint.catalog import Catalog
from pooltune.lint.deep_stack import on_deep_stack, on_deep_thread
from pooltune.lint.facts import Facts
from pooltune.lint.findings import Finding
from pooltune.lint.incremental import StatementCache
from pooltune.lint.rule import FileContext, ProjectInfo
from pooltune.lint.rules import ALL_RULES
from pooltune.lint.slicing import slice_source
from pooltune.lint.source import (
    SourceError,
    decode_source,
    imports_catalog_library,
    one_line,
    parse_error,
    summarize_tree,
    syntax_check,
)
from pooltune.lint.summaries import (
    DEFAULT_TEST_IGNORE,
    ModuleView,
    ProjectIndex,
    is_test_file,
    module_name_for,
)
from pooltune.lint.suppress import apply_suppressions
from pooltune.lint.traversal import StatementPositions, parse_unvalidated, read_only_visits

# libcst costs about 0.1-0.2 ms and 4 KB per syntax node it builds, visits and resolves: the
# functions the rules read, over this many nodes, are reported (POOL000) instead of taking
# minutes and gigabytes. The largest part read in bench/realcode (a 0.95 MiB module) has 43,000.
MAX_RULE_NODES = 100_000
# libcst's native parser recurses per level of nesting: deeper than this, libcst runs on a deep
# stack (lint_source); deeper than MAX_NESTING, not at all (its parser would overflow even that).
MAX_DEFAULT_STACK_NESTING = 500
MAX_NESTING = 20_000


@dataclass(frozen=True)
class FileResult:
    filename: str
    findings: tuple[Finding, ...]
    parsed_with_libcst: bool = False


def lint_source(
    source: str,
    filename: str,
    catalog: Catalog,
    codes: Collection[str],
    project: ProjectInfo | None = None,
    *,
    view: ModuleView | None = None,
    test_ignore: Collection[str] = DEFAULT_TEST_IGNORE,
    whole_module: bool = False,
    statements: StatementCache | None = None,
) -> FileResult:
    """Lint already-decoded source (:func:`_lint_source`); code nested deeper than the default
    recursion limit lets libcst walk is linted again on a deep stack, keeping its findings."""

    def lint() -> FileResult:
        return _lint_source(
            source,
            filename,
            catalog,
            codes,
            project,
            view=view,
            test_ignore=test_ignore,
            whole_module=whole_module,
            statements=statements,
        )

    try:
        return lint()
    except RecursionError:
        pass  # out of the except block: its traceback holds the thousand frames
    try:
        return on_deep_stack(lint)
    except RecursionError:
        error = SourceError("cannot parse: nesting too deep")
        return FileResult(filename, (parse_error(filename, error),))


def _lint_source(
    source: str,
    filename: str,
    catalog: Catalog,
    codes: Collection[str],
    project: ProjectInfo | None = None,
    *,
    view: ModuleView | None = None,
    test_ignore: Collection[str] = DEFAULT_TEST_IGNORE,
    whole_module: bool = False,
    statements: StatementCache | None = None,
) -> FileResult:
    """Lint already-decoded source. ``codes`` is the set of enabled rule codes.

    Alone (an editor's buffer), the file's own summary is its whole world; the runner passes
    ``view``, the facts joined across the linted tree. libcst sees only the part of the module
    a rule can see (:mod:`pooltune.lint.slicing`) and its read-only visits do not rebuild the
    tree (:mod:`pooltune.lint.traversal`); ``whole_module`` is the reference path that hands
    libcst everything and lets it visit its own way (``tests/lint/test_differential.py`` holds
    the two to identical findings). ``statements`` keeps the parsed top-level statements of
    one document from one version to the next (an editor's buffer).
    """
    module = module_name_for(filename)
    try:
        syntax_tree: ast.Module | None = None
        if view is None:
            if not imports_catalog_library(source, catalog):
                syntax_check(source)
                return FileResult(filename, ())
            syntax_tree = syntax_check(source)
            summary = summarize_tree(syntax_tree, filename, catalog, module).summary
            if summary is not None:
                index = ProjectIndex([summary], catalog)
                if not index.needs_rules(summary):
                    return FileResult(filename, ())
                view = index.view(summary.module)
            else:
                view = ModuleView(module=module[0])
        tree, layout = _parse(
            source, syntax_tree, view, catalog, module[1], whole_module, statements
        )
    except SourceError as exc:
        return FileResult(filename, (parse_error(filename, exc),))

    facts = Facts(tree, catalog, view, is_package=module[1], test_file=is_test_file(filename))
    context = FileContext(
        filename,
        tree,
        catalog,
        project or ProjectInfo(),
        facts=facts,
        codes=frozenset(codes),
        test_ignore=frozenset(test_ignore),
    )
    rules = [rule(context) for rule in ALL_RULES if rule.code in codes]
    if rules:
        wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
        with (
            nullcontext() if whole_module else read_only_visits(),
            facts.resolve(wrapper),
        ):
            facts.position = _positions(tree, layout, facts, wrapper)
            facts.collect()
            wrapper.visit_batched(rules)
    findings = [finding for rule in rules for finding in rule.findings]
    findings = apply_suppressions(findings, source.splitlines())
    findings.sort(key=lambda f: f.sort_key)
    return FileResult(filename, tuple(findings), parsed_with_libcst=True)


# The `ast` of the text libcst parsed, and the functions and classes stubbed in it: where each
# statement starts, for positions generated one statement at a time.
Layout = tuple[ast.Module, frozenset[int]]


def _parse(
    source: str,
    syntax_tree: ast.Module | None,
    view: ModuleView,
    catalog: Catalog,
    is_package: bool,
    whole_module: bool,
    statements: StatementCache | None = None,
) -> tuple[cst.Module, Layout | None]:
    """libcst's tree of the part of ``source`` the rules can see (all of it: ``whole_module``),
    and its layout (None: ask libcst's PositionProvider)."""
    if not whole_module:
        if syntax_tree is None:
            syntax_tree = syntax_check(source)
        try:
            sliced = slice_source(source, syntax_tree, view, catalog, is_package)
        except RecursionError:
            sliced = None  # nested too deep for the slicer: libcst gets the whole module
        _check_size(syntax_tree, sliced.stubbed if sliced is not None else frozenset())
        if sliced is not None:
            try:
                kept: Layout = (syntax_tree, sliced.stubbed)
                return _libcst(sliced.text, kept, statements), kept
            except (cst.ParserSyntaxError, RecursionError):
                pass  # a slice libcst rejects: the whole module says why (or parses)
    layout = None if whole_module or syntax_tree is None else (syntax_tree, frozenset[int]())
    try:
        tree = _libcst(source, layout, statements)
    except cst.ParserSyntaxError as exc:
        syntax_check(source)  # CPython's message is clearer when it also rejects the file
        raise SourceError(
            f"syntax error: {one_line(exc.message)}", exc.raw_line, exc.raw_column + 1
        ) from None
    return tree, layout  # a RecursionError: lint_source tries again on a deep stack


def _check_size(tree: ast.Module, stubbed: frozenset[int]) -> None:
    """Before libcst reads the part of the module the rules see (all but the stubbed functions
    and classes): SourceError when it has more than MAX_RULE_NODES syntax nodes or nests
    deeper than MAX_NESTING, and RecursionError (to go on a deep stack) when it nests deeper
    than a default stack bears. libcst's tree is deeper than `ast`'s: `a and b and c` is one
    `ast.BoolOp` but a chain of binary operations in libcst (and in its native parser)."""
    count = 0
    deepest = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    fields_of = _AST_FIELDS
    while stack:
        node, depth = stack.pop()
        if id(node) in stubbed:
            continue
        count += 1
        if count > MAX_RULE_NODES:
            raise SourceError(
                f"too large for the rules: the code that uses HTTP clients has over "
                f"{MAX_RULE_NODES:,} syntax nodes; split the module, or exclude it"
            )
        kind = type(node)
        if kind is ast.BoolOp:
            depth += len(node.values) - 1  # type: ignore[attr-defined]
        if depth > deepest:
            deepest = depth
        depth += 1
        fields = fields_of.get(kind)
        if fields is None:
            fields = fields_of[kind] = kind._fields
        for name in fields:  # what ast.iter_child_nodes yields, without its generators
            value = getattr(node, name, None)
            if type(value) is list:
                stack.extend((child, depth) for child in value if isinstance(child, ast.AST))
            elif isinstance(value, ast.AST):
                stack.append((value, depth))
    if deepest > MAX_NESTING:
        raise SourceError(f"cannot parse: nesting too deep ({deepest:,} levels)")
    if deepest > MAX_DEFAULT_STACK_NESTING and not on_deep_thread():
        raise RecursionError(f"{deepest:,} levels")  # lint_source goes on a deep stack


_AST_FIELDS: dict[type, tuple[str, ...]] = {}


def _libcst(text: str, layout: Layout | None, statements: StatementCache | None) -> cst.Module:
    """libcst's parse of ``text``, from the statements kept of an earlier version if any."""
    if statements is None or layout is None:
        return parse_unvalidated(text)
    return statements.parse(text, *layout)


def _positions(
    tree: cst.Module, layout: Layout | None, facts: Facts, wrapper: MetadataWrapper
) -> Callable[[cst.CSTNode], CodeRange]:
    """Ranges generated per statement, for the statements asked about; libcst's whole-module
    PositionProvider for the reference path (or if the statements do not line up)."""
    if layout is not None:
        try:
            return StatementPositions(tree, layout[0], facts.parent, layout[1]).range
        except ValueError:
            pass
    return wrapper.resolve(PositionProvider).__getitem__


def lint_bytes(
    data: bytes,
    filename: str,
    catalog: Catalog,
    codes: Collection[str],
    project: ProjectInfo | None = None,
    *,
    view: ModuleView | None = None,
    test_ignore: Collection[str] = DEFAULT_TEST_IGNORE,
    whole_module: bool = False,
) -> FileResult:
    try:
        source = decode_source(data)
    except SourceError as exc:
        return FileResult(filename, (parse_error(filename, exc),))
    return lint_source(
        source,
        filename,
        catalog,
        codes,
        project,
        view=view,
        test_ignore=test_ignore,
        whole_module=whole_module,
    )
