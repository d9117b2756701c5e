"""Checks on a file the user names for output, made before any work is done (a run that
measures or monitors for minutes must not end in a traceback because of a typo)."""

from __future__ import annotations

import os
from pathlib import Path


def output_problem(path: Path) -> str | None:
    """Why `path` cannot be written, in a few words, or None when it can."""
    if path.is_dir():
        return "it is a directory"
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        return f"its folder {str(folder)!r} does not exist"
    if path.exists() and not os.access(path, os.W_OK):
        return "it is not writable"
    if not path.exists() and not os.access(folder, os.W_OK | os.X_OK):
        return f"its folder {str(folder)!r} is not writable"
    return None
