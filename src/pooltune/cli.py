"""The `pooltune` command line: one registry of sub-commands, each loaded only when it runs.

`pooltune --help` prints the registry's one-line summaries without importing any command, and
`pooltune lint` imports only the linter: typer builds a sub-command's options from its function
signature, so the function's module (and whatever that imports) is loaded on first use. A
command whose optional dependencies are missing says in one line which extra to install.

Adding a sub-command is one line in COMMANDS (the summary is checked against the function's
docstring by the tests).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from dataclasses import dataclass
from typing import Any

import typer
from typer.core import TyperGroup

from pooltune import __version__

# Import names each optional extra brings (pyproject.toml [project.optional-dependencies]).
TUNE_MODULES = ("pydantic", "httpx", "h2", "scipy", "numpy", "rich", "hypercorn", "trustme")
LSP_MODULES = ("pygls", "lsprotocol")
MONITOR_MODULES = ("pydantic", "rich")


@dataclass(frozen=True)
class LazyCommand:
    """A sub-command as ``module:function``, its one-line summary, and the extra it needs."""

    target: str
    summary: str
    extra: str | None = None
    modules: tuple[str, ...] = ()


COMMANDS: dict[str, LazyCommand] = {
    "lint": LazyCommand(
        "pooltune.lint.cli:lint", "Lint Python files for HTTP connection-pool anti-patterns."
    ),
    "rules": LazyCommand(
        "pooltune.lint.cli:rules_list",
        "List the rules: code, name, summary, and whether a fix is offered.",
    ),
    "rule": LazyCommand("pooltune.lint.cli:rule_doc", "Print a rule's documentation."),
    "fix": LazyCommand(
        "pooltune.fix_profile.command:fix",
        "Write measured pool settings (`recommend --format toml`) into the clients' constructors.",
    ),
    "server": LazyCommand(
        "pooltune.lint.server:server",
        "Run the language server (LSP over stdio) for editors.",
        "lsp",
        LSP_MODULES,
    ),
    "recommend": LazyCommand(
        "pooltune.recommend.cli:recommend",
        "Probe a live API and recommend HTTP connection-pool settings, with evidence.",
        "tune",
        TUNE_MODULES,
    ),
    "monitor": LazyCommand(
        "pooltune.monitor.cli:monitor",
        "Run a command with its HTTP connection pools monitored; a summary and advice at exit.",
        "monitor",
        MONITOR_MODULES,
    ),
    "sim": LazyCommand(
        "pooltune.sim.command:sim",
        "Run a simulated OpenAI-compatible API on loopback with real TLS, HTTP/2 and keep-alive.",
        "tune",
        TUNE_MODULES,
    ),
}


def missing_modules(modules: tuple[str, ...]) -> list[str]:
    """Which of these top-level modules cannot be imported (found without importing them)."""
    missing = []
    for name in modules:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(name)
    return missing


def load_command(name: str, entry: LazyCommand) -> typer.models.CommandInfo:
    module_name, _, attr = entry.target.partition(":")
    function = getattr(importlib.import_module(module_name), attr)
    return typer.models.CommandInfo(name=name, callback=function)


class LazyGroup(TyperGroup):
    """A typer group whose sub-commands come from COMMANDS, built on first use."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        missing = missing_modules(entry.modules)
        if missing:
            typer.echo(
                f"pooltune {cmd_name} needs the '{entry.extra}' extra ({', '.join(missing)} "
                f"missing): pip install 'pooltune[{entry.extra}]'",
                err=True,
            )
            sys.exit(2)
        sub = typer.Typer(
            add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None
        )
        sub.registered_commands.append(load_command(cmd_name, entry))
        command = typer.main.get_command(sub)
        self.commands[cmd_name] = command
        return command

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = [(name, entry.summary) for name, entry in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


app = typer.Typer(
    name="pooltune",
    cls=LazyGroup,
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


def _click_error(name: str) -> type[Exception]:
    """click's exception class ``name``: typer 0.28 vendors click as `typer._click`, earlier
    typers use click itself; typer.BadParameter derives from either's."""
    return next(c for c in typer.BadParameter.__mro__ if c.__name__ == name)


def main() -> None:
    """Run the app; a usage error is one line on stderr, exit 2, as every other error is
    (click prints the usage, a hint and a blank line before it)."""
    usage_error, click_exception = _click_error("UsageError"), _click_error("ClickException")
    try:
        code = typer.main.get_command(app).main(prog_name="pooltune", standalone_mode=False)
    except usage_error as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # `pooltune` alone: the help
            exc.show()  # type: ignore[attr-defined]
            sys.exit(exc.exit_code)  # type: ignore[attr-defined]
        context = exc.ctx  # type: ignore[attr-defined]
        hint = f" (see `{context.command_path} --help`)" if context is not None else ""
        message = exc.format_message().rstrip(".")  # type: ignore[attr-defined]
        typer.echo(f"pooltune: error: {message}{hint}", err=True)
        sys.exit(2)
    except click_exception as exc:
        exc.show()  # type: ignore[attr-defined]
        sys.exit(exc.exit_code)  # type: ignore[attr-defined]
    except typer.Abort:
        typer.echo("Aborted!", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
