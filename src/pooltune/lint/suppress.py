"""Inline suppressions: ``# noqa``, ``# noqa: POOL001,POOL002`` and ``# pooltune: ignore[...]``."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from pooltune.lint.findings import Finding

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.I)
_IGNORE = re.compile(r"#\s*pooltune:\s*ignore(?:\[(?P<codes>[A-Z0-9,\s]+)\])?", re.I)
ALL = frozenset({"*"})


def suppressed_codes(line: str) -> frozenset[str]:
    """Codes a line's comment suppresses; {"*"} for a bare ``# noqa`` or ``# pooltune: ignore``."""
    if "#" not in line:
        return frozenset()
    codes: set[str] = set()
    for pattern in (_NOQA, _IGNORE):
        for match in pattern.finditer(line):
            listed = match.group("codes")
            if listed is None:
                return ALL
            codes.update(code.upper() for code in re.split(r"[\s,]+", listed.strip()) if code)
    return frozenset(codes)


def apply_suppressions(findings: Iterable[Finding], lines: Sequence[str]) -> list[Finding]:
    kept: list[Finding] = []
    for finding in findings:
        row = finding.location.row
        line = lines[row - 1] if 0 < row <= len(lines) else ""
        codes = suppressed_codes(line)
        if codes is ALL or "*" in codes or finding.code in codes:
            continue
        kept.append(finding)
    return kept


def is_suppressed(line: str, code: str) -> bool:
    codes = suppressed_codes(line)
    return "*" in codes or code in codes


def add_noqa(line: str, code: str) -> str:
    """``line`` with ``code`` added to its ``# noqa: ...`` list, or a new ``# noqa: code``."""
    for match in _NOQA.finditer(line):
        if match.group("codes") is not None:
            end = match.end("codes")
            return f"{line[:end]}, {code}{line[end:]}"
    return f"{line.rstrip()}  # noqa: {code}"
