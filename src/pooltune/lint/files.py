"""Which files to lint: walk the given paths, skipping what ruff skips, .gitignore and excludes."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from pooltune.regular_file import NOT_REGULAR, read_regular_text

# ruff's default exclusions, plus caches of ours.
DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints",
    ".mypy_cache", ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache",
    ".svn", ".tox", ".venv", ".vscode", "__pypackages__", "_build", "buck-out", "build",
    "dist", "node_modules", "site-packages", "venv", "__pycache__", ".pooltune_cache",
)  # fmt: skip


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass
class FileSelection:
    files: list[str] = field(default_factory=list)  # as given / as found, for display
    skipped: list[Skipped] = field(default_factory=list)  # nothing lost: a duplicate, a dead link
    # What was asked for and cannot be linted (a missing path, a FIFO, a folder that cannot be
    # listed): each is an error line, and the run exits 2 whatever the findings.
    errors: list[Skipped] = field(default_factory=list)


def _spec(patterns: Sequence[str]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(patterns)


class _Excluder:
    def __init__(self, root: Path, exclude: Sequence[str], respect_gitignore: bool) -> None:
        self.root = root
        self.spec = _spec(exclude)
        # A pattern without a slash (but a trailing one) matches a name anywhere; one with a
        # slash is anchored at the root (`/rules` is the top-level rules/, not lint/rules/).
        self.name_spec = _spec([p for p in exclude if "/" not in p.rstrip("/")])
        self.respect_gitignore = respect_gitignore
        self._gitignores: dict[Path, pathspec.GitIgnoreSpec | None] = {}

    def _gitignore(self, folder: Path) -> pathspec.GitIgnoreSpec | None:
        if folder not in self._gitignores:
            path = folder / ".gitignore"
            try:
                lines = read_regular_text(path, errors="replace").splitlines()
                self._gitignores[folder] = _spec(lines)
            except OSError:
                self._gitignores[folder] = None
        return self._gitignores[folder]

    def excluded(self, path: Path, is_dir: bool) -> bool:
        name = path.name + ("/" if is_dir else "")
        if self.name_spec.match_file(name):
            return True
        try:
            rel = path.relative_to(self.root).as_posix()
        except ValueError:
            rel = None
        if rel is not None and self.spec.match_file(rel + ("/" if is_dir else "")):
            return True
        if is_dir and _is_virtualenv(path):
            return True
        if self.respect_gitignore and rel is not None:
            # Each .gitignore applies to paths below its own folder.
            parts = Path(rel).parts[:-1]
            for depth in range(len(parts) + 1):
                folder = self.root.joinpath(*parts[:depth])
                spec = self._gitignore(folder)
                if spec is None:
                    continue
                rel_here = path.relative_to(folder).as_posix() + ("/" if is_dir else "")
                if spec.match_file(rel_here):
                    return True
        return False


def _is_virtualenv(folder: Path) -> bool:
    """A virtualenv, whatever it is called. A folder we may not look into is not one: the walk
    then reports that it cannot list it."""
    try:
        return (folder / "pyvenv.cfg").exists()
    except OSError:
        return False


def select_files(
    paths: Sequence[str],
    root: Path,
    exclude: Sequence[str],
    *,
    force_exclude: bool = False,
    respect_gitignore: bool = True,
) -> FileSelection:
    """Explicitly named files are linted even when excluded, unless ``force_exclude`` (ruff)."""
    excluder = _Excluder(root.resolve(), exclude, respect_gitignore)
    selection = FileSelection()
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        problem = named_path_problem(given)
        if problem is not None:
            selection.errors.append(Skipped(given, problem))
            continue
        if path.is_dir():
            if force_exclude and excluder.excluded(path.resolve(), True):
                continue
            for found in _walk(path, excluder, selection):
                real = Path(os.path.abspath(found))  # no syscall: the walk follows no links
                if real not in seen:
                    seen.add(real)
                    selection.files.append(str(found))
            continue
        if force_exclude and excluder.excluded(path.resolve(), False):
            continue
        real = path.resolve()
        if real not in seen:
            seen.add(real)
            selection.files.append(given)
    return selection


def named_path_problem(given: str) -> str | None:
    """Why a path named on the command line cannot be linted (None: a folder or a regular file).
    A FIFO or a device would block the read forever, so it is refused before anything opens it."""
    try:
        mode = os.stat(given).st_mode
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return "broken symbolic link" if os.path.islink(given) else "no such file or directory"
        if exc.errno == errno.ELOOP:
            return "symbolic link loop"
        return f"cannot read ({exc.strerror or exc})"
    if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
        return None
    return f"{NOT_REGULAR} or folder"


def _walk(top: Path, excluder: _Excluder, selection: FileSelection) -> Iterator[Path]:
    visited: set[tuple[int, int]] = set()
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            info = folder.stat()
        except OSError as exc:
            selection.skipped.append(Skipped(str(folder), f"cannot read ({exc.strerror})"))
            continue
        key = (info.st_dev, info.st_ino)
        if key in visited:
            selection.skipped.append(Skipped(str(folder), "symbolic link loop"))
            continue
        visited.add(key)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            selection.errors.append(Skipped(str(folder), f"cannot list ({exc.strerror})"))
            continue
        subdirs: list[Path] = []
        for entry in entries:
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()
                is_file = entry.is_file()
            except OSError:
                is_dir = is_file = False
            absolute = Path(os.path.abspath(path))
            if is_dir:
                if not excluder.excluded(absolute, True):
                    subdirs.append(path)
            elif entry.name.endswith((".py", ".pyi")):
                if not is_file:
                    reason = "broken symbolic link" if entry.is_symlink() else NOT_REGULAR
                    selection.skipped.append(Skipped(str(path), reason))
                    continue
                if not excluder.excluded(absolute, False):
                    yield path
        stack.extend(reversed(subdirs))
