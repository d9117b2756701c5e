"""``--format github``: GitHub Actions workflow annotations."""

from __future__ import annotations

from collections.abc import Sequence

from pooltune.lint.findings import Finding


def _escape(value: str, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def render_github(findings: Sequence[Finding]) -> str:
    return "".join(
        f"::error title={_escape('pooltune (' + f.code + ')', True)},"
        f"file={_escape(f.filename, True)},line={f.location.row},col={f.location.column},"
        f"endLine={f.end_location.row},endColumn={f.end_location.column}"
        f"::{_escape(f'{f.filename}:{f.location.row}:{f.location.column}: {f.code} {f.message}')}\n"
        for f in findings
    )
