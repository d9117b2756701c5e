"""`pooltune fix --profile PROFILE.toml [PATH ...] [--diff]`: the tuner's measured settings,
written into the code's client constructors.

Exit 0: settings applied (or already there); 1: no client of the profiled library (at the
profiled origin) was found; 2: a bad profile, a missing path or a bad configuration.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer


def _fail(message: str) -> typer.Exit:
    typer.echo(f"pooltune: error: {message}", err=True)
    return typer.Exit(2)


def fix(
    paths: Annotated[
        list[str] | None, typer.Argument(help="Files or folders (default: .).")
    ] = None,
    profile: Annotated[
        Path | None,
        typer.Option(
            "--profile", help="A profile from `pooltune recommend --format toml` (required)."
        ),
    ] = None,
    diff: Annotated[
        bool, typer.Option("--diff", help="Print the changes as a diff; change nothing.")
    ] = False,
) -> None:
    """Write measured pool settings (`recommend --format toml`) into the clients' constructors."""
    from pooltune.config import ConfigError, load_config
    from pooltune.fix_profile.profile import ProfileError, load_profile
    from pooltune.lint.files import select_files
    from pooltune.lint.settings import LintSettings

    if profile is None:
        raise _fail("--profile PROFILE.toml is required")
    try:
        measured = load_profile(profile)
    except ProfileError as exc:
        raise _fail(str(exc)) from None
    targets = paths or ["."]
    try:
        settings = LintSettings.from_config(load_config(None, Path(targets[0])), None, None)
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    selection = select_files(targets, settings.root, list(settings.exclude))
    for error in selection.errors:
        typer.echo(f"pooltune: error: {error.path}: {error.reason}", err=True)
    if selection.errors:
        raise typer.Exit(2)

    from pooltune.fix_profile.apply import apply_profile

    outcome = apply_profile(selection.files, measured, write=not diff)
    for problem in outcome.problems:
        typer.echo(problem, err=True)
    if diff:
        sys.stdout.writelines(outcome.diff)
    if outcome.write_failed:
        raise typer.Exit(2)
    if outcome.matched == 0:
        library = measured.library or "any supported library"
        where = f" at {measured.origin}" if measured.origin else ""
        typer.echo(f"No client of {library}{where} found: nothing changed.", err=True)
        raise typer.Exit(1)
    verb = "Would write" if diff else "Wrote"
    plural = "s" if outcome.changed != 1 else ""
    typer.echo(
        f"{verb} the profile into {outcome.changed} constructor{plural} "
        f"({outcome.matched - outcome.changed} already up to date).",
        err=True,
    )
    raise typer.Exit(0)
