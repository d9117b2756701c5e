"""Lint many files in two phases: summarize every file, join the summaries, then run the rules.

Phase one (``ast``, every file not cached): the syntax check and the file's function summary.
The join (:class:`~pooltune.lint.summaries.ProjectIndex`) resolves factories, helpers, base
classes, handlers and the functions they call across the linted tree, and gives each file the
joined facts it depends on. Phase two (libcst, only files where a rule can fire): the rules.

The cache is looked up by path and stat first (:mod:`pooltune.lint.cache`): a file whose stat
matches is not read at all; its summary comes from the cache, and it is read only if phase two
needs it (its joined facts changed). A run over a tree the cache knows to be consistent decodes
no summary, joins nothing and imports no libcst. Both phases share one process pool when there
are many files.
"""

from __future__ import annotations

import gc
import hashlib
import os
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pooltune import __version__
from pooltune.lint.cache import (
    CachedFile,
    Hit,
    ResultCache,
    Stamp,
    content_hash,
    settings_key,
    stamp_of,
    tree_key,
)
from pooltune.lint.catalog import catalog_dir, load_catalog
from pooltune.lint.findings import Finding
from pooltune.lint.project import declared_dependencies
from pooltune.lint.source import MAX_FILE_BYTES, file_too_large
from pooltune.lint.summaries import DEFAULT_TEST_IGNORE, module_name_for
from pooltune.lint.workers import (
    GC_THRESHOLDS,
    Gathering,
    collected_after,
    init_worker,
    stop_workers,
)
from pooltune.regular_file import read_regular_file

if TYPE_CHECKING:  # the engine (libcst) and the join are imported only when a file needs them
    from concurrent.futures import Executor, Future, ProcessPoolExecutor  # many files only

    from pooltune.lint.rule import ProjectInfo
    from pooltune.lint.source import FileSummary
    from pooltune.lint.summaries import ModuleSummary, ModuleView

# Below this many files to parse, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 24
# Phase one's chunks: about this many per worker (by bytes), at most MAX_CHUNK files each
# (each chunk is one round trip to a worker).
CHUNKS_PER_WORKER = 64
MAX_CHUNK = 32

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class LintRun:
    findings: list[Finding] = field(default_factory=list)
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


def _summarize_one(
    task: tuple[bytes | None, str, tuple[str, bool]],
) -> tuple[FileSummary, str | None]:
    """Phase one of a file, and the digest of what was read when the worker read it (the main
    process hashed the file but does not hold every file's contents)."""
    from pooltune.lint.source import FileSummary, summarize_bytes

    data, filename, module = task
    digest = None
    with collected_after():
        try:
            if data is None:
                data = read_regular_file(filename)
                digest = content_hash(data)
                if len(data) > MAX_FILE_BYTES:  # grew since the stat
                    return FileSummary(None, file_too_large(filename, len(data))), ""
            return summarize_bytes(data, filename, load_catalog(), module), digest
        except OSError as exc:  # gone or unreadable since it was hashed: reported, never cached
            return FileSummary(None, _read_error(filename, exc)), ""
        except Exception:  # a bug of ours in phase one: the rules still run on the file
            return FileSummary(None), digest


def _lint_one(
    task: tuple[bytes, str, frozenset[str], ProjectInfo, ModuleView | None, frozenset[str]],
) -> list[Finding]:
    from pooltune.lint.engine import lint_bytes
    from pooltune.lint.source import parse_error_finding

    data, filename, codes, project, view, test_ignore = task
    try:
        with collected_after():
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


def _start_pool(workers: int) -> ProcessPoolExecutor:
    # imported here: multiprocessing and its imports cost ~10 ms that a run of a few files or
    # a warm run never needs
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    forked = multiprocessing.get_start_method() == "fork"
    return ProcessPoolExecutor(
        max_workers=workers, initializer=init_worker, initargs=(os.getpid(), forked)
    )


def _map(
    pool: Executor | None,
    function: Callable[[T], R],
    tasks: list[T],
    sizes: list[int],
    workers: int,
) -> list[R]:
    """``function`` over ``tasks`` (whose costs grow with ``sizes``), in the pool when there is
    one: the largest first, in chunks of about equal size, small enough that no worker is
    left with a long chunk at the end while the other has nothing to do."""
    if pool is None or len(tasks) < PARALLEL_THRESHOLD:
        return [function(task) for task in tasks]
    order = sorted(range(len(tasks)), key=lambda i: -sizes[i])
    budget = max(1, sum(sizes) // (workers * CHUNKS_PER_WORKER))
    chunks: list[list[int]] = []
    filled = budget
    for i in order:
        if filled >= budget or len(chunks[-1]) >= MAX_CHUNK:
            chunks.append([])
            filled = 0
        chunks[-1].append(i)
        filled += sizes[i]
    mapped = pool.map(_Chunk(function), [[tasks[i] for i in chunk] for chunk in chunks])
    results: list[R | None] = [None] * len(tasks)
    for chunk, done in zip(chunks, mapped, strict=True):
        for i, result in zip(chunk, done, strict=True):
            results[i] = result
    return results  # type: ignore[return-value]  # every index was filled


_LintTask = tuple[bytes, str, frozenset[str], "ProjectInfo", "ModuleView | None", frozenset[str]]


class _PhaseTwo:
    """Phase two's files, linted in the order they are submitted: in the pool (started once
    PARALLEL_THRESHOLD files wait, if the run has none yet) as soon as they are submitted,
    else in this process when the results are asked for."""

    def __init__(self, pool: ProcessPoolExecutor | None, workers: int) -> None:
        self.pool = pool
        self.workers = workers
        self.waiting: list[tuple[Any, _LintTask]] = []
        self.futures: list[tuple[Any, Future[list[Finding]]]] = []

    def submit(self, key: Any, task: _LintTask) -> None:
        if self.pool is None:
            self.waiting.append((key, task))
            if len(self.waiting) < PARALLEL_THRESHOLD or self.workers < 2:
                return
            self.pool = _start_pool(self.workers)
            waiting, self.waiting = self.waiting, []
            for earlier in waiting:
                self.futures.append((earlier[0], self.pool.submit(_lint_one, earlier[1])))
            return
        self.futures.append((key, self.pool.submit(_lint_one, task)))

    def results(self) -> list[tuple[Any, list[Finding]]]:
        done = [(key, future.result()) for key, future in self.futures]
        done.extend((key, _lint_one(task)) for key, task in self.waiting)
        return done


@dataclass
class _File:
    filename: str
    codes: frozenset[str]
    module: tuple[str, bool]
    settings: str
    stamp: Stamp | None  # None: contents given in place of the disk's (not cached)
    data: bytes | None = None  # None until read (a stat hit is read only for phase two)
    digest: str | None = None
    size: int = 0  # bytes, from the stat (what phase one's chunks and phase two's order weigh)
    hit: Hit | None = None
    cached: CachedFile | None = None
    summary: ModuleSummary | None = None
    error: Finding | None = None


def _read_error(filename: str, exc: OSError) -> Finding:
    from pooltune.lint.source import parse_error_finding

    return parse_error_finding(filename, f"cannot read file: {exc.strerror or exc}")


def lint_files(
    filenames: Sequence[str],
    codes_for: dict[str, frozenset[str]],
    cache_root: Path | None,
    jobs: int | None = None,
    *,
    test_ignore: Collection[str] = DEFAULT_TEST_IGNORE,
    keep_sources: bool = False,
    overrides: dict[str, bytes] | None = None,
    plan_hoists: bool = False,
) -> LintRun:
    """``codes_for`` maps each file to its enabled codes (after per-file-ignores);
    ``overrides`` gives some files' contents in place of what is on disk (``--diff``)."""
    run = LintRun(files=len(filenames))
    cache = ResultCache(cache_root, _code_version()) if cache_root is not None else None
    ignore_in_tests = frozenset(test_ignore)
    files: list[_File] = []
    # Whether this run's join can be remembered: not with contents in place of the disk's.
    # (Unreadable and oversized files are reported every run and join nothing either way.)
    on_disk = not overrides
    tests_key = ",".join(sorted(ignore_in_tests))
    codes_keys: dict[frozenset[str], str] = {}  # a few distinct sets (per-file-ignores)
    dependencies_keys: dict[str, str] = {}  # by folder: one project lookup per folder
    for filename in filenames:
        codes = codes_for[filename]
        module = module_name_for(filename)
        codes_key = codes_keys.get(codes)
        if codes_key is None:
            codes_key = codes_keys[codes] = ",".join(sorted(codes))
        folder = os.path.dirname(filename)
        dependencies_key = dependencies_keys.get(folder)
        if dependencies_key is None:
            dependencies = declared_dependencies(Path(filename))
            dependencies_key = ",".join(sorted(dependencies or ["-"]))
            dependencies_keys[folder] = dependencies_key
        settings = "|".join(
            (codes_key, dependencies_key, tests_key, f"{module[0]}:{int(module[1])}")
        )
        entry = _File(filename, codes, module, settings, None)
        try:
            if overrides and filename in overrides:
                entry.data = overrides[filename]
                entry.size = len(entry.data)
            else:
                entry.stamp = stamp_of(os.stat(filename))
                entry.size = entry.stamp[1]
                if entry.size > MAX_FILE_BYTES:
                    run.findings.append(file_too_large(filename, entry.size))
                    continue
                if cache is not None:
                    entry.hit = cache.lookup(filename, entry.stamp, settings)  # stat: no read
                    if entry.hit is None:
                        entry.data = read_regular_file(filename)  # touched, not changed?
                if keep_sources:
                    entry.data = read_regular_file(filename)
        except OSError as exc:
            run.findings.append(_read_error(filename, exc))
            continue
        if entry.data is not None and len(entry.data) > MAX_FILE_BYTES:  # grew since the stat
            run.findings.append(file_too_large(filename, len(entry.data)))
            continue
        if keep_sources and entry.data is not None:
            run.sources[filename] = entry.data
        if entry.hit is not None:
            entry.digest = entry.hit.digest
        elif entry.data is not None:
            entry.digest = content_hash(entry.data)
            if cache is not None and entry.stamp is not None:  # touched, not changed?
                entry.hit = cache.confirm(filename, entry.stamp, entry.digest, settings)
        if entry.stamp is not None and not keep_sources:
            # read again where it is needed (without a cache, first there: phase one's
            # worker reads and hashes it): all contents at once cost memory
            entry.data = None
        files.append(entry)

    tree = tree_key((f.filename, f.settings, f.digest or "") for f in files)
    if cache is not None and on_disk:
        reported = _reported_if_consistent(cache, files, tree)
        if reported is not None:
            # unreadable and oversized files were reported above, outside the tree
            run.findings = sorted([*run.findings, *reported], key=lambda f: f.sort_key)
            run.from_cache = len(files)
            cache.save()  # new stats recorded by confirm()
            run.findings = _with_project_fixes(run.findings, filenames, overrides, plan_hoists)
            return run
    consistent = on_disk
    for entry in files:
        if cache is not None and entry.hit is not None:
            entry.cached = cache.decode(entry.hit, entry.filename)  # None: lint it anew

    workers = jobs or os.cpu_count() or 1
    pool: ProcessPoolExecutor | None = None
    phase_two: _PhaseTwo | None = None
    thresholds = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    gathering = Gathering()
    try:
        # phase one: summaries (from the cache where the file is unchanged)
        todo = [f for f in files if f.cached is None]
        if len(todo) >= PARALLEL_THRESHOLD and workers > 1:
            pool = _start_pool(workers)
            # until phase two's files are handed out, this process only gathers and joins
            gathering.start()
        summaries = _map(
            pool,
            _summarize_one,
            [(f.data, f.filename, f.module) for f in todo],
            [f.size for f in todo],
            workers,
        )
        for entry, (result, digest) in zip(todo, summaries, strict=True):
            entry.summary, entry.error = result.summary, result.error
            if digest is None:
                continue
            if entry.digest is None:
                entry.digest = digest  # first read by the worker (no cache to look up)
            elif digest != entry.digest:
                consistent = False  # changed since it was hashed: not cached, relinted next run
                entry.stamp = None
        for entry in files:
            if entry.cached is not None:
                entry.summary, entry.error = entry.cached.summary, entry.cached.error

        # the join
        from pooltune.lint.summaries import ProjectIndex

        index = ProjectIndex((f.summary for f in files if f.summary is not None), load_catalog())
        candidates: list[_File] = []
        for entry in files:
            cached = entry.cached
            if entry.error is not None:
                run.findings.append(entry.error)
                if cached is None:
                    _put(cache, entry, CachedFile(None, error=entry.error))
                else:
                    run.from_cache += 1
                continue
            summary = entry.summary
            if summary is not None and not index.needs_rules(summary):
                if cached is None:
                    _put(cache, entry, CachedFile(summary, "-", []))
                elif cached.fingerprint == "-" and cached.findings == []:
                    run.from_cache += 1
                else:
                    _put(cache, entry, CachedFile(summary, "-", []))
                continue
            candidates.append(entry)

        # phase two: the rules, on the files where one can fire. The largest first, so that
        # no worker is left with a big file at the end; each file is handed to the workers
        # as soon as its view is joined, so they start while the rest are being joined.
        candidates.sort(key=lambda entry: -entry.size)
        from pooltune.lint.project import project_info_for

        phase_two = _PhaseTwo(pool, workers)
        for entry in candidates:
            cached = entry.cached
            summary = entry.summary
            view = index.view_for(summary) if summary is not None else None
            # (kept with the findings: without a cache, not needed)
            fingerprint = view.fingerprint() if view is not None and cache is not None else "-"
            if (
                cached is not None
                and cached.findings is not None
                and cached.fingerprint == fingerprint
            ):
                run.findings.extend(cached.findings)
                run.from_cache += 1
                continue
            if entry.data is None:  # a stat hit whose joined facts changed: read it now
                try:
                    entry.data = read_regular_file(entry.filename)
                except OSError as exc:
                    run.findings.append(_read_error(entry.filename, exc))
                    consistent = False
                    continue
            task = (
                entry.data,
                entry.filename,
                entry.codes,
                project_info_for(Path(entry.filename)),
                view,
                ignore_in_tests,
            )
            phase_two.submit((entry, fingerprint), task)
        gathering.stop()  # collection back on before any file is linted in this process
        linted = phase_two.results()
    except BaseException:
        if pool is not None or (phase_two is not None and phase_two.pool is not None):
            stop_workers()  # stopped (a signal) or failed: the workers must not outlive us
        raise
    finally:
        gathering.release()
        gc.set_threshold(*thresholds)
        if phase_two is not None:
            pool = phase_two.pool
        if pool is not None:
            pool.shutdown()

    for (entry, fingerprint), findings in linted:
        run.findings.extend(findings)
        if any(f.message.startswith("internal error") for f in findings):
            consistent = False
        elif entry.data is not None and content_hash(entry.data) != entry.digest:
            consistent = False  # changed between the stat and the read: next run relints it
        else:
            _put(cache, entry, CachedFile(entry.summary, fingerprint, findings))
    if cache is not None:
        if consistent:
            cache.mark_consistent(tree)
        cache.save()
    run.findings.sort(key=lambda f: f.sort_key)
    run.findings = _with_project_fixes(run.findings, filenames, overrides, plan_hoists)
    return run


def _with_project_fixes(
    findings: list[Finding],
    filenames: Sequence[str],
    overrides: dict[str, bytes] | None,
    plan_hoists: bool,
) -> list[Finding]:
    """POOL001's hoists, planned from the whole run when fixing (they read the files with a
    finding, and one may span two files: never cached). A plain run reads nothing more."""
    if not plan_hoists:
        return findings
    from pooltune.lint.hoist import attach_hoist_fixes

    def read(filename: str) -> str | None:
        from pooltune.lint.source import SourceError, decode_source

        try:
            data = overrides[filename] if overrides and filename in overrides else None
            return decode_source(data if data is not None else Path(filename).read_bytes())
        except (OSError, SourceError):
            return None

    return attach_hoist_fixes(findings, filenames, read, load_catalog())


def _reported_if_consistent(
    cache: ResultCache, files: list[_File], tree: str
) -> list[Finding] | None:
    """Every file's cached findings, when all were last checked against this tree's join."""
    if not cache.is_consistent(tree):
        return None
    reported: list[Finding] = []
    for entry in files:
        cached = cache.decode(entry.hit, entry.filename, with_summary=False) if entry.hit else None
        if cached is None:
            return None
        reported.extend(cached.reported())
    return reported


def _put(cache: ResultCache | None, entry: _File, result: CachedFile) -> None:
    if cache is not None and entry.stamp is not None and entry.digest is not None:
        cache.put(entry.filename, entry.stamp, entry.digest, entry.settings, result)
