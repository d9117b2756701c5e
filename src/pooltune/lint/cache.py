"""Per-file results keyed by content hash + settings, so an unchanged tree re-lints instantly.

Each entry holds the file's function summary and its findings together with the fingerprint
of the joined facts they were computed with: a change in another module that this file
depends on changes the fingerprint, and only then is the file linted again.

One JSON file per settings key under ``.pooltune_cache/`` at the project root. A corrupt or
unwritable cache is ignored (the run just lints everything), never an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pooltune.lint.findings import Finding, finding_from_dict, finding_to_dict
from pooltune.lint.summaries import ModuleSummary

CACHE_DIR = ".pooltune_cache"


def settings_key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:24]


def content_key(data: bytes, project_key: str) -> str:
    return hashlib.blake2b(data + project_key.encode(), digest_size=16).hexdigest()


@dataclass
class CachedFile:
    """What is kept per file: its summary (phase one) and, for the joined facts it was linted
    with (their fingerprint), its findings."""

    summary: ModuleSummary | None
    fingerprint: str | None = None
    findings: list[Finding] | None = None
    error: Finding | None = None  # the file could not be read as Python (POOL000)


# The payload: the one place that knows what a cached result holds (findings via the one
# serializer in findings.py, and the file's function summary).
def encode_payload(entry: CachedFile) -> dict[str, Any]:
    return {
        "summary": entry.summary.to_json() if entry.summary is not None else None,
        "fingerprint": entry.fingerprint,
        "findings": None
        if entry.findings is None
        else [finding_to_dict(f) for f in entry.findings],
        "error": finding_to_dict(entry.error) if entry.error is not None else None,
    }


def decode_payload(raw: dict[str, Any], filename: str) -> CachedFile:
    summary = raw.get("summary")
    findings = raw.get("findings")
    error = raw.get("error")
    return CachedFile(
        ModuleSummary.from_json(summary) if summary is not None else None,
        raw.get("fingerprint"),
        None if findings is None else [finding_from_dict(item, filename) for item in findings],
        finding_from_dict(error, filename) if error is not None else None,
    )


class ResultCache:
    def __init__(self, root: Path, key: str) -> None:
        self.path = root / CACHE_DIR / f"{key}.json"
        self._entries: dict[str, dict[str, Any]] = {}
        self._dirty = False
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                self._entries = loaded
        except (OSError, ValueError):
            pass

    def get(self, key: str, filename: str) -> CachedFile | None:
        raw = self._entries.get(key)
        if not isinstance(raw, dict):
            return None
        try:
            return decode_payload(raw, filename)
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def put(self, key: str, entry: CachedFile) -> None:
        self._entries[key] = encode_payload(entry)
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
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(self._entries, out, separators=(",", ":"))
            os.replace(tmp, self.path)
