"""`pooltune monitor [--json FILE] [--prometheus-port N] [--otlp] [--live] -- COMMAND ...`

Runs COMMAND with every HTTP client built in it instrumented (a `sitecustomize` on the child's
PYTHONPATH: see `autoinstrument`), passes its exit code through, and at exit prints the
summary to stderr and writes the snapshot JSON. Heavy imports stay inside the function.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def monitor(
    command: Annotated[
        list[str] | None,
        typer.Argument(help="The command to run, after `--`: python app.py, uvicorn app:app ..."),
    ] = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Write the snapshot JSON here at exit.")
    ] = None,
    prometheus_port: Annotated[
        int | None,
        typer.Option(help="Serve Prometheus /metrics on this port (in the command's process)."),
    ] = None,
    prometheus_addr: Annotated[
        str, typer.Option(help="Address for --prometheus-port.")
    ] = "127.0.0.1",
    otlp: Annotated[
        bool, typer.Option("--otlp", help="Export OpenTelemetry metrics with the OTLP exporter.")
    ] = False,
    live: Annotated[
        bool, typer.Option("--live", help="Show a refreshing table of the pools while it runs.")
    ] = False,
    interval: Annotated[
        float, typer.Option(help="Seconds between snapshots of the running command.")
    ] = 1.0,
    quiet: Annotated[bool, typer.Option("--quiet", help="No summary at exit.")] = False,
) -> None:
    """Run a command with its HTTP connection pools monitored; a summary and advice at exit."""
    from pooltune.monitor.runner import run_monitored

    if not command:
        typer.echo(
            "pooltune monitor: give the command after `--`, e.g. pooltune monitor -- python app.py",
            err=True,
        )
        raise typer.Exit(2)
    if json_file is not None:
        from pooltune.output_path import output_problem

        problem = output_problem(json_file)
        if problem:
            typer.echo(f"pooltune monitor: error: --json {json_file}: {problem}", err=True)
            raise typer.Exit(2)
    code = run_monitored(
        command,
        json_file=json_file,
        prometheus_port=prometheus_port,
        prometheus_addr=prometheus_addr,
        otlp=otlp,
        live=live,
        interval=interval,
        quiet=quiet,
    )
    raise typer.Exit(code)
