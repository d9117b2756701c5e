"""`pooltune server` spoken to byte by byte, as a careless or broken client would: bad framing,
absurd lengths, bodies that are not JSON, requests with bad params, a huge document."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pygls")

WAIT_S = 60.0
ORDER = "import requests\n\ndef order():\n    return requests.get('https://shop')\n"


class RawClient:
    """A subprocess `pooltune server` and the messages it writes, parsed as they come."""

    def __init__(self, cwd: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pooltune", "server"],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.process.stdout
        assert out is not None
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                if line == b"\r\n":
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            assert length is not None
            self.messages.put(json.loads(out.read(length)))

    def send_bytes(self, data: bytes) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        stdin.write(data)
        stdin.flush()

    @staticmethod
    def frame(message: dict[str, Any]) -> bytes:
        body = json.dumps(message).encode()
        return b"Content-Length: %d\r\n\r\n" % len(body) + body

    def send(self, message: dict[str, Any]) -> None:
        self.send_bytes(self.frame(message))

    def initialize(self, root: Path, msg_id: int = 1) -> dict[str, Any]:
        self.send(_initialize(root, msg_id))
        response = self.response(msg_id)
        self.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        return response

    def next_message(self) -> dict[str, Any]:
        try:
            return self.messages.get(timeout=WAIT_S)
        except queue.Empty:
            raise AssertionError("the server said nothing") from None

    def response(self, msg_id: int | None) -> dict[str, Any]:
        while True:
            message = self.next_message()
            if "method" not in message and message.get("id") == msg_id:
                return message

    def close(self) -> str:
        """Shut down as an editor does; the server's stderr."""
        if self.process.poll() is None:
            self.send({"jsonrpc": "2.0", "id": 999, "method": "shutdown"})
            self.response(999)
            self.send({"jsonrpc": "2.0", "method": "exit"})
        try:
            _, stderr = self.process.communicate(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, stderr = self.process.communicate()
        return stderr.decode(errors="replace")


def _initialize(root: Path, msg_id: int) -> dict[str, Any]:
    params = {"processId": None, "rootUri": root.as_uri(), "capabilities": {}}
    return {"jsonrpc": "2.0", "id": msg_id, "method": "initialize", "params": params}


def _did_open(uri: str, text: str) -> dict[str, Any]:
    document = {"uri": uri, "languageId": "python", "version": 1, "text": text}
    return {
        "jsonrpc": "2.0",
        "method": "textDocument/didOpen",
        "params": {"textDocument": document},
    }


@pytest.fixture
def client(workspace: Path) -> Iterator[RawClient]:
    raw = RawClient(workspace)
    yield raw
    if raw.process.poll() is None:
        raw.close()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\ndependencies = ["requests"]\n'
    )
    return tmp_path


def test_an_absurd_content_length_is_refused_and_the_server_goes_on(
    client: RawClient, workspace: Path
) -> None:
    client.send_bytes(b"Content-Length: 99999999999\r\n\r\n" + b'{"jsonrpc": "2.0"}')
    assert "capabilities" in client.initialize(workspace)["result"]
    stderr = client.close()
    assert client.process.returncode == 0
    assert "refused a message of 99999999999 bytes" in stderr
    assert "MemoryError" not in stderr and "Traceback" not in stderr


def test_lf_framing_and_lowercase_headers_are_understood(
    client: RawClient, workspace: Path
) -> None:
    body = json.dumps(_initialize(workspace, 1)).encode()
    client.send_bytes(b"content-length: %d\n\n" % len(body) + body)
    assert "capabilities" in client.response(1)["result"]


def test_a_body_shorter_than_its_length_does_not_wedge_the_server(
    client: RawClient, workspace: Path
) -> None:
    """The declared 300 bytes swallow message 1 and the start of message 2; the rest of 2 is
    glued to the header of 3, which is found there: 3 is answered."""
    client.send_bytes(b"Content-Length: 300\r\n\r\n" + b'{"jsonrpc": "2.0", "id": 0}')
    for msg_id in (1, 2, 3):
        client.send(_initialize(workspace, msg_id))
    assert client.response(None)["error"]["code"] == -32700  # the 300 bytes: not JSON
    assert "capabilities" in client.response(3)["result"]


def test_garbage_between_messages_is_skipped(client: RawClient, workspace: Path) -> None:
    client.send_bytes(b"hello, server\r\n\r\nnot a header at all")
    assert "capabilities" in client.initialize(workspace)["result"]
    assert "not an LSP header" in client.close()


def test_a_body_that_is_not_json_is_answered_with_a_parse_error(
    client: RawClient, workspace: Path
) -> None:
    client.initialize(workspace)
    client.send_bytes(b"Content-Length: 9\r\n\r\n{not json")
    error = client.response(None)["error"]
    assert error["code"] == -32700


def test_a_request_with_invalid_params_is_answered(client: RawClient, workspace: Path) -> None:
    client.initialize(workspace)
    bad = {"jsonrpc": "2.0", "id": 7, "method": "textDocument/codeAction", "params": {"x": 1}}
    client.send(bad)
    response = client.response(7)
    assert response["error"]["code"] == -32602
    assert "textDocument/codeAction" in response["error"]["message"]
    client.close()  # still serving: shutdown is answered, exit ends it
    assert client.process.returncode == 0


def test_a_huge_document_is_reported_and_the_others_still_linted(
    client: RawClient, workspace: Path
) -> None:
    client.initialize(workspace)
    huge_uri, small_uri = (workspace / "huge.py").as_uri(), (workspace / "small.py").as_uri()
    client.send(_did_open(huge_uri, "import requests\n" + "requests.get('x')\n" * 300_000))
    client.send(_did_open(small_uri, ORDER))
    by_uri = {}
    for _ in range(2):
        message = client.next_message()
        while message.get("method") != "textDocument/publishDiagnostics":
            message = client.next_message()
        by_uri[message["params"]["uri"]] = message["params"]["diagnostics"]
    ((huge,), (small,)) = by_uri[huge_uri], by_uri[small_uri]
    assert huge["code"] == "POOL000" and "file too large to lint (5.1 MiB" in huge["message"]
    assert small["code"] == "POOL003"


def test_exit_ends_the_server_with_stdin_still_open(client: RawClient, workspace: Path) -> None:
    """An editor may wait for the process after `exit` before it closes the pipe."""
    client.initialize(workspace)
    client.send({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
    client.response(2)
    client.send({"jsonrpc": "2.0", "method": "exit"})
    assert client.process.wait(timeout=WAIT_S) == 0
