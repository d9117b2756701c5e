"""ruff-like text: ``path:row:col: POOL001 message`` and a summary line."""

from __future__ import annotations

from collections.abc import Sequence

from pooltune.lint.findings import Finding

_BOLD, _RED, _CYAN, _DIM, _RESET = "\x1b[1m", "\x1b[31m", "\x1b[36m", "\x1b[2m", "\x1b[0m"


def render_text(findings: Sequence[Finding], color: bool, fixable_hint: bool = True) -> str:
    lines = []
    for f in findings:
        loc = f"{f.filename}:{f.location.row}:{f.location.column}:"
        if color:
            fixable = f" {_DIM}[*]{_RESET}" if f.fix and f.fix.applicability == "safe" else ""
            lines.append(f"{_BOLD}{loc}{_RESET} {_RED}{_BOLD}{f.code}{_RESET}{fixable} {f.message}")
        else:
            fixable = " [*]" if f.fix and f.fix.applicability == "safe" else ""
            lines.append(f"{loc} {f.code}{fixable} {f.message}")
    lines.append(summary(findings, color, fixable_hint))
    return "\n".join(lines) + "\n"


def summary(findings: Sequence[Finding], color: bool, fixable_hint: bool = True) -> str:
    if not findings:
        return f"{_CYAN}All checks passed!{_RESET}" if color else "All checks passed!"
    n = len(findings)
    text = f"Found {n} error{'s' if n != 1 else ''}."
    safe = sum(1 for f in findings if f.fix and f.fix.applicability == "safe")
    unsafe = sum(1 for f in findings if f.fix and f.fix.applicability == "unsafe")
    if fixable_hint and safe:
        text += f"\n[*] {safe} fixable with the `--fix` option."
    if fixable_hint and unsafe:
        fixes = "fixes" if unsafe != 1 else "fix"
        text += f"\n{unsafe} hidden {fixes} can be enabled with the `--unsafe-fixes` option."
    return text
