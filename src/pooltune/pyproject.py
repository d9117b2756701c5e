"""The one reader of `pyproject.toml`: `[tool.pooltune]` (lint), `[tool.pooltune.recommend]`
(recommend) and the project's declared dependencies (recommend's `--client` default).

Every failure to read or to make sense of the file is one `ConfigError` whose message names the
file: the commands print it as one line and exit 2.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pooltune._toml import tomllib
from pooltune.regular_file import read_regular_text


class ConfigError(Exception):
    """Invalid configuration: reported as one line, exit 2."""


@dataclass(frozen=True)
class Pyproject:
    path: Path | None  # None: no pyproject.toml above the start folder
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def root(self) -> Path | None:
        return None if self.path is None else self.path.resolve().parent

    def tool(self) -> dict[str, Any]:
        """`[tool.pooltune]` (empty when absent)."""
        return table(self.data, ("tool", "pooltune"), self.path)

    def recommend(self) -> dict[str, Any]:
        """`[tool.pooltune.recommend]` (empty when absent)."""
        return table(self.data, ("tool", "pooltune", "recommend"), self.path)


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above ``start`` (a file or a folder). One that is not a
    regular file is still the project's: reading it says why it cannot be read, never hangs."""
    start = Path(os.path.realpath(start))  # a symbolic link loop resolves as far as it can
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        path = candidate / "pyproject.toml"
        if path.exists():
            return path
    return None


def read_toml(path: Path) -> dict[str, Any]:
    try:
        text = read_regular_text(path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    try:
        data: dict[str, Any] = tomllib.loads(text)
        return data
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from None


def load(start: Path, explicit: Path | None = None) -> Pyproject:
    """The nearest pyproject.toml (or ``explicit``), parsed; Pyproject(None) when there is none."""
    path = explicit if explicit is not None else find_pyproject(start)
    if path is None:
        return Pyproject(None)
    return Pyproject(path, read_toml(path))


def table(data: dict[str, Any], keys: tuple[str, ...], path: Path | None) -> dict[str, Any]:
    current: Any = data
    for depth, key in enumerate(keys):
        if not isinstance(current, dict):
            break
        current = current.get(key, {})
        if not isinstance(current, dict):
            name = ".".join(keys[: depth + 1])
            raise ConfigError(f"{path or 'pyproject.toml'}: [{name}] must be a table")
    return current if isinstance(current, dict) else {}


# -- declared dependencies ------------------------------------------------------------------

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _name(requirement: str) -> str | None:
    match = _NAME.match(requirement)
    return re.sub(r"[-_.]+", "-", match.group(1)).lower() if match else None


def _pyproject_requirements(data: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(runtime requirements, optional/dev/group ones)."""
    project = data.get("project", {}) if isinstance(data.get("project"), dict) else {}
    runtime: list[str] = [r for r in project.get("dependencies", []) if isinstance(r, str)]
    other: list[str] = []
    for group in (project.get("optional-dependencies") or {}).values():
        other.extend(r for r in group if isinstance(r, str))
    for group in (data.get("dependency-groups") or {}).values():
        other.extend(r for r in group if isinstance(r, str))
    poetry = data.get("tool", {}).get("poetry", {}) if isinstance(data.get("tool"), dict) else {}
    if isinstance(poetry.get("dependencies"), dict):
        runtime.extend(str(name) for name in poetry["dependencies"])
    tables = [poetry.get("dev-dependencies", {})]
    tables += [g.get("dependencies", {}) for g in (poetry.get("group") or {}).values()]
    for deps in tables:
        if isinstance(deps, dict):
            other.extend(str(name) for name in deps)
    return runtime, other


def declared_dependencies(start: Path) -> list[list[str]] | None:
    """Distribution names the nearest project declares, as [runtime, optional/dev]
    (pyproject.toml, and requirements*.txt beside it as runtime); None when no project is
    found. Never raises: a broken file only means the names are not known."""
    folder = start.resolve()
    if not folder.is_dir():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        runtime: list[str] = []
        other: list[str] = []
        pyproject = candidate / "pyproject.toml"
        found = False
        if pyproject.is_file():
            try:
                runtime, other = _pyproject_requirements(read_toml(pyproject))
                found = True
            except (ConfigError, AttributeError, TypeError):
                pass
        for file in sorted(candidate.glob("requirements*.txt")):
            found = True
            try:
                lines = read_regular_text(file, errors="replace").splitlines()
            except OSError:
                continue
            runtime += [ln for ln in lines if ln.strip() and not ln.lstrip().startswith("-")]
        if found:
            return [
                list(dict.fromkeys(n for n in map(_name, group) if n)) for group in (runtime, other)
            ]
    return None


__all__ = [
    "ConfigError",
    "Pyproject",
    "declared_dependencies",
    "find_pyproject",
    "load",
    "read_toml",
    "table",
]
