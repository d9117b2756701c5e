"""Per-file results, looked up as ruff does: by path and stat, the content hash only to confirm.

One JSON file per code version under ``.pooltune_cache/`` at the project root, one entry per
file (absolute path) and settings (enabled codes, the project's dependencies): the file's
``(mtime_ns, size)``, the blake2b of its bytes, and the payload. A warm run stats each
file and reads nothing else when the stat and settings match; a file whose stat changed is read
and hashed, and a matching hash is still a hit (a checkout or `touch` that changed nothing). A
file modified in the last two seconds is always confirmed by its hash, since a second write
within the filesystem's timestamp granularity keeps the same mtime.

The payload (what a lint of the file produced) is encoded and decoded by two functions below
and nothing else here looks inside it. A corrupt or unwritable cache is ignored (the run just
lints everything), never an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pooltune.lint.findings import Edit, Finding, Fix, Location

CACHE_DIR = ".pooltune_cache"
FORMAT = "2"  # entries by path and stat (format 1: by content hash)
RECENT_NS = 2_000_000_000  # mtimes this close to now are confirmed by content

Stamp = tuple[int, int]  # (st_mtime_ns, st_size)


def settings_key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:24]


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def stamp_of(stat: os.stat_result) -> Stamp:
    return (stat.st_mtime_ns, stat.st_size)


# The payload: the one place that knows what a cached result holds.
def encode_payload(findings: list[Finding]) -> Any:
    return [asdict(f) for f in findings]


def decode_payload(raw: Any, filename: str) -> list[Finding]:
    return [_finding_from_json(item, filename) for item in raw]


def _finding_from_json(raw: dict[str, Any], filename: str) -> Finding:
    fix = raw.get("fix")
    return Finding(
        raw["code"],
        raw["message"],
        filename,
        Location(**raw["location"]),
        Location(**raw["end_location"]),
        Fix(
            fix["message"],
            tuple(
                Edit(e["content"], Location(**e["location"]), Location(**e["end_location"]))
                for e in fix["edits"]
            ),
            fix["applicability"],
        )
        if fix
        else None,
    )


class ResultCache:
    def __init__(self, root: Path, key: str) -> None:
        self.path = root / CACHE_DIR / f"{key}.json"
        self._entries: dict[str, dict[str, Any]] = {}
        self._dirty = False
        self._now_ns = time.time_ns()
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict) and loaded.get("format") == FORMAT:
                entries = loaded.get("files")
                if isinstance(entries, dict):
                    self._entries = entries
        except (OSError, ValueError):
            pass

    @staticmethod
    def _key(filename: str, settings: str) -> str:
        return f"{os.path.abspath(filename)}\0{settings}"

    def _decode(self, entry: dict[str, Any], filename: str) -> list[Finding] | None:
        try:
            return decode_payload(entry["payload"], filename)
        except (KeyError, TypeError, ValueError):
            return None

    def lookup(self, filename: str, stamp: Stamp, settings: str) -> list[Finding] | None:
        """The cached result when the file's stat and the settings are unchanged; no read."""
        entry = self._entries.get(self._key(filename, settings))
        if entry is None:
            return None
        if entry.get("stat") != list(stamp) or self._now_ns - stamp[0] < RECENT_NS:
            return None
        return self._decode(entry, filename)

    def confirm(
        self, filename: str, stamp: Stamp, digest: str, settings: str
    ) -> list[Finding] | None:
        """The cached result when the content is unchanged though the stat is not."""
        entry = self._entries.get(self._key(filename, settings))
        if entry is None or entry.get("hash") != digest:
            return None
        found = self._decode(entry, filename)
        if found is not None and entry.get("stat") != list(stamp):
            entry["stat"] = list(stamp)
            self._dirty = True
        return found

    def put(
        self, filename: str, stamp: Stamp, digest: str, settings: str, findings: list[Finding]
    ) -> None:
        self._entries[self._key(filename, settings)] = {
            "stat": list(stamp),
            "hash": digest,
            "payload": encode_payload(findings),
        }
        self._dirty = True

    def save(self) -> None:
        if not self._dirty:
            return
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            gitignore = self.path.parent / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("*\n")
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            try:
                document = {"format": FORMAT, "files": self._entries}
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    json.dump(document, out, separators=(",", ":"))
                os.replace(tmp, self.path)
            finally:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)  # gone after a successful replace
