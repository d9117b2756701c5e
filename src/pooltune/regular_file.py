"""Read a file only when it is a regular file: a FIFO or a device named where a file is
expected (a source file, `pyproject.toml`, `--config`) would block the read forever."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

NOT_REGULAR = "not a regular file"


def read_regular_file(path: Path | str) -> bytes:
    """The bytes of a regular file; OSError for anything else. Opened non-blocking (so opening
    a FIFO returns at once), then checked on the open descriptor, so nothing can swap it."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, NOT_REGULAR, str(path))
        return file.read()


def read_regular_text(path: Path | str, errors: str = "strict") -> str:
    return read_regular_file(path).decode("utf-8", errors)
