"""Reading and writing the files `--fix` rewrites, without ever losing what was there.

A file is decoded as Python reads it (PEP 263 cookie or BOM, else UTF-8) and written back in the
same encoding, BOM included; line breaks are never translated. A write goes to a temporary file
beside the target, flushed to disk, then renamed over it: an interrupted run (Ctrl-C, a full disk)
leaves the old file or the new one, never a truncated one. The file keeps its permission bits
(and its owner, when root runs the fix). A hard link to it keeps the old contents, as with any
editor that saves by rename.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import stat
import tempfile
import tokenize
from dataclasses import dataclass
from pathlib import Path

WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH


class FixIOError(OSError):
    """A file `--fix` cannot read, decode or write: one line naming why."""


@dataclass(frozen=True)
class SourceFile:
    """The bytes a lint run read, and their text."""

    data: bytes
    text: str
    encoding: str  # as tokenize.detect_encoding names it ("utf-8-sig" when there is a BOM)

    @property
    def digest(self) -> str:
        return digest_of(self.data)

    def encode(self, text: str) -> bytes:
        try:
            return text.encode(self.encoding)
        except UnicodeEncodeError as exc:
            raise FixIOError(
                f"the fixed text cannot be written as {self.encoding}: {exc.reason}"
            ) from None


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes) -> SourceFile:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return SourceFile(data, data.decode(encoding), encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
        raise FixIOError(f"cannot decode: {exc}") from None


def read_only_reason(path: str) -> str | None:
    """Why ``path`` must not be rewritten: no write bit set (honoured even for root, who could
    write it anyway), or no write access. None when it may be written."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return exc.strerror or str(exc)
    if not mode & WRITE_BITS or not os.access(path, os.W_OK):
        return "the file is read-only"
    return None


def read_bytes(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise FixIOError(exc.strerror or str(exc)) from None


def write_atomic(path: str, data: bytes) -> None:
    """Replace the file at ``path`` (the target of a symlink) by ``data`` in one rename."""
    target = os.path.realpath(path)
    directory = os.path.dirname(target) or "."
    try:
        info = os.stat(target)
        fd, temp = tempfile.mkstemp(prefix=".pooltune-fix-", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise FixIOError(exc.strerror or str(exc)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, stat.S_IMODE(info.st_mode))
        if (info.st_uid, info.st_gid) != (os.getuid(), os.getgid()):
            with contextlib.suppress(OSError):  # only root may give it back; others keep theirs
                os.chown(temp, info.st_uid, info.st_gid)
        os.replace(temp, target)
    except BaseException as exc:  # Ctrl-C too: the temporary file goes, the target stays whole
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise FixIOError(exc.strerror or str(exc)) from None
        raise
