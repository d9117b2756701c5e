"""The dependencies a project declares (for POOL007): pyproject, requirements*.txt, setup.cfg."""

from __future__ import annotations

import configparser
import functools
import os
import re
from pathlib import Path

from pooltune._toml import tomllib
from pooltune.lint.rule import ProjectInfo

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?")


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
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    project = data.get("project", {})
    poetry = data.get("tool", {}).get("poetry", {})
    if not project and not poetry:
        return None
    requirements: list[str] = list(project.get("dependencies", []))
    for group in project.get("optional-dependencies", {}).values():
        requirements.extend(group)
    for group in data.get("dependency-groups", {}).values():
        requirements.extend(r for r in group if isinstance(r, str))
    for table in (poetry.get("dependencies", {}), poetry.get("dev-dependencies", {})):
        for name, spec in table.items():
            extras = spec.get("extras", []) if isinstance(spec, dict) else []
            requirements.append(f"{name}[{','.join(extras)}]" if extras else name)
    for group in poetry.get("group", {}).values():
        requirements.extend(group.get("dependencies", {}))
    return {n for r in requirements if isinstance(r, str) for n in _normalize(r)}


def _from_requirements(folder: Path) -> set[str] | None:
    files = sorted(folder.glob("requirements*.txt"))
    if not files:
        return None
    names: set[str] = set()
    for file in files:
        try:
            lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            line = line.split("#", 1)[0].strip()
            if line and not line.startswith("-"):
                names |= _normalize(line)
    return names


def _from_setup_cfg(path: Path) -> set[str] | None:
    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (OSError, configparser.Error):
        return None
    if not parser.has_option("options", "install_requires"):
        return None
    lines = parser.get("options", "install_requires").splitlines()
    if parser.has_section("options.extras_require"):
        for _, value in parser.items("options.extras_require"):
            lines.extend(value.splitlines())
    return {n for line in lines if line.strip() for n in _normalize(line)}


@functools.lru_cache(maxsize=1024)
def _project_info_for_folder(folder: Path) -> ProjectInfo:
    for candidate in (folder, *folder.parents):
        found: set[str] | None = None
        for names in (
            _from_pyproject(candidate / "pyproject.toml"),
            _from_requirements(candidate),
            _from_setup_cfg(candidate / "setup.cfg"),
        ):
            if names is not None:
                found = (found or set()) | names
        if found is not None:
            return ProjectInfo(frozenset(found))
    return ProjectInfo(None)


def project_info_for(path: Path) -> ProjectInfo:
    """The nearest project's declared dependencies, or ProjectInfo(None) when none is found."""
    absolute = Path(os.path.abspath(path))  # cached per folder; resolving every file is slow
    return _project_info_for_folder(absolute if absolute.is_dir() else absolute.parent)
