"""What `pooltune recommend` checks before it sends anything (`--dry-run` too): every file it
will write, every optional library it will need. A run that probes for a minute must not end
in "matplotlib is missing" or a traceback over an output path.

It also says, up front on stderr, when the snippet asked for is written for another library
than the one measured.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from pooltune.model import LIBRARIES
from pooltune.output_path import output_problem
from pooltune.recommend.settings import RecommendSettings, UsageError, resolve_client

# Formats that are code or configuration: they need a recommendation to say anything.
RECOMMENDATION_FORMATS = frozenset({"toml", "snippet", *LIBRARIES})
EXIT_NO_RECOMMENDATION = 1  # the probe ran and ended without a recommendation to write


def check_before_load(settings: RecommendSettings, cwd: Path) -> list[str]:
    """Raise UsageError (one line, exit 2) for what would fail after the probe; return the
    notes to print before it starts."""
    if settings.output:
        _writable("--output", Path(settings.output))
    if settings.plot:
        if not _importable("matplotlib"):
            raise UsageError(
                "--plot needs matplotlib, which is not installed here: "
                "pip install 'pooltune[plot]' (or leave out --plot)"
            )
        _writable("--plot", Path(settings.plot))
    from pooltune.probe.engines import library_installed

    library, source = resolve_client(settings, cwd)
    if not library_installed(library):
        raise UsageError(
            f"the probe measures on {library} ({source}), which is not installed here: "
            f"pip install {library}, or choose another with --client"
        )
    notes = []
    if settings.format in LIBRARIES and settings.format != library:
        notes.append(
            f"note: measuring on {library} ({source}); the {settings.format} snippet carries "
            f"settings measured on {library}: pass --client {settings.format} to measure on "
            f"{settings.format} itself"
        )
    return notes


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a module set to None in sys.modules: blocked
        return False


def _writable(flag: str, path: Path) -> None:
    problem = output_problem(path)
    if problem:
        raise UsageError(f"{flag} {path}: {problem}")


def no_recommendation_message(settings: RecommendSettings, warnings: list[str]) -> str:
    """The one line for a run that ended without a recommendation when a code or TOML format
    was asked for (nothing is written to stdout or --output)."""
    why = warnings[0] if warnings else "no level completed"
    for tail in ("; this report is partial", ": this report is partial"):
        why = why.removesuffix(tail)
    return (
        f"pooltune recommend: no recommendation to write as {settings.format}: {why} "
        "(--format text or json shows the partial report)"
    )
