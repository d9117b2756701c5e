"""Lint many files in two phases: summarize every file, join the summaries, then run the rules.

Phase one (``ast``, every file): the syntax check and the file's function summary. The join
(:class:`~pooltune.lint.summaries.ProjectIndex`) resolves factories, helpers, base classes,
handlers and the functions they call across the linted tree, and gives each file the joined
facts it depends on. Phase two (libcst, only files where a rule can fire): the rules.

Both phases use the cache (content + settings key; the payload holds the summary, and the
findings with the fingerprint of the facts they were computed with) and one process pool when
there are many files.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pooltune import __version__
from pooltune.lint.cache import CachedFile, ResultCache, content_key, settings_key
from pooltune.lint.catalog import catalog_dir, load_catalog
from pooltune.lint.engine import (
    DEFAULT_TEST_IGNORE,
    FileSummary,
    lint_bytes,
    parse_error_finding,
    summarize_bytes,
)
from pooltune.lint.files import Skipped
from pooltune.lint.findings import Finding
from pooltune.lint.project import project_info_for
from pooltune.lint.rule import ProjectInfo
from pooltune.lint.summaries import ModuleSummary, ModuleView, ProjectIndex, module_name_for

MAX_FILE_BYTES = 2 * 1024 * 1024
# Below this many files to parse, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 24

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class LintRun:
    findings: list[Finding] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    files: int = 0
    from_cache: int = 0
    sources: dict[str, bytes] = field(default_factory=dict)  # kept when asked (for --fix)


def _code_version() -> str:
    """Results depend on our version, the catalog and the rule code itself."""
    sources = [catalog_dir() / "libraries.toml", *sorted(Path(__file__).parent.rglob("*.py"))]
    digest = hashlib.sha256(__version__.encode())
    for path in sources:
        digest.update(path.read_bytes())
    return settings_key(digest.hexdigest())


def _summarize_one(task: tuple[bytes, str, tuple[str, bool]]) -> FileSummary:
    data, filename, module = task
    try:
        return summarize_bytes(data, filename, load_catalog(), module)
    except Exception:  # a bug of ours in phase one: the rules still run on the file
        return FileSummary(None)


def _lint_one(
    task: tuple[bytes, str, frozenset[str], ProjectInfo, ModuleView | None, frozenset[str]],
) -> list[Finding]:
    data, filename, codes, project, view, test_ignore = task
    try:
        result = lint_bytes(
            data, filename, load_catalog(), codes, project, view=view, test_ignore=test_ignore
        )
    except Exception as exc:  # a bug of ours must not stop the other files
        return [parse_error_finding(filename, f"internal error: {type(exc).__name__}: {exc}")]
    return list(result.findings)


class _Chunk:
    """A picklable "map over a chunk" (the worker processes import it by name)."""

    def __init__(self, function: Callable[[Any], Any]) -> None:
        self.function = function

    def __call__(self, chunk: list[Any]) -> list[Any]:
        return [self.function(task) for task in chunk]


def _map(
    pool: Executor | None, function: Callable[[T], R], tasks: list[T], workers: int
) -> list[R]:
    if pool is None or len(tasks) < PARALLEL_THRESHOLD:
        return [function(task) for task in tasks]
    size = max(1, min(16, len(tasks) // (workers * 4)))
    chunks = [tasks[i : i + size] for i in range(0, len(tasks), size)]
    return [r for chunk in pool.map(_Chunk(function), chunks) for r in chunk]


@dataclass
class _File:
    filename: str
    data: bytes
    codes: frozenset[str]
    project: ProjectInfo
    module: tuple[str, bool]
    key: str
    cached: CachedFile | None = None
    summary: ModuleSummary | None = None
    error: Finding | None = None


def lint_files(
    filenames: Sequence[str],
    codes_for: dict[str, frozenset[str]],
    cache_root: Path | None,
    jobs: int | None = None,
    *,
    test_ignore: Collection[str] = DEFAULT_TEST_IGNORE,
    keep_sources: bool = False,
    overrides: dict[str, bytes] | None = None,
) -> LintRun:
    """``codes_for`` maps each file to its enabled codes (after per-file-ignores);
    ``overrides`` gives some files' contents in place of what is on disk (``--diff``)."""
    run = LintRun(files=len(filenames))
    cache = ResultCache(cache_root, _code_version()) if cache_root is not None else None
    ignore_in_tests = frozenset(test_ignore)
    files: list[_File] = []
    for filename in filenames:
        try:
            data = (
                overrides[filename]
                if overrides and filename in overrides
                else (Path(filename).read_bytes())
            )
        except OSError as exc:
            run.findings.append(
                parse_error_finding(filename, f"cannot read file: {exc.strerror or exc}")
            )
            continue
        if len(data) > MAX_FILE_BYTES:
            size = len(data) / 1024 / 1024
            run.skipped.append(
                Skipped(filename, f"file too large ({size:.1f} MiB > {MAX_FILE_BYTES >> 20} MiB)")
            )
            continue
        if keep_sources:
            run.sources[filename] = data
        codes = codes_for[filename]
        project = project_info_for(Path(filename))
        module = module_name_for(filename)
        settings_part = "|".join(
            (
                ",".join(sorted(codes)),
                ",".join(sorted(project.dependencies or ["-"])),
                ",".join(sorted(ignore_in_tests)),
                f"{module[0]}:{int(module[1])}",
            )
        )
        key = content_key(data, settings_part)
        entry = _File(filename, data, codes, project, module, key)
        entry.cached = cache.get(key, filename) if cache else None
        files.append(entry)

    workers = jobs or os.cpu_count() or 1
    pool: ProcessPoolExecutor | None = None
    try:
        # phase one: summaries (from the cache where the file is unchanged)
        todo = [f for f in files if f.cached is None]
        if len(todo) >= PARALLEL_THRESHOLD and workers > 1:
            pool = ProcessPoolExecutor(max_workers=workers)
        summaries = _map(
            pool, _summarize_one, [(f.data, f.filename, f.module) for f in todo], workers
        )
        for entry, result in zip(todo, summaries, strict=True):
            entry.summary, entry.error = result.summary, result.error
        for entry in files:
            if entry.cached is not None:
                entry.summary, entry.error = entry.cached.summary, entry.cached.error

        # the join
        index = ProjectIndex((f.summary for f in files if f.summary is not None), load_catalog())
        phase_two: list[tuple[_File, str, ModuleView | None]] = []
        for entry in files:
            if entry.error is not None:
                run.findings.append(entry.error)
                if cache is not None and entry.cached is None:
                    cache.put(entry.key, CachedFile(None, error=entry.error))
                continue
            summary = entry.summary
            cached = entry.cached
            if summary is not None and not index.needs_rules(summary):
                if cache is not None and cached is None:
                    cache.put(entry.key, CachedFile(summary, "-", []))
                elif cached is not None:
                    run.from_cache += 1
                continue
            view = index.view_for(summary) if summary is not None else None
            fingerprint = view.fingerprint() if view is not None else "-"
            if (
                cached is not None
                and cached.findings is not None
                and cached.fingerprint == fingerprint
            ):
                run.findings.extend(cached.findings)
                run.from_cache += 1
                continue
            phase_two.append((entry, fingerprint, view))

        # phase two: the rules, on the files where one can fire
        if pool is None and len(phase_two) >= PARALLEL_THRESHOLD and workers > 1:
            pool = ProcessPoolExecutor(max_workers=workers)
        tasks = [
            (entry.data, entry.filename, entry.codes, entry.project, view, ignore_in_tests)
            for entry, _, view in phase_two
        ]
        results = _map(pool, _lint_one, tasks, workers)
    finally:
        if pool is not None:
            pool.shutdown()

    for (entry, fingerprint, _), findings in zip(phase_two, results, strict=True):
        run.findings.extend(findings)
        if cache is not None and not any(f.message.startswith("internal error") for f in findings):
            cache.put(entry.key, CachedFile(entry.summary, fingerprint, findings))
    if cache is not None:
        cache.save()
    run.findings.sort(key=lambda f: f.sort_key)
    return run
