"""`[tool.pooltune]` of the nearest pyproject.toml, validated: unknown keys and codes are errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pooltune._toml import tomllib


class ConfigError(Exception):
    """Invalid configuration: reported as one line, exit 2."""


class LintConfig(BaseModel):
    """ruff's meanings: codes or prefixes ("POOL", "POOL00", "ALL"); globs gitignore-style."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    select: tuple[str, ...] = ("POOL",)
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] | None = None  # None: the built-in defaults
    extend_exclude: tuple[str, ...] = Field(default=(), alias="extend-exclude")
    per_file_ignores: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, alias="per-file-ignores"
    )
    # Codes not reported in test code (test_*.py, *_test.py, conftest.py, tests/ folders,
    # test_* functions, pytest fixtures); [] lints tests like everything else.
    test_ignore: tuple[str, ...] = Field(default=("POOL001", "POOL008"), alias="test-ignore")
    # Tables that belong to `pooltune recommend`; validated there.
    recommend: dict[str, Any] | None = None
    profile: dict[str, Any] | None = None


class LoadedConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    config: LintConfig
    root: Path  # the folder of the pyproject.toml (or the cwd): globs are relative to it
    source: Path | None


def find_pyproject(start: Path) -> Path | None:
    start = start.resolve()
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        path = candidate / "pyproject.toml"
        if path.is_file():
            return path
    return None


def load_config(explicit: Path | None, start: Path) -> LoadedConfig:
    path = explicit if explicit is not None else find_pyproject(start)
    if path is None:
        root = start.resolve() if start.is_dir() else start.resolve().parent
        return LoadedConfig(config=LintConfig(), root=root, source=None)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from None
    # A pyproject.toml holds [tool.pooltune]; a file given with --config may be a bare table.
    is_pyproject = path.name == "pyproject.toml" or "tool" in data
    table = data.get("tool", {}).get("pooltune", {}) if is_pyproject else data
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.pooltune] must be a table")
    try:
        config = LintConfig.model_validate(table)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_describe(exc)}") from None
    return LoadedConfig(config=config, root=path.resolve().parent, source=path)


def _describe(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    if err["type"] == "extra_forbidden":
        known = ", ".join(sorted(f.alias or name for name, f in LintConfig.model_fields.items()))
        return f"unknown key {where!r} in [tool.pooltune] (known: {known})"
    return f"[tool.pooltune] {where}: {err['msg']}"


def expand_selectors(selectors: tuple[str, ...], known: list[str], what: str) -> set[str]:
    """Codes matched by codes/prefixes; a selector that matches no rule is an error."""
    codes: set[str] = set()
    for raw in selectors:
        selector = raw.strip().upper()
        if selector == "ALL":
            codes.update(known)
            continue
        matched = [code for code in known if code.startswith(selector)]
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
