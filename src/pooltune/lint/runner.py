"""Lint many files: cache lookups, then the misses in a process pool when there are many."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pooltune import __version__
from pooltune.lint.cache import ResultCache, Stamp, content_hash, settings_key, stamp_of
from pooltune.lint.catalog import catalog_dir, load_catalog
from pooltune.lint.files import Skipped
from pooltune.lint.findings import Finding
from pooltune.lint.project import declared_dependencies, project_info_for

if TYPE_CHECKING:  # the engine (libcst) is imported only when some file is not cached
    from pooltune.lint.rule import ProjectInfo

MAX_FILE_BYTES = 2 * 1024 * 1024
# Below this many files to parse, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 24


@dataclass
class LintRun:
    findings: list[Finding] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    files: int = 0
    from_cache: int = 0


def _code_version() -> str:
    """Results depend on our version, the catalog and the rule code itself."""
    sources = [catalog_dir() / "libraries.toml", *sorted(Path(__file__).parent.rglob("*.py"))]
    digest = hashlib.sha256(__version__.encode())
    for path in sources:
        digest.update(path.read_bytes())
    return settings_key(digest.hexdigest())


def _lint_one(
    data: bytes, filename: str, codes: frozenset[str], project: ProjectInfo
) -> list[Finding]:
    from pooltune.lint.engine import lint_bytes, parse_error_finding

    try:
        result = lint_bytes(data, filename, load_catalog(), codes, project)
    except Exception as exc:  # a bug of ours must not stop the other files
        return [parse_error_finding(filename, f"internal error: {type(exc).__name__}: {exc}")]
    return list(result.findings)


def _lint_chunk(
    chunk: list[tuple[bytes, str, frozenset[str], ProjectInfo]],
) -> list[list[Finding]]:
    return [_lint_one(*task) for task in chunk]


def lint_files(
    filenames: Sequence[str],
    codes_for: dict[str, frozenset[str]],
    cache_root: Path | None,
    jobs: int | None = None,
) -> LintRun:
    """``codes_for`` maps each file to its enabled codes (after per-file-ignores)."""
    run = LintRun(files=len(filenames))
    cache = ResultCache(cache_root, _code_version()) if cache_root is not None else None
    todo: list[tuple[bytes, str, frozenset[str], ProjectInfo]] = []
    keys: list[tuple[Stamp, str, str]] = []
    for filename in filenames:
        codes = codes_for[filename]
        dependencies = declared_dependencies(Path(filename))
        settings = ",".join(sorted(codes)) + "|" + ",".join(sorted(dependencies or ["-"]))
        try:
            stamp = stamp_of(os.stat(filename))
            if cache is not None and stamp[1] <= MAX_FILE_BYTES:
                cached = cache.lookup(filename, stamp, settings)  # stat only: no read
                if cached is not None:
                    run.findings.extend(cached)
                    run.from_cache += 1
                    continue
            data = Path(filename).read_bytes()
        except OSError as exc:
            from pooltune.lint.engine import parse_error_finding

            message = f"cannot read file: {exc.strerror or exc}"
            run.findings.append(parse_error_finding(filename, message))
            continue
        if len(data) > MAX_FILE_BYTES:
            size = len(data) / 1024 / 1024
            run.skipped.append(
                Skipped(filename, f"file too large ({size:.1f} MiB > {MAX_FILE_BYTES >> 20} MiB)")
            )
            continue
        digest = content_hash(data)
        if cache is not None:
            cached = cache.confirm(filename, stamp, digest, settings)  # touched, not changed
            if cached is not None:
                run.findings.extend(cached)
                run.from_cache += 1
                continue
        todo.append((data, filename, codes, project_info_for(Path(filename))))
        keys.append((stamp, digest, settings))

    results: list[list[Finding]]
    workers = jobs or os.cpu_count() or 1
    if len(todo) >= PARALLEL_THRESHOLD and workers > 1:
        size = max(1, min(16, len(todo) // (workers * 4)))
        chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = [r for chunk in pool.map(_lint_chunk, chunks) for r in chunk]
    else:
        results = _lint_chunk(todo)

    for (_, filename, *_), (stamp, digest, settings), findings in zip(
        todo, keys, results, strict=True
    ):
        run.findings.extend(findings)
        if cache is not None and not any(f.message.startswith("internal error") for f in findings):
            cache.put(filename, stamp, digest, settings, findings)
    if cache is not None:
        cache.save()
    run.findings.sort(key=lambda f: f.sort_key)
    return run
