"""ruff-like text: ``path:row:col: POOL001 message`` and a summary line."""

from __future__ import annotations

from collections.abc import Sequence

from pooltune.lint.findings import Finding

_BOLD, _RED, _CYAN, _DIM, _RESET = "\x1b[1m", "\x1b[31m", "\x1b[36m", "\x1b[2m", "\x1b[0m"


def _marked(finding: Finding, unsafe_fixes: bool) -> bool:
    """Whether the finding's fix would apply with these options (ruff's ``[*]``)."""
    fix = finding.fix
    return fix is not None and (fix.applicability == "safe" or unsafe_fixes)


def render_text(
    findings: Sequence[Finding],
    color: bool,
    fixable_hint: bool = True,
    *,
    unsafe_fixes: bool = False,
    fixed: int = 0,
) -> str:
    lines = []
    for f in findings:
        loc = f"{f.filename}:{f.location.row}:{f.location.column}:"
        if color:
            fixable = f" {_DIM}[*]{_RESET}" if _marked(f, unsafe_fixes) else ""
            lines.append(f"{_BOLD}{loc}{_RESET} {_RED}{_BOLD}{f.code}{_RESET}{fixable} {f.message}")
        else:
            fixable = " [*]" if _marked(f, unsafe_fixes) else ""
            lines.append(f"{loc} {f.code}{fixable} {f.message}")
    lines.append(summary(findings, color, fixable_hint, unsafe_fixes=unsafe_fixes, fixed=fixed))
    return "\n".join(lines) + "\n"


def _errors(n: int) -> str:
    return f"{n} error{'s' if n != 1 else ''}"


def summary(
    findings: Sequence[Finding],
    color: bool,
    fixable_hint: bool = True,
    *,
    unsafe_fixes: bool = False,
    fixed: int = 0,
) -> str:
    """ruff's summary: how many were found (and fixed), how many more `--fix` would fix, and
    how many more only `--unsafe-fixes` would."""
    n = len(findings)
    if not findings and not fixed:
        return f"{_CYAN}All checks passed!{_RESET}" if color else "All checks passed!"
    if fixed:
        text = f"Found {_errors(n + fixed)} ({fixed} fixed, {n} remaining)."
    else:
        text = f"Found {_errors(n)}."
    hint = fix_hint(findings, unsafe_fixes) if fixable_hint else None
    return text if hint is None else f"{text}\n{hint}"


def fix_hint(findings: Sequence[Finding], unsafe_fixes: bool) -> str | None:
    """ "[*] N fixable with the `--fix` option (M hidden fixes can be enabled with the
    `--unsafe-fixes` option)." in ruff's words; None when no finding has a fix."""
    fixable = sum(1 for f in findings if _marked(f, unsafe_fixes))
    hidden = sum(
        1 for f in findings if f.fix and f.fix.applicability == "unsafe" and not unsafe_fixes
    )
    more = (
        f"{hidden} hidden fix{'es' if hidden != 1 else ''} can be enabled with the "
        "`--unsafe-fixes` option"
    )
    if fixable and hidden:
        return f"[*] {fixable} fixable with the `--fix` option ({more})."
    if fixable:
        return f"[*] {fixable} fixable with the `--fix` option."
    if hidden:
        return f"No fixes available ({more})."
    return None
