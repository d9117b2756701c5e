"""A small HTTP server of the fault tests' own (the standard library's, one thread per
connection): it answers, then misbehaves as told: stops answering, dies, redirects forever,
leaves every tenth request unanswered, speaks HTTP/1.0 without keep-alive, or sends a large
body. `python -m tests.recommend.faulty
MODE` runs it alone (its URL on the first line of stdout) for the signal tests' subprocesses.
"""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal

Mode = Literal["ok", "hang", "hang_some", "die", "redirect", "http10", "big"]
HANG_EVERY = 10  # "hang_some": every tenth request never gets an answer
BODY = b'{"id": "x", "choices": []}'
CHUNK = b"x" * 65536


@dataclass
class Fault:
    mode: Mode = "ok"
    after: int = 0  # requests answered normally before the fault
    service_s: float = 0.02
    body_bytes: int = 50 * 1024 * 1024  # for "big"


class FaultyServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default 5 drops SYNs of a burst: 1 s retransmits

    def __init__(self, fault: Fault) -> None:
        self.fault = fault
        self.requests = 0
        self.lock = threading.Lock()
        self.released = threading.Event()  # set at stop: hung handlers return
        self.connections: set[socket.socket] = set()
        self.dead = False
        super().__init__(("127.0.0.1", 0), _handler(fault))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1/chat/completions"

    def count(self) -> int:
        with self.lock:
            self.requests += 1
            return self.requests

    def die(self) -> None:
        """Stop listening and drop every connection, as a crashed server would."""
        self.dead = True
        threading.Thread(target=self.shutdown, daemon=True).start()
        self.socket.close()
        with self.lock:
            for conn in list(self.connections):
                with suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hangs up mid-response is part of these tests

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        with self.lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with self.lock:
            self.connections.discard(request)
        super().shutdown_request(request)


def _handler(fault: Fault) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0" if fault.mode == "http10" else "HTTP/1.1"
        server: FaultyServer
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            n = self.server.count()
            if n > fault.after and fault.mode != "ok":
                if fault.mode == "hang" or (fault.mode == "hang_some" and n % HANG_EVERY == 0):
                    self.server.released.wait()
                    return
                if fault.mode == "die":
                    self.server.die()
                    self.close_connection = True
                    return
                if fault.mode == "redirect":
                    self.send_response(302)
                    self.send_header("Location", self.path)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if fault.mode == "big":
                    self._big()
                    return
            self.server.released.wait(fault.service_s)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)

        do_GET = do_POST

        def _big(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(fault.body_bytes))
            self.end_headers()
            for _ in range(fault.body_bytes // len(CHUNK)):
                self.wfile.write(CHUNK)

    return Handler


@contextmanager
def faulty_server(fault: Fault) -> Iterator[FaultyServer]:
    server = FaultyServer(fault)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.released.set()
        if not server.dead:
            server.shutdown()
        server.server_close()


if __name__ == "__main__":
    mode: Mode = sys.argv[1]  # type: ignore[assignment]
    after = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    with faulty_server(Fault(mode, after)) as srv:
        print(srv.url, flush=True)
        threading.Event().wait()
