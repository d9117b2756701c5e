"""Lint one file: decode -> `ast` (syntax check + summary) -> libcst -> facts -> rules.

libcst's parse is several times slower than ``ast.parse`` and its metadata several times slower
again, so libcst only sees files where a rule can fire: files that call a catalog name, or that
hold clients coming from elsewhere in the tree (a factory, a base class, an imported client).
The one `ast.parse` per file is both the syntax check and phase one (the function summaries).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import warnings
from collections.abc import Collection
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper

from pooltune.lint.catalog import Catalog
from pooltune.lint.facts import Facts
from pooltune.lint.findings import Finding, Location
from pooltune.lint.rule import FileContext, ProjectInfo
from pooltune.lint.rules import ALL_RULES
from pooltune.lint.summaries import (
    DEFAULT_TEST_IGNORE,
    ModuleSummary,
    ModuleView,
    ProjectIndex,
    is_test_file,
    module_name_for,
    summarize,
)
from pooltune.lint.suppress import apply_suppressions

PARSE_ERROR_CODE = "POOL000"


class SourceError(Exception):
    """The file cannot be read as Python source; the message says why, in one line."""

    def __init__(self, message: str, row: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.row = row
        self.column = column


@dataclass(frozen=True)
class FileResult:
    filename: str
    findings: tuple[Finding, ...]
    parsed_with_libcst: bool = False


def decode_source(data: bytes) -> str:
    """Decode per PEP 263 (coding cookie or BOM, else UTF-8); reject NUL bytes."""
    if b"\x00" in data:
        raise SourceError("source contains a NUL byte")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
        raise SourceError(f"cannot decode source: {_one_line(exc)}") from None


def _import_pattern(modules: Collection[str]) -> re.Pattern[str]:
    names = "|".join(sorted(re.escape(m) for m in modules))
    return re.compile(rf"^[ \t]*(?:from|import)[ \t]+(?:[\w.]+[ \t]*,[ \t]*)*(?:{names})\b", re.M)


_IMPORT_PATTERNS: dict[frozenset[str], re.Pattern[str]] = {}


def imports_catalog_library(source: str, catalog: Catalog) -> bool:
    pattern = _IMPORT_PATTERNS.get(catalog.top_level_modules)
    if pattern is None:
        pattern = _IMPORT_PATTERNS[catalog.top_level_modules] = _import_pattern(
            catalog.top_level_modules
        )
    return pattern.search(source) is not None


def syntax_check(source: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes etc. is not ours
        try:
            return ast.parse(source)
        except SyntaxError as exc:
            raise SourceError(
                f"syntax error: {exc.msg}", exc.lineno or 1, max(exc.offset or 1, 1)
            ) from None
        except (ValueError, RecursionError, MemoryError) as exc:
            raise SourceError(f"cannot parse: {_one_line(exc)}") from None


@dataclass(frozen=True)
class FileSummary:
    """Phase one of a file: its summary (None when no rule can care), or why it cannot be read."""

    summary: ModuleSummary | None
    error: Finding | None = None


def summarize_source(
    source: str, filename: str, catalog: Catalog, module: tuple[str, bool] | None = None
) -> FileSummary:
    """Phase one: the syntax check and the function summaries, from one `ast.parse`."""
    try:
        tree = syntax_check(source)
    except SourceError as exc:
        return FileSummary(None, _parse_error(filename, exc))
    name, is_package = module if module is not None else module_name_for(filename)
    try:
        return FileSummary(summarize(tree, catalog, filename, name, is_package))
    except Exception:  # too deep, or a bug of ours: no summary, the rules still run on it
        return FileSummary(None)


def summarize_bytes(
    data: bytes, filename: str, catalog: Catalog, module: tuple[str, bool] | None = None
) -> FileSummary:
    try:
        source = decode_source(data)
    except SourceError as exc:
        return FileSummary(None, _parse_error(filename, exc))
    return summarize_source(source, filename, catalog, module)


def lint_source(
    source: str,
    filename: str,
    catalog: Catalog,
    codes: Collection[str],
    project: ProjectInfo | None = None,
    *,
    view: ModuleView | None = None,
    test_ignore: Collection[str] = DEFAULT_TEST_IGNORE,
) -> FileResult:
    """Lint already-decoded source. ``codes`` is the set of enabled rule codes.

    Alone (an editor's buffer), the file's own summary is its whole world; the runner passes
    ``view``, the facts joined across the linted tree.
    """
    module = module_name_for(filename)
    try:
        if view is None:
            if not imports_catalog_library(source, catalog):
                syntax_check(source)
                return FileResult(filename, ())
            phase_one = summarize_source(source, filename, catalog, module)
            if phase_one.error is not None:
                return FileResult(filename, (phase_one.error,))
            summary = phase_one.summary
            if summary is not None:
                index = ProjectIndex([summary], catalog)
                if not index.needs_rules(summary):
                    return FileResult(filename, ())
                view = index.view(summary.module)
        try:
            tree = cst.parse_module(source)
        except cst.ParserSyntaxError as exc:
            syntax_check(source)  # CPython's message is clearer when it also rejects the file
            raise SourceError(
                f"syntax error: {_one_line(exc.message)}", exc.raw_line, exc.raw_column + 1
            ) from None
        except RecursionError:
            raise SourceError("cannot parse: nesting too deep") from None
    except SourceError as exc:
        return FileResult(filename, (_parse_error(filename, exc),))

    if view is None:
        view = ModuleView(module=module[0])
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
        with facts.resolve(wrapper):
            facts.collect()
            wrapper.visit_batched(rules)
    findings = [finding for rule in rules for finding in rule.findings]
    findings = apply_suppressions(findings, source.splitlines())
    findings.sort(key=lambda f: f.sort_key)
    return FileResult(filename, tuple(findings), parsed_with_libcst=True)


def lint_bytes(
    data: bytes,
    filename: str,
    catalog: Catalog,
    codes: Collection[str],
    project: ProjectInfo | None = None,
    *,
    view: ModuleView | None = None,
    test_ignore: Collection[str] = DEFAULT_TEST_IGNORE,
) -> FileResult:
    try:
        source = decode_source(data)
    except SourceError as exc:
        return FileResult(filename, (_parse_error(filename, exc),))
    return lint_source(
        source, filename, catalog, codes, project, view=view, test_ignore=test_ignore
    )


def parse_error_finding(filename: str, message: str) -> Finding:
    """POOL000 for a file that could not be read or parsed at all."""
    return _parse_error(filename, SourceError(message))


def _parse_error(filename: str, exc: SourceError) -> Finding:
    loc = Location(exc.row, exc.column)
    return Finding(PARSE_ERROR_CODE, str(exc), filename, loc, loc)


def _one_line(value: object) -> str:
    text = str(value).strip().splitlines()
    return text[0] if text else type(value).__name__
