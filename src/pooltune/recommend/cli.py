"""`pooltune recommend`: typer options -> RecommendSettings -> pipeline.run -> render -> stdout.

Nothing here measures or decides: flags become settings (over `[tool.pooltune.recommend]`),
the pipeline returns one Report, and every format (text too) goes through `render()` and the
same secret scrub. The plan, progress and log lines go to stderr. Heavy imports stay inside
the function bodies.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pooltune.recommend.settings import RecommendSettings, UsageError, load_settings

if TYPE_CHECKING:
    from rich.console import Console

    from pooltune.model import Report


def _status(console: Console, message: str) -> None:
    console.print(message, markup=False, highlight=False, soft_wrap=True)


def recommend(
    url: Annotated[
        str | None, typer.Option("--url", help="The API endpoint (default: pooltune sim).")
    ] = None,
    method: Annotated[
        str | None, typer.Option("--method", help="HTTP method (default POST).")
    ] = None,
    header: Annotated[
        list[str] | None,
        typer.Option(
            "--header", help="'Name: value', repeatable; $VAR expands from the environment."
        ),
    ] = None,
    json_body: Annotated[
        str | None, typer.Option("--json", help="Request body: JSON or @file.")
    ] = None,
    ca_bundle: Annotated[
        str | None, typer.Option("--ca-bundle", help="PEM CA file to trust.")
    ] = None,
    insecure: Annotated[
        bool | None, typer.Option("--insecure", help="Skip TLS verification (warns).")
    ] = None,
    target_concurrency: Annotated[
        int | None,
        typer.Option(
            "--target-concurrency", help="Concurrent requests your app needs (default 50)."
        ),
    ] = None,
    max_requests: Annotated[
        int | None, typer.Option("--max-requests", help="Hard budget of requests (default 3000).")
    ] = None,
    max_duration: Annotated[
        float | None,
        typer.Option("--max-duration", help="Hard time budget in seconds (default 55)."),
    ] = None,
    client: Annotated[
        str | None,
        typer.Option(
            "--client",
            help="httpx|httpx2|aiohttp|openai|anthropic: the library your code uses "
            "(default: from the project's dependencies, else httpx).",
        ),
    ] = None,
    replicas: Annotated[
        int | None,
        typer.Option("--replicas", help="Processes/pods sharing the server's limits (default 1)."),
    ] = None,
    validate: Annotated[
        bool | None, typer.Option("--validate", help="A/B the recommendation against the baseline.")
    ] = None,
    baseline: Annotated[
        str | None,
        typer.Option(
            "--baseline", help="TOML of your current settings (default: the library's defaults)."
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan and send nothing.")
    ] = False,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="text|json|toml|snippet (for --client)|httpx|httpx2|aiohttp|openai|anthropic.",
        ),
    ] = None,
    wide: Annotated[bool | None, typer.Option("--wide", help="Text: every phase column.")] = None,
    output: Annotated[
        str | None, typer.Option("--output", help="Write the output to this file.")
    ] = None,
    plot: Annotated[str | None, typer.Option("--plot", help="Draw the curves to this PNG.")] = None,
) -> None:
    """Probe a live API and recommend HTTP connection-pool settings, with evidence."""
    from rich.console import Console

    console = Console(stderr=True, highlight=False)
    flags = {
        "url": url,
        "method": method,
        "header": header or None,
        "json": json_body,
        "ca-bundle": ca_bundle,
        "insecure": insecure,
        "target-concurrency": target_concurrency,
        "max-requests": max_requests,
        "max-duration": max_duration,
        "client": client,
        "replicas": replicas,
        "validate": validate,
        "baseline": baseline,
        "format": fmt,
        "wide": wide,
        "output": output,
        "plot": plot,
    }
    try:
        settings = load_settings(flags, Path.cwd())
        code = main(settings, console, dry_run=dry_run)
    except UsageError as exc:
        _status(console, f"pooltune recommend: error: {exc}")
        raise typer.Exit(2) from None
    raise typer.Exit(code)


def main(settings: RecommendSettings, console: Console, dry_run: bool = False) -> int:
    """The command; returns the exit code. Raises UsageError for bad input."""
    from pooltune.recommend import pipeline
    from pooltune.recommend.preconditions import check_before_load

    for note in check_before_load(settings, Path.cwd()):
        _status(console, note)
    if dry_run:
        for line in pipeline.dry_run(settings):
            _status(console, line)
        return 0
    from pooltune.recommend.signals import sigterm_as_interrupt

    with sigterm_as_interrupt():
        report = _with_progress(settings, console)
    return emit(report, settings, console)


def _with_progress(settings: RecommendSettings, console: Console) -> Report:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from pooltune.recommend import pipeline

    with Progress(
        TextColumn("probing"),
        BarColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        # not on a terminal the bar draws nothing useful, only a blank line at its end
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task("", total=None)

        def stage(name: str, done: int, total: int) -> None:
            progress.update(task, description=name, completed=done, total=total or None)

        def status(message: str) -> None:
            progress.console.print(message, markup=False, highlight=False, soft_wrap=True)

        return pipeline.run(settings, pipeline.Hooks(status=status, stage=stage))


def emit(report: Report, settings: RecommendSettings, console: Console) -> int:
    """Render the chosen format, scrub it, and write it to --output or stdout; the exit code.

    A code or TOML format of a run without a recommendation writes nothing (an empty or
    half snippet must not land in a file) and exits 1 with one line saying why."""
    from pooltune.recommend.pipeline import scrubber
    from pooltune.recommend.preconditions import (
        EXIT_NO_RECOMMENDATION,
        RECOMMENDATION_FORMATS,
        no_recommendation_message,
    )
    from pooltune.render import render

    if report.recommendation is None and settings.format in RECOMMENDATION_FORMATS:
        _status(console, scrubber(settings)(no_recommendation_message(settings, report.warnings)))
        return EXIT_NO_RECOMMENDATION

    if settings.plot:
        try:
            from pooltune.render.plot import plot_report

            plot_report(report, Path(settings.plot))
        except ImportError:
            _status(console, "warning: --plot needs matplotlib (pip install 'pooltune[plot]')")
    width = 80
    if settings.format == "text" and not settings.output and sys.stdout.isatty():
        import shutil

        width = max(80, shutil.get_terminal_size().columns)
    text = scrubber(settings)(render(report, settings.format, width=width, wide=settings.wide))
    if not text.endswith("\n"):
        text += "\n"
    if settings.output:
        try:
            Path(settings.output).write_text(text)
        except OSError as exc:  # checked before the run, but the disk or folder may have changed
            _status(
                console, f"pooltune recommend: error: --output {settings.output}: {exc.strerror}"
            )
            return 2
    else:
        sys.stdout.write(text)
    return 0


__all__ = ["RecommendSettings", "emit", "main", "recommend"]
