"""Which files to lint: walk the given paths, skipping what ruff skips, .gitignore and excludes."""

from __future__ import annotations

import errno
import functools
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when something is matched: one named file needs no patterns
    import pathspec

from pooltune.regular_file import NOT_REGULAR, read_regular_text

# ruff's default exclusions, plus caches of ours.
DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints",
    ".mypy_cache", ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache",
    ".svn", ".tox", ".venv", ".vscode", "__pypackages__", "_build", "buck-out", "build",
    "dist", "node_modules", "site-packages", "venv", "__pycache__", ".pooltune_cache",
)  # fmt: skip

# Characters that make an exclude pattern more than a plain name (gitignore's syntax).
_NOT_LITERAL = frozenset("*?[]!#\\/")


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
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(patterns)


class _Excluder:
    def __init__(self, root: Path, exclude: Sequence[str], respect_gitignore: bool) -> None:
        self.root = root
        self.exclude = exclude
        self.respect_gitignore = respect_gitignore
        self._gitignores: dict[Path, pathspec.GitIgnoreSpec | None] = {}
        self._chains: dict[Path, list[tuple[str, pathspec.GitIgnoreSpec]]] = {}
        self._root_text = str(root)
        self._root_prefix = self._root_text.rstrip("/") + "/"

    @functools.cached_property
    def _literals(self) -> tuple[frozenset[str], frozenset[str], list[str]]:
        """(names, folder-only names, the other patterns). A pattern that is a plain name
        (`build`, `.venv/`, as all defaults are) matches a path with that name as any of its
        components; a set answers that without running every pattern's regex on every path.
        With a negation (`!x`) the order of patterns matters: all go to pathspec."""
        if any(p.startswith("!") for p in self.exclude):
            return frozenset(), frozenset(), list(self.exclude)
        names: set[str] = set()
        folders: set[str] = set()
        rest: list[str] = []
        for pattern in self.exclude:
            bare = pattern.rstrip("/")
            plain = bare not in ("", ".", "..") and bare == bare.strip()
            if plain and not set(bare) & _NOT_LITERAL:
                (folders if pattern.endswith("/") else names).add(bare)
            else:
                rest.append(pattern)
        return frozenset(names), frozenset(folders), rest

    @functools.cached_property
    def spec(self) -> pathspec.GitIgnoreSpec | None:
        rest = self._literals[2]
        return _spec(rest) if rest else None

    @functools.cached_property
    def name_spec(self) -> pathspec.GitIgnoreSpec | None:
        # A pattern without a slash (but a trailing one) matches a name anywhere; one with a
        # slash is anchored at the root (`/rules` is the top-level rules/, not lint/rules/).
        rest = [p for p in self._literals[2] if "/" not in p.rstrip("/")]
        return _spec(rest) if rest else None

    def _literal_match(self, name: str, is_dir: bool) -> bool:
        names, folders, _ = self._literals
        return name in names or (is_dir and name in folders)

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
        if self._literal_match(path.name, is_dir):
            return True
        name_spec = self.name_spec
        if name_spec is not None and name_spec.match_file(path.name + ("/" if is_dir else "")):
            return True
        rel = self._relative(path)
        if rel is not None:
            if any(self._literal_match(part, True) for part in rel.split("/")[:-1]):
                return True
            spec = self.spec
            if spec is not None and spec.match_file(rel + ("/" if is_dir else "")):
                return True
        if is_dir and _is_virtualenv(path):
            return True
        if self.respect_gitignore and rel is not None:
            # Each .gitignore applies to paths below its own folder.
            if rel == ".":  # the root itself, named with --force-exclude
                spec = self._gitignore(self.root)
                return spec is not None and spec.match_file("./" if is_dir else ".")
            text = path.as_posix() + ("/" if is_dir else "")
            for prefix, spec in self._chain(path.parent):
                if spec.match_file(text[len(prefix) :]):
                    return True
        return False

    def _relative(self, path: Path) -> str | None:
        """``path.relative_to(root)`` as text, None outside the root; by string prefix, as both
        are absolute and normalized (the walk calls this for every entry it sees)."""
        text = str(path)
        if text == self._root_text:
            return "."
        return text[len(self._root_prefix) :] if text.startswith(self._root_prefix) else None

    def _chain(self, folder: Path) -> list[tuple[str, pathspec.GitIgnoreSpec]]:
        """The .gitignore files from the root down to ``folder`` (at or below the root), each
        with the prefix its paths are relative to; built once per folder."""
        chain = self._chains.get(folder)
        if chain is None:
            above = [] if folder == self.root else self._chain(folder.parent)
            spec = self._gitignore(folder)
            prefix = folder.as_posix().rstrip("/") + "/"
            chain = above if spec is None else [*above, (prefix, spec)]
            self._chains[folder] = chain
        return chain


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
