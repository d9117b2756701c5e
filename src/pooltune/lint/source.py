"""Read a Python file for the linter with `ast` only: decode, syntax check, phase one.

The one `ast.parse` per file is both the syntax check and phase one (the function summaries
the runner joins across the tree). Nothing here imports libcst: a file no rule can care
about (and a warm run) never pays for it.
"""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
import warnings
from collections.abc import Collection
from dataclasses import dataclass

from pooltune.lint.catalog import Catalog
from pooltune.lint.findings import Finding, Location
from pooltune.lint.summaries import ModuleSummary, module_name_for, summarize

PARSE_ERROR_CODE = "POOL000"
# The Python whose f-string grammar (PEP 701) older interpreters' `ast` does not read.
NEWEST_FSTRING_SYNTAX = (3, 12)
# Bigger files are reported (POOL000), not read: `ast` alone takes seconds and a gigabyte on a
# few megabytes of code. The largest module of the 18 packages in bench/realcode is 0.95 MiB.
MAX_FILE_BYTES = 2 * 1024 * 1024


class SourceError(Exception):
    """The file cannot be read as Python source; the message says why, in one line."""

    def __init__(self, message: str, row: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.row = row
        self.column = column


def decode_source(data: bytes) -> str:
    """Decode per PEP 263 (coding cookie or BOM, else UTF-8); reject NUL bytes."""
    if b"\x00" in data:
        raise SourceError("source contains a NUL byte")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
        raise SourceError(f"cannot decode source: {one_line(exc)}") from None


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
            error = SourceError(
                f"syntax error: {exc.msg}", exc.lineno or 1, max(exc.offset or 1, 1)
            )
        except (ValueError, RecursionError, MemoryError) as exc:
            raise SourceError(f"cannot parse: {one_line(exc)}") from None
    if sys.version_info < NEWEST_FSTRING_SYNTAX and "f" in source.lower():
        # PEP 701 f-strings on an older interpreter: the same file lints the same everywhere
        from pooltune.lint.downlevel import downlevel_fstrings

        tree = downlevel_fstrings(source)
        if tree is not None:
            return tree
    raise error


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
        return FileSummary(None, parse_error(filename, exc))
    return summarize_tree(tree, filename, catalog, module or module_name_for(filename))


def summarize_tree(
    tree: ast.Module, filename: str, catalog: Catalog, module: tuple[str, bool]
) -> FileSummary:
    try:
        return FileSummary(summarize(tree, catalog, filename, *module))
    except Exception:  # too deep, or a bug of ours: no summary, the rules still run on it
        return FileSummary(None)


def summarize_bytes(
    data: bytes, filename: str, catalog: Catalog, module: tuple[str, bool] | None = None
) -> FileSummary:
    try:
        source = decode_source(data)
    except SourceError as exc:
        return FileSummary(None, parse_error(filename, exc))
    return summarize_source(source, filename, catalog, module)


def parse_error_finding(filename: str, message: str) -> Finding:
    """POOL000 for a file that could not be read or parsed at all."""
    return parse_error(filename, SourceError(message))


def file_too_large(filename: str, size: int) -> Finding:
    """POOL000 for a file over MAX_FILE_BYTES: reported, so that a run over it cannot pass."""
    return parse_error_finding(
        filename,
        f"file too large to lint ({size / 2**20:.1f} MiB; the limit is "
        f"{MAX_FILE_BYTES >> 20} MiB): split it, or exclude it",
    )


def parse_error(filename: str, exc: SourceError) -> Finding:
    loc = Location(exc.row, exc.column)
    return Finding(PARSE_ERROR_CODE, str(exc), filename, loc, loc)


def one_line(value: object) -> str:
    text = str(value).strip().splitlines()
    return text[0] if text else type(value).__name__
