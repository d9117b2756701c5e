"""Per-file results keyed by content hash + settings, so an unchanged tree re-lints instantly.

One JSON file per settings key under ``.pooltune_cache/`` at the project root. A corrupt or
unwritable cache is ignored (the run just lints everything), never an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pooltune.lint.findings import Edit, Finding, Fix, Location

CACHE_DIR = ".pooltune_cache"


def settings_key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:24]


def content_key(data: bytes, project_key: str) -> str:
    return hashlib.blake2b(data + project_key.encode(), digest_size=16).hexdigest()


def _finding_to_json(finding: Finding) -> dict[str, Any]:
    return asdict(finding)


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
        self._entries: dict[str, list[dict[str, Any]]] = {}
        self._dirty = False
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                self._entries = loaded
        except (OSError, ValueError):
            pass

    def get(self, key: str, filename: str) -> list[Finding] | None:
        raw = self._entries.get(key)
        if raw is None:
            return None
        try:
            return [_finding_from_json(item, filename) for item in raw]
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, key: str, findings: list[Finding]) -> None:
        self._entries[key] = [_finding_to_json(f) for f in findings]
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
