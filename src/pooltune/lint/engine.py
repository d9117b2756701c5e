"""Lint one file: decode -> cheap prefilter -> parse -> metadata -> rules -> findings.

libcst's parse is several times slower than ``ast.parse`` and its metadata several times slower
again, so a file that imports no catalog library only gets a syntax check.
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
from pooltune.lint.findings import Finding, Location
from pooltune.lint.prefilter import needs_libcst
from pooltune.lint.rule import FileContext, ProjectInfo
from pooltune.lint.rules import ALL_RULES
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


def lint_source(
    source: str,
    filename: str,
    catalog: Catalog,
    codes: Collection[str],
    project: ProjectInfo | None = None,
) -> FileResult:
    """Lint already-decoded source. ``codes`` is the set of enabled rule codes."""
    try:
        if not imports_catalog_library(source, catalog):
            syntax_check(source)
            return FileResult(filename, ())
        tree = _syntax_tree(source)
        if tree is not None and not needs_libcst(tree, catalog):
            return FileResult(filename, ())
        try:
            module = cst.parse_module(source)
        except cst.ParserSyntaxError as exc:
            syntax_check(source)  # CPython's message is clearer when it also rejects the file
            raise SourceError(
                f"syntax error: {_one_line(exc.message)}", exc.raw_line, exc.raw_column + 1
            ) from None
        except RecursionError:
            raise SourceError("cannot parse: nesting too deep") from None
    except SourceError as exc:
        return FileResult(filename, (_parse_error(filename, exc),))

    context = FileContext(filename, module, catalog, project or ProjectInfo())
    rules = [rule(context) for rule in ALL_RULES if rule.code in codes]
    if rules:
        MetadataWrapper(module, unsafe_skip_copy=True).visit_batched(rules)
    findings = [finding for rule in rules for finding in rule.findings]
    findings = apply_suppressions(findings, source.splitlines())
    findings.sort(key=lambda f: f.sort_key)
    return FileResult(filename, tuple(findings), parsed_with_libcst=True)


def _syntax_tree(source: str) -> ast.Module | None:
    """The ast of a file CPython accepts; None where only libcst can tell (e.g. very deep
    nesting that CPython's parser refuses but libcst reads)."""
    try:
        return syntax_check(source)
    except SourceError:
        return None


def lint_bytes(
    data: bytes,
    filename: str,
    catalog: Catalog,
    codes: Collection[str],
    project: ProjectInfo | None = None,
) -> FileResult:
    try:
        source = decode_source(data)
    except SourceError as exc:
        return FileResult(filename, (_parse_error(filename, exc),))
    return lint_source(source, filename, catalog, codes, project)


def parse_error_finding(filename: str, message: str) -> Finding:
    """POOL000 for a file that could not be read or parsed at all."""
    return _parse_error(filename, SourceError(message))


def _parse_error(filename: str, exc: SourceError) -> Finding:
    loc = Location(exc.row, exc.column)
    return Finding(PARSE_ERROR_CODE, str(exc), filename, loc, loc)


def _one_line(value: object) -> str:
    text = str(value).strip().splitlines()
    return text[0] if text else type(value).__name__
