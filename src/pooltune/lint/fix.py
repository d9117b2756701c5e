"""Apply fixes: non-overlapping text edits per file, last edit first; `--fix` and `--diff`
go through the runner (the cache, the joined summaries, PEP 263 encodings)."""

from __future__ import annotations

import difflib
import io
import tokenize
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pooltune.lint.findings import Edit, Finding, Location

MAX_ROUNDS = 10  # a fix may enable another one (ruff loops the same way)


def _offset(line_starts: list[int], loc: Location) -> int:
    return line_starts[loc.row - 1] + loc.column - 1


def apply_fixes(source: str, findings: Sequence[Finding], unsafe: bool) -> tuple[str, int]:
    """Return the fixed source and how many findings were fixed (overlaps are left for later)."""
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    chosen: list[tuple[int, int, Edit]] = []
    fixed = 0
    for finding in findings:
        fix = finding.fix
        if fix is None or (fix.applicability == "unsafe" and not unsafe):
            continue
        spans = [
            (_offset(starts, e.location), _offset(starts, e.end_location), e) for e in fix.edits
        ]
        if any(s < ce and cs < e for s, e, _ in spans for cs, ce, _ in chosen):
            continue
        chosen.extend(spans)
        fixed += 1
    for start, end, edit in sorted(chosen, key=lambda t: t[0], reverse=True):
        source = source[:start] + edit.content + source[end:]
    return source, fixed


def _decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was written in (coding cookie or BOM, else UTF-8)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding), encoding


@dataclass
class FixOutcome:
    findings: list[Finding]  # what is left after fixing
    fixed: int = 0
    diff: list[str] = field(default_factory=list)


def fix_files(
    filenames: Sequence[str],
    codes_for: dict[str, frozenset[str]],
    cache_root: Path | None,
    findings: list[Finding],
    *,
    unsafe: bool,
    write: bool,
    test_ignore: Collection[str],
) -> FixOutcome:
    """Fix, re-lint through the runner, repeat while fixes apply. Files keep their encoding;
    without ``write`` the fixed sources stay in memory and a unified diff is returned."""
    from pooltune.lint.runner import lint_files

    contents: dict[str, bytes] = {}
    originals: dict[str, str] = {}
    outcome = FixOutcome(findings)
    for _ in range(MAX_ROUNDS):
        by_file: dict[str, list[Finding]] = {}
        for finding in outcome.findings:
            if finding.fix is not None:
                by_file.setdefault(finding.filename, []).append(finding)
        round_fixed = 0
        for filename, file_findings in by_file.items():
            try:
                data = contents.get(filename) or Path(filename).read_bytes()
                source, encoding = _decode(data)
            except (OSError, SyntaxError, LookupError, UnicodeDecodeError):
                continue
            fixed_source, fixed = apply_fixes(source, file_findings, unsafe)
            if fixed == 0:
                continue
            originals.setdefault(filename, source)
            round_fixed += fixed
            contents[filename] = fixed_source.encode(encoding)
        if round_fixed == 0:
            break
        outcome.fixed += round_fixed
        if write:
            for filename, data in contents.items():
                Path(filename).write_bytes(data)
        run = lint_files(
            filenames,
            codes_for,
            cache_root if write else None,
            test_ignore=test_ignore,
            overrides=None if write else contents,
            plan_hoists=True,
        )
        outcome.findings = run.findings
    if not write:
        for filename, original in originals.items():
            fixed_text, _ = _decode(contents[filename])
            outcome.diff.extend(
                difflib.unified_diff(
                    original.splitlines(keepends=True),
                    fixed_text.splitlines(keepends=True),
                    f"a/{filename}",
                    f"b/{filename}",
                )
            )
    return outcome
