"""`[tool.pooltune]` of the nearest pyproject.toml, validated: unknown keys and codes are errors.

Plain frozen dataclasses filled by :mod:`pooltune._strict` rather than pydantic models: the
linter reads this on every run, and pydantic's import alone costs more than linting a small
file (bench/lint_startup.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pooltune._strict import TableError, from_table, keys_of
from pooltune.pyproject import ConfigError, find_pyproject, read_toml, table

__all__ = ["ConfigError", "LintConfig", "LoadedConfig", "find_pyproject", "load_config"]


@dataclass(frozen=True)
class LintConfig:
    """ruff's meanings: codes or prefixes ("POOL", "POOL00", "ALL"); globs gitignore-style."""

    select: tuple[str, ...] = ("POOL",)
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] | None = None  # None: the built-in defaults
    extend_exclude: tuple[str, ...] = field(default=(), metadata={"alias": "extend-exclude"})
    per_file_ignores: dict[str, tuple[str, ...]] = field(
        default_factory=dict, metadata={"alias": "per-file-ignores"}
    )
    # Codes not reported in test code (test_*.py, *_test.py, conftest.py, tests/ folders,
    # test_* functions, pytest fixtures); [] lints tests like everything else.
    test_ignore: tuple[str, ...] = field(
        default=("POOL001", "POOL008"), metadata={"alias": "test-ignore"}
    )
    # Tables that belong to `pooltune recommend`; validated there.
    recommend: dict[str, Any] | None = None
    profile: dict[str, Any] | None = None


@dataclass(frozen=True)
class LoadedConfig:
    config: LintConfig
    root: Path  # the folder of the pyproject.toml (or the cwd): globs are relative to it
    source: Path | None


def load_config(explicit: Path | None, start: Path) -> LoadedConfig:
    path = explicit if explicit is not None else find_pyproject(start)
    if path is None:
        real = Path(os.path.realpath(start))  # never raises, even on a symbolic link loop
        root = real if real.is_dir() else real.parent
        return LoadedConfig(config=LintConfig(), root=root, source=None)
    data = read_toml(path)
    # A pyproject.toml holds [tool.pooltune]; a file given with --config may be a bare table.
    is_pyproject = path.name == "pyproject.toml" or "tool" in data
    tool = table(data, ("tool", "pooltune"), path) if is_pyproject else data
    try:
        config = from_table(LintConfig, tool)
    except TableError as exc:
        raise ConfigError(f"{path}: {_describe(exc)}") from None
    return LoadedConfig(config=config, root=path.resolve().parent, source=path)


def _describe(exc: TableError) -> str:
    if exc.unknown:
        known = ", ".join(keys_of(LintConfig))
        return f"unknown key {exc.key!r} in [tool.pooltune] (known: {known})"
    return f"[tool.pooltune] {exc}"


# Opt-in rules (POOL1xx: weaker evidence, like ruff's rules that must be named): a selector
# reaches them only by their own prefix or code (`POOL1`, `POOL101`) or `ALL`, never `POOL`.
OPT_IN_PREFIX = "POOL1"


def expand_selectors(selectors: tuple[str, ...], known: list[str], what: str) -> set[str]:
    """Codes matched by codes/prefixes; a selector that matches no rule is an error."""
    codes: set[str] = set()
    for raw in selectors:
        selector = raw.strip().upper()
        if selector == "ALL":
            codes.update(known)
            continue
        matched = [
            code
            for code in known
            if code.startswith(selector)
            and not (
                code.startswith(OPT_IN_PREFIX)
                and OPT_IN_PREFIX.startswith(selector)
                and selector != OPT_IN_PREFIX
            )
        ]
        if not matched and selector != "POOL000":
            raise ConfigError(f"{what}: unknown rule code or prefix {raw!r}")
        codes.update(matched)
    return codes


def enabled_codes(
    config: LintConfig, known: list[str], select: list[str] | None, ignore: list[str] | None
) -> frozenset[str]:
    chosen = expand_selectors(tuple(select) if select else config.select, known, "select")
    chosen -= expand_selectors(config.ignore, known, "ignore")
    if ignore:
        chosen -= expand_selectors(tuple(ignore), known, "--ignore")
    for pattern, codes in config.per_file_ignores.items():
        expand_selectors(codes, known, f"per-file-ignores[{pattern!r}]")
    expand_selectors(config.test_ignore, known, "test-ignore")
    return frozenset(chosen)
