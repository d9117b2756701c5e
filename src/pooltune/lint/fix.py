"""Apply fixes: non-overlapping text edits per file, last edit first."""

from __future__ import annotations

from collections.abc import Sequence

from pooltune.lint.findings import Edit, Finding, Location


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
