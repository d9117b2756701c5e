"""Per-file results, looked up as ruff does: by path and stat, the content hash only to confirm.

One JSON file per code version under ``.pooltune_cache/`` at the project root, one entry per
file (absolute path) and settings (enabled codes, the project's dependencies, the test-code
exemptions, the module name): the file's ``(mtime_ns, size)``, the blake2b of its bytes, and
the payload. A warm run stats each file and reads nothing else when the stat and settings
match; a file whose stat changed is read and hashed, and a matching hash is still a hit (a
checkout or `touch` that changed nothing). A file modified in the last two seconds is always
confirmed by its hash, since a second write within the filesystem's timestamp granularity keeps
the same mtime.

The payload is a :class:`CachedFile`: the file's summary (phase one) and its findings with the
fingerprint of the joined facts they were computed with, so a change in another module this
file depends on relints it. It is encoded and decoded by two functions below and nothing else
here looks inside it; the summaries live in a second file, read only when a run joins them.
The cache also remembers the trees (the set of files and contents) whose every entry was last
checked against that tree's join: a warm run over such a tree takes the findings as they are,
without reading a summary or joining anything.

A corrupt or unwritable cache is ignored (the run just lints everything), never an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pooltune.lint.findings import Finding, finding_from_dict, finding_to_dict

if TYPE_CHECKING:  # decoded only when the join needs it
    from pooltune.lint.summaries import ModuleSummary

CACHE_DIR = ".pooltune_cache"
FORMAT = "3"  # CachedFile payloads (format 2: findings only)
RECENT_NS = 2_000_000_000  # mtimes this close to now are confirmed by content
MAX_TREES = 16  # trees remembered as consistent (`lint src`, `lint src/a.py`, ...)

Stamp = tuple[int, int]  # (st_mtime_ns, st_size)


def settings_key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:24]


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def stamp_of(stat: os.stat_result) -> Stamp:
    return (stat.st_mtime_ns, stat.st_size)


@dataclass
class CachedFile:
    """What is kept per file: its summary (phase one) and, for the joined facts it was linted
    with (their fingerprint), its findings."""

    summary: ModuleSummary | None
    fingerprint: str | None = None
    findings: list[Finding] | None = None
    error: Finding | None = None  # the file could not be read as Python (POOL000)

    def reported(self) -> list[Finding]:
        """What the file contributes to a run whose join it was last checked against."""
        if self.error is not None:
            return [self.error]
        return list(self.findings or ())


# The payload: the one place that knows what a cached result holds. It has two parts, kept in
# two files: the findings (read on every run) and the summary (read only for a join).
def encode_payload(entry: CachedFile) -> tuple[Any, Any]:
    findings = entry.findings
    reported = {
        "fingerprint": entry.fingerprint,
        "findings": None if findings is None else [finding_to_dict(f) for f in findings],
        "error": finding_to_dict(entry.error) if entry.error is not None else None,
    }
    return reported, entry.summary.to_json() if entry.summary is not None else None


def decode_payload(reported: Any, summary: Any, filename: str) -> CachedFile:
    """``summary`` is the encoded summary, or ``None`` for none (or not needed)."""
    findings = reported["findings"]
    error = reported["error"]
    if summary is not None:
        from pooltune.lint.summaries import ModuleSummary

        summary = ModuleSummary.from_json(summary)
    return CachedFile(
        summary,
        reported["fingerprint"],
        None if findings is None else [finding_from_dict(item, filename) for item in findings],
        finding_from_dict(error, filename) if error is not None else None,
    )


@dataclass(frozen=True)
class Hit:
    """A cache entry found for a file: its content hash (known without reading the file when
    the stat matched) and where its still-encoded payload is."""

    digest: str
    key: str


def tree_key(files: Iterable[tuple[str, str, str]]) -> str:
    """(filename, settings, content hash) of every file in a run, in any order."""
    digest = hashlib.blake2b(digest_size=16)
    for filename, settings, content in sorted(files):
        line = f"{os.path.abspath(filename)}\0{settings}\0{content}\n"
        digest.update(line.encode("utf-8", "surrogateescape"))  # a file name that is not UTF-8
    return digest.hexdigest()


class ResultCache:
    def __init__(self, root: Path, key: str) -> None:
        self.path = root / CACHE_DIR / f"{key}.json"
        self.summaries_path = root / CACHE_DIR / f"{key}.summaries.json"
        self._entries: dict[str, dict[str, Any]] = {}
        self._summaries: dict[str, Any] | None = None  # [hash, summary] by key, read if needed
        self._trees: list[str] = []
        self._dirty = False
        self._now_ns = time.time_ns()
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict) and loaded.get("format") == FORMAT:
                entries, trees = loaded.get("files"), loaded.get("trees")
                if isinstance(entries, dict):
                    self._entries = entries
                if isinstance(trees, list):
                    self._trees = [t for t in trees if isinstance(t, str)]
        except (OSError, ValueError):
            pass

    @staticmethod
    def _key(filename: str, settings: str) -> str:
        return f"{os.path.abspath(filename)}\0{settings}"

    def _stored_summaries(self) -> dict[str, Any]:
        if self._summaries is None:
            self._summaries = {}
            try:
                loaded = json.loads(self.summaries_path.read_text(encoding="utf-8"))
                if isinstance(loaded, dict):
                    self._summaries = loaded
            except (OSError, ValueError):
                pass
        return self._summaries

    def lookup(self, filename: str, stamp: Stamp, settings: str) -> Hit | None:
        """The entry when the file's stat and the settings are unchanged; no read."""
        key = self._key(filename, settings)
        entry = self._entries.get(key)
        if not isinstance(entry, dict) or "payload" not in entry:
            return None
        if entry.get("stat") != list(stamp) or self._now_ns - stamp[0] < RECENT_NS:
            return None
        return Hit(str(entry.get("hash")), key)

    def confirm(self, filename: str, stamp: Stamp, digest: str, settings: str) -> Hit | None:
        """The entry when the content is unchanged though the stat is not."""
        key = self._key(filename, settings)
        entry = self._entries.get(key)
        if not isinstance(entry, dict) or entry.get("hash") != digest or "payload" not in entry:
            return None
        if entry.get("stat") != list(stamp):
            entry["stat"] = list(stamp)
            self._dirty = True
        return Hit(digest, key)

    def decode(self, hit: Hit, filename: str, with_summary: bool = True) -> CachedFile | None:
        """``with_summary=False`` leaves the summary out, for a tree known to be consistent."""
        try:
            entry = self._entries[hit.key]
            summary = None
            if with_summary and entry["has_summary"]:
                stored_hash, summary = self._stored_summaries()[hit.key]
                if stored_hash != entry["hash"]:  # from another run than the entry
                    return None
            return decode_payload(entry["payload"], summary, filename)
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def put(
        self, filename: str, stamp: Stamp, digest: str, settings: str, entry: CachedFile
    ) -> None:
        key = self._key(filename, settings)
        reported, summary = encode_payload(entry)
        self._entries[key] = {
            "stat": list(stamp),
            "hash": digest,
            "payload": reported,
            "has_summary": summary is not None,
        }
        summaries = self._stored_summaries()
        if summary is not None:
            summaries[key] = [digest, summary]
        else:
            summaries.pop(key, None)
        self._trees = []  # a tree remembered may have checked this file against its own join
        self._dirty = True

    def is_consistent(self, tree: str) -> bool:
        """Every entry of this tree was last checked against this tree's join."""
        return tree in self._trees

    def mark_consistent(self, tree: str) -> None:
        if self._trees and self._trees[-1] == tree:
            return
        self._trees = [*[t for t in self._trees if t != tree][-(MAX_TREES - 1) :], tree]
        self._dirty = True

    def save(self) -> None:
        if not self._dirty:
            return
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            gitignore = self.path.parent / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("*\n")
            if self._summaries is not None:  # read (and maybe changed) this run
                _write_json(self.summaries_path, self._summaries)
            _write_json(self.path, {"format": FORMAT, "files": self._entries, "trees": self._trees})


def _write_json(path: Path, document: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(document, out, separators=(",", ":"))
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)  # gone after a successful replace
