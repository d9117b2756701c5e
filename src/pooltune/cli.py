"""The `pooltune` command line: thin wrappers that parse flags, call one function, pick the exit.

Each command lives beside the code it drives and keeps heavy imports (httpx, scipy, hypercorn)
inside its body, so `pooltune lint` on a few files (the pre-commit case) starts fast.
"""

from __future__ import annotations

import typer

from pooltune import __version__
from pooltune.lint.command import lint, rule_doc, rules_list
from pooltune.recommend.cli import recommend
from pooltune.sim.command import sim

app = typer.Typer(
    name="pooltune",
    help="Find and fix HTTP connection-pool anti-patterns, and tune pools against a live API.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pooltune {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """pooltune: lint connection-pool anti-patterns; recommend pool settings from measurement."""


app.command("lint")(lint)
app.command("rules")(rules_list)
app.command("rule")(rule_doc)
app.command("sim")(sim)
app.command("recommend")(recommend)
app.command("monitor")(__import__("pooltune.monitor.cli", fromlist=["monitor"]).monitor)


def main() -> None:
    app()
