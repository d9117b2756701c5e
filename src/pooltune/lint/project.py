"""The dependencies a project declares (for POOL007): pyproject, requirements*.txt, setup.cfg."""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pooltune._toml import tomllib
from pooltune.regular_file import read_regular_file, read_regular_text

if TYPE_CHECKING:  # rule.py imports libcst; a warm cached run must not pay for that
    from pooltune.lint.rule import ProjectInfo

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?")
_INCLUDE = re.compile(r"^(?:-r|--requirement)\s*=?\s*(\S+)")


class _Unknowable(Exception):
    """The nearest project declares its dependencies where we cannot read them statically."""


def _normalize(requirement: str) -> set[str]:
    """'httpx[http2]>=0.27' -> {'httpx', 'httpx[http2]'}; names lower-case, '_' -> '-'."""
    match = _NAME.match(requirement)
    if not match:
        return set()
    name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
    names = {name}
    if match.group(2):
        for extra in match.group(2)[1:-1].split(","):
            if extra.strip():
                names.add(f"{name}[{extra.strip().lower()}]")
    return names


def _from_pyproject(path: Path) -> set[str] | None:
    try:
        data = read_regular_file(path)
    except FileNotFoundError:
        return None  # no pyproject here
    except OSError as error:  # unreadable, or a FIFO: present, but we cannot tell
        raise _Unknowable from error
    try:
        return _pyproject_names(tomllib.loads(data.decode("utf-8")))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, AttributeError, TypeError) as error:
        raise _Unknowable from error  # a broken or odd-shaped pyproject: we cannot tell


def _pyproject_names(data: dict[str, Any]) -> set[str] | None:
    project = data.get("project", {})
    poetry = data.get("tool", {}).get("poetry", {})
    if not project and not poetry:
        return None
    if "dependencies" in project.get("dynamic", []) and not poetry:
        raise _Unknowable  # computed by the build backend (setup.py, a plugin)
    requirements: list[str] = list(project.get("dependencies", []))
    for group in project.get("optional-dependencies", {}).values():
        requirements.extend(group)
    for group in data.get("dependency-groups", {}).values():
        requirements.extend(r for r in group if isinstance(r, str))
    tables = [poetry.get("dependencies", {}), poetry.get("dev-dependencies", {})]
    tables.extend(group.get("dependencies", {}) for group in poetry.get("group", {}).values())
    for table in tables:
        for name, spec in table.items():
            extras = spec.get("extras", []) if isinstance(spec, dict) else []
            requirements.append(f"{name}[{','.join(extras)}]" if extras else name)
    return {n for r in requirements if isinstance(r, str) for n in _normalize(r)}


def _requirement_names(file: Path, seen: set[Path]) -> set[str]:
    """Names in one requirements file, following `-r other.txt` includes once each."""
    if file in seen:
        return set()
    seen.add(file)
    try:
        lines = read_regular_text(file, errors="replace").splitlines()
    except OSError:
        return set()
    names: set[str] = set()
    for raw in lines:
        line = raw.split(" #", 1)[0].strip()
        include = _INCLUDE.match(line)
        if include:
            names |= _requirement_names(file.parent / include.group(1), seen)
        elif line and not line.startswith(("-", "#")):
            names |= _normalize(line)
    return names


def _from_requirements(folder: Path) -> set[str] | None:
    try:  # os.scandir: pathlib's glob costs ~0.1 ms a folder, and every folder is asked
        files = sorted(
            folder / entry.name
            for entry in os.scandir(folder)
            if entry.name.startswith("requirements") and entry.name.endswith(".txt")
        )
    except OSError:
        return None
    if not files:
        return None
    seen: set[Path] = set()
    return {name for file in files for name in _requirement_names(file, seen)}


def _from_setup_cfg(path: Path) -> set[str] | None:
    if not path.is_file():
        return None  # most folders have none; a parser costs more than the stat
    import configparser  # rarely needed: not paid at start-up

    parser = configparser.ConfigParser()
    try:
        parser.read_string(read_regular_text(path, errors="replace"), str(path))
    except (OSError, configparser.Error):
        return None
    if not parser.has_option("options", "install_requires"):
        return None
    lines = parser.get("options", "install_requires").splitlines()
    if parser.has_section("options.extras_require"):
        for _, value in parser.items("options.extras_require"):
            lines.extend(value.splitlines())
    return {n for line in lines if line.strip() for n in _normalize(line)}


@functools.lru_cache(maxsize=4096)
def _declared_in(folder: Path) -> tuple[bool, frozenset[str] | None]:
    """(whether ``folder`` is a project, its names or None when they cannot be known)."""
    found: set[str] | None = None
    try:
        pyproject = _from_pyproject(folder / "pyproject.toml")
    except _Unknowable:
        return True, None  # a requirements file next to it may or may not be the source
    for names in (pyproject, _from_requirements(folder), _from_setup_cfg(folder / "setup.cfg")):
        if names is not None:
            found = (found or set()) | names
    if found is not None:
        return True, frozenset(found)
    if (folder / "setup.py").is_file():
        return True, None  # a setup.py-only project: its dependencies are code
    return False, None


@functools.lru_cache(maxsize=4096)
def _dependencies_for_folder(folder: Path) -> frozenset[str] | None:
    # Each folder is examined once per run, however many files and subfolders sit below it:
    # a tree of 300 folders 8 deep would otherwise read ~2,400 folders' project files.
    is_project, names = _declared_in(folder)
    if is_project:
        return names
    parent = folder.parent
    return None if parent == folder else _dependencies_for_folder(parent)


def declared_dependencies(path: Path) -> frozenset[str] | None:
    """The nearest project's declared dependencies; None when none can be known."""
    absolute = Path(os.path.abspath(path))  # cached per folder; resolving every file is slow
    return _dependencies_for_folder(absolute if absolute.is_dir() else absolute.parent)


def project_info_for(path: Path) -> ProjectInfo:
    """The nearest project's declared dependencies, or ProjectInfo(None) when none is found."""
    from pooltune.lint.rule import ProjectInfo

    return ProjectInfo(declared_dependencies(path))


def forget_cached_dependencies() -> None:
    """For a long-running process (the language server) after a project file changed."""
    _dependencies_for_folder.cache_clear()
    _declared_in.cache_clear()
