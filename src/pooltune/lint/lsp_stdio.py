"""The language server's stdio transport: LSP framing read defensively, every request answered.

pygls's own loop (2.x) reads a header line only when it ends exactly in ``\\r\\n`` and names
``Content-Length`` in that case, allocates whatever length it is told, and when a request's
params do not fit its type it logs the error and never answers. So a client that frames with
``\\n``, a body shorter than its declared length (the next header is then glued to a body and
never matches again: the server wedges until stdin closes), ``Content-Length: 99999999999``
(MemoryError, the server exits) or a request with bad params (the client waits forever) each
broke a session. Here:

* header names are case-insensitive and lines may end in ``\\n``; a ``Content-Length`` header is
  found even glued to the end of earlier bytes, so the stream resynchronizes at the next
  message after any framing error;
* a length over MAX_MESSAGE_BYTES is refused (logged) and never allocated;
* JSON-RPC errors are answered: a body that is not JSON (-32700, id null), a message that is not
  an object (-32600), a request whose params do not fit its method (-32602, with its id).

Messages are then handed to pygls's protocol as its own loop hands them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import sys
import threading
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer

log = logging.getLogger(__name__)

# Far above any document the linter reads (2 MiB) in a didOpen, but never gigabytes.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
MAX_HEADER_LINE = 8 * 1024  # a header line is read at most this much at a time
_CONTENT_LENGTH = re.compile(rb"content-length[ \t]*:[ \t]*(\d{1,20})[ \t]*\r?\n\Z", re.I)
_HEADER = re.compile(rb"[!-9;-~]+[ \t]*:.*\r?\n\Z", re.S)  # `Name: value` (token, colon)
_BLANK = (b"\r\n", b"\n")
_PARSE_ERROR = -32700
_INVALID_REQUEST = -32600


class _FdReader:
    """readline(limit) and read(n) on a file descriptor with os.read. Not sys.stdin.buffer: a
    daemon thread blocked in its read holds its lock, and the interpreter aborts at exit."""

    CHUNK = 64 * 1024

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = bytearray()
        self.eof = False

    def _fill(self) -> bool:
        if self.eof:
            return False
        data = os.read(self.fd, self.CHUNK)
        if not data:
            self.eof = True
            return False
        self.buffer += data
        return True

    def readline(self, limit: int) -> bytes:
        while True:
            end = self.buffer.find(b"\n", 0, limit)
            if end >= 0:
                return self._take(end + 1)
            if len(self.buffer) >= limit or not self._fill():
                return self._take(min(limit, len(self.buffer)))

    def read(self, size: int) -> bytes:
        while len(self.buffer) < size and self._fill():
            pass
        return self._take(min(size, len(self.buffer)))

    def _take(self, size: int) -> bytes:
        taken = bytes(self.buffer[:size])
        del self.buffer[:size]
        return taken


class _Framing:
    """Reads one message body at a time from ``stdin`` (in a reader thread)."""

    def __init__(self, stdin: _FdReader) -> None:
        self.stdin = stdin
        self.carry = b""  # the end of a line cut at MAX_HEADER_LINE: a header may span the cut

    def next_body(self) -> bytes | None:
        """The next message's body; None at the end of input."""
        length: int | None = None
        complaint = False
        while True:
            chunk = self.stdin.readline(MAX_HEADER_LINE)
            if not chunk:
                return None
            line, self.carry = self.carry + chunk, b""
            if not line.endswith(b"\n"):
                self.carry = line[-64:]  # keep what may begin a header glued to these bytes
                continue
            if line in _BLANK:
                if length is not None:
                    break
                continue  # a stray blank line
            match = _CONTENT_LENGTH.search(line)
            if match is not None:
                length = int(match.group(1))
                if match.start() > 0 and not complaint:
                    log.error("skipped %d bytes that were not a message", match.start())
            elif _HEADER.match(line) is None and not complaint:
                complaint = True  # once per message: a lost body can span many lines
                log.error("skipping bytes that are not an LSP header: %r", line[:80])
        if length > MAX_MESSAGE_BYTES:
            log.error(
                "refused a message of %d bytes (the limit is %d): reading on from the next header",
                length,
                MAX_MESSAGE_BYTES,
            )
            return b""
        body = self.stdin.read(length)
        if len(body) < length:
            return None  # the input ended inside a body
        return body


def _answer_error(server: LanguageServer, msg_id: Any, code: int, message: str) -> None:
    # pygls sends its own error responses this way; it has no public call for it.
    server.protocol._send_response(msg_id, error=types.ResponseError(code, message))


def _dispatch(server: LanguageServer, body: bytes) -> None:
    if not body:
        return  # a refused message
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        log.error("a message that is not JSON: %s", exc)
        _answer_error(server, None, _PARSE_ERROR, f"Parse error: {exc}")
        return
    if not isinstance(data, dict):
        _answer_error(server, None, _INVALID_REQUEST, "Invalid Request: not a JSON object")
        return
    is_request = "id" in data and "method" in data
    try:
        message = server.protocol.structure_message(data)
    except JsonRpcException as exc:
        if is_request:
            error = exc if isinstance(exc, JsonRpcInvalidParams) else JsonRpcInvalidParams()
            method = data.get("method")
            log.error("request %r (%s) has invalid params", data.get("id"), method)
            _answer_error(server, data["id"], error.code, f"Invalid params for {method}")
        else:
            log.error("a notification with invalid params: %s", data.get("method"))
        return
    try:
        server.protocol.handle_message(message)
    except Exception:  # pygls answers what its handlers raise; this is its own failure
        log.exception("pooltune server: could not handle a message")


async def _serve(server: LanguageServer, stdin: int, stop: threading.Event) -> None:
    loop = asyncio.get_running_loop()
    bodies: asyncio.Queue[bytes | None] = asyncio.Queue()
    framing = _Framing(_FdReader(stdin))

    def read() -> None:
        # A daemon thread: after `exit` the process ends without waiting for a read that
        # only the client closing stdin would end.
        while True:
            body = framing.next_body()
            try:
                loop.call_soon_threadsafe(bodies.put_nowait, body)
            except RuntimeError:  # the loop is closed: the server is exiting
                return
            if body is None:
                return

    threading.Thread(target=read, name="pooltune-stdin", daemon=True).start()
    while not stop.is_set():
        body = await bodies.get()
        if body is None:
            return  # the client closed our stdin
        _dispatch(server, body)


def serve_stdio(server: LanguageServer) -> None:
    """Serve ``server`` over stdin and stdout until the client says exit or closes stdin."""
    stop = threading.Event()
    server._stop_event = stop  # pygls's shutdown() sets it
    server.protocol.set_writer(StdoutWriter(sys.stdout.buffer))
    try:
        asyncio.run(_serve(server, sys.stdin.fileno(), stop))
    except BrokenPipeError:
        log.error("the client has gone (broken pipe)")
    except (KeyboardInterrupt, SystemExit):
        pass  # `exit` ends the loop with SystemExit, as in pygls
    finally:
        server.shutdown()  # type: ignore[no-untyped-call]  # (pygls leaves it untyped)
