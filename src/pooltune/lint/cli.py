"""`pooltune lint`, `pooltune rules`, `pooltune rule CODE`: flags in, one function call, exit code.

Exit codes (design.md section 2): 0 no findings, 1 findings, 2 usage/configuration/internal error.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

# Only what typer needs to build the options lives up here: `pooltune lint --help` imports
# nothing else, and a lint run imports the engine once it knows what to lint.


class OutputFormat(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"


def _fail(message: str) -> typer.Exit:
    _error(message)
    return typer.Exit(2)


def _split(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [code for value in values for code in value.replace(" ", "").split(",") if code]


def lint(
    paths: Annotated[
        list[str] | None, typer.Argument(help="Files or folders (default: .).")
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="Output format.")
    ] = OutputFormat.text,
    select: Annotated[
        list[str] | None, typer.Option(help="Rule codes or prefixes to enable (e.g. POOL001).")
    ] = None,
    ignore: Annotated[
        list[str] | None, typer.Option(help="Rule codes or prefixes to skip.")
    ] = None,
    config: Annotated[Path | None, typer.Option(help="Read settings from this TOML file.")] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Do not read or write the cache.")
    ] = False,
    fix: Annotated[bool, typer.Option("--fix", help="Apply safe fixes.")] = False,
    unsafe_fixes: Annotated[
        bool, typer.Option("--unsafe-fixes", help="With --fix or --diff, also apply unsafe fixes.")
    ] = False,
    diff: Annotated[
        bool, typer.Option("--diff", help="Print fixes as a diff; change nothing.")
    ] = False,
    force_exclude: Annotated[
        bool, typer.Option("--force-exclude", help="Apply excludes to files named explicitly too.")
    ] = False,
    exit_zero: Annotated[
        bool, typer.Option("--exit-zero", help="Exit 0 even with findings.")
    ] = False,
    output_file: Annotated[
        Path | None, typer.Option("--output-file", "-o", help="Write the report to this file.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only print findings.")] = False,
) -> None:
    """Lint Python files for HTTP connection-pool anti-patterns."""
    from pooltune.config import ConfigError, load_config
    from pooltune.lint.files import select_files
    from pooltune.lint.settings import LintSettings
    from pooltune.lint.workers import stopped_by_signals

    targets = paths or ["."]
    try:
        if config is not None and not config.exists():
            raise ConfigError(f"--config {config}: no such file")
        settings = LintSettings.from_config(
            load_config(config, Path(targets[0])), _split(select), _split(ignore)
        )
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    if output_file is not None:
        _check_output_file(output_file)  # before the linting, not after it

    selection = select_files(
        targets, settings.root, list(settings.exclude), force_exclude=force_exclude
    )
    for error in selection.errors:
        _error(f"{error.path}: {error.reason}")
    for skipped in selection.skipped:
        _warn(f"{skipped.path}: skipped: {skipped.reason}")

    codes_for = settings.codes_per_file(selection.files)
    from pooltune.lint.runner import lint_files

    fixing = fix or diff
    with stopped_by_signals():
        run = lint_files(
            selection.files,
            codes_for,
            None if no_cache else settings.root,
            test_ignore=settings.test_ignore,
            keep_sources=fixing,  # the fixes apply to exactly the bytes the findings came from
            plan_hoists=fixing,
        )
    findings = run.findings

    fixed = 0
    write_failed = False
    if fixing:
        from pooltune.lint.fix import fix_files

        with stopped_by_signals():
            outcome = fix_files(
                selection.files,
                codes_for,
                None if no_cache else settings.root,
                findings,
                run.sources,
                unsafe=unsafe_fixes,
                write=fix and not diff,
                test_ignore=settings.test_ignore,
            )
        findings = outcome.findings
        for problem in outcome.problems:
            typer.echo(problem.line(), err=True)
        if diff:
            _write_stdout("".join(outcome.diff))
            typer.echo(_would_fix(outcome.fixed, findings, unsafe_fixes), err=True)
            raise typer.Exit(0 if not findings or exit_zero else 1)
        fixed = outcome.fixed
        write_failed = outcome.write_failed

    incomplete = bool(selection.errors)
    report = _render(
        findings, output_format, output_file is None and not quiet, unsafe_fixes, fixed
    )
    if output_file is not None:
        try:
            output_file.write_bytes(_encode(report))
        except OSError as exc:
            message = f"--output-file {output_file}: cannot write ({exc.strerror or exc})"
            raise _fail(message) from None
    elif findings or not (quiet or (incomplete and output_format is OutputFormat.text)):
        # "All checks passed!" would be untrue beside a path that could not be linted.
        _write_stdout(report)
    if write_failed:  # an I/O error, not a finding: exit 2 (ruff reports it as E902, exit 1)
        raise typer.Exit(2)
    if incomplete:
        raise typer.Exit(2)
    raise typer.Exit(1 if findings and not exit_zero else 0)


def _would_fix(fixed: int, left: list["Finding"], unsafe_fixes: bool) -> str:  # noqa: UP037
    """`--diff`'s last line, on stderr: what the fixes shown would do (ruff's words)."""
    if fixed:
        return f"Would fix {fixed} error{'s' if fixed != 1 else ''}."
    hidden = (
        0 if unsafe_fixes else sum(1 for f in left if f.fix and f.fix.applicability == "unsafe")
    )
    if hidden:
        fixes = "fix" if hidden == 1 else "fixes"
        return f"No errors would be fixed ({hidden} {fixes} available with `--unsafe-fixes`)."
    return "No errors would be fixed."


def _error(message: str) -> None:
    typer.echo(_printable(f"pooltune: error: {message}"), err=True)


def _warn(message: str) -> None:
    typer.echo(_printable(f"pooltune: warning: {message}"), err=True)


def _printable(text: str) -> str:
    """A file name that is not UTF-8 reaches us with surrogate escapes; shown as U+FFFD, as ruff
    shows it, in a message (the report itself keeps the name's bytes)."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _encode(report: str) -> bytes:
    """The report's bytes: a file name that is not UTF-8 is written back as the bytes it has on
    disk (JSON and SARIF escape it themselves), so the output names the file that exists."""
    return report.encode("utf-8", "surrogateescape")


def _write_stdout(report: str) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write(_encode(report))
    sys.stdout.buffer.flush()


def _check_output_file(path: Path) -> None:
    """Create the report's folder as ruff does, and fail in one line before any linting when
    the report could not be written there."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        message = f"--output-file {path}: cannot create its folder ({exc.strerror or exc})"
        raise _fail(message) from None
    if path.is_dir():
        raise _fail(f"--output-file {path}: is a folder")
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise _fail(f"--output-file {path}: not writable")


def _render(
    findings: list["Finding"],  # noqa: UP037
    fmt: OutputFormat,
    tty_stdout: bool,
    unsafe_fixes: bool = False,
    fixed: int = 0,
) -> str:
    if fmt is OutputFormat.json:
        from pooltune.lint.report.json_report import render_json

        return render_json(findings)
    if fmt is OutputFormat.sarif:
        from pooltune.lint.report.sarif import render_sarif

        return render_sarif(findings)
    if fmt is OutputFormat.github:
        from pooltune.lint.report.github import render_github

        return render_github(findings)
    from pooltune.lint.report.text import render_text

    color = tty_stdout and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    return render_text(findings, color, unsafe_fixes=unsafe_fixes, fixed=fixed)


def rules_list() -> None:
    """List the rules: code, name, summary, and whether a fix is offered."""
    from pooltune.lint.rules import ALL_RULES

    rows = [("code", "name", "fix", "summary")]
    # The summary is the head of the rule's message: what is wrong, without the advice.
    rows += [
        (r.code, r.name, r.fix_offered or "none", r.message.split(": ", 1)[0]) for r in ALL_RULES
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for code, name, fix, summary in rows:
        typer.echo(f"{code:<{widths[0]}}  {name:<{widths[1]}}  {fix:<{widths[2]}}  {summary}")
    typer.echo("\n`pooltune rule CODE` prints a rule's documentation.")


def rule_doc(
    code: Annotated[str, typer.Argument(help="A rule code, e.g. POOL001.")],
) -> None:
    """Print a rule's documentation."""
    from pooltune.lint.docs import load_rule_doc

    try:
        doc = load_rule_doc(code)
    except KeyError as exc:
        raise _fail(str(exc)) from None
    sys.stdout.write(doc.text if doc.text.endswith("\n") else doc.text + "\n")


if False:  # typing only; keeps start-up imports light
    from pooltune.lint.findings import Finding
