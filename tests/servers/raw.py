"""Clients with nothing of pooltune in them: a socket, `ssl`, and the h11/h2 state machines.
test_truths.py uses them to prove each harness's configured truth from outside."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import h2.config
import h2.connection
import h2.events
import h2.settings
import h11

BODY = b'{"model": "test-model", "messages": [{"role": "user", "content": "hi"}]}'


def tls_socket(
    port: int, ca: str | None, alpn: Sequence[str] | None = None, timeout: float = 10.0
) -> socket.socket:
    """A TCP connection to 127.0.0.1:port, wrapped in TLS when `ca` is given."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if ca is None:
        return sock
    ctx = ssl.create_default_context(cafile=ca)
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    return ctx.wrap_socket(sock, server_hostname="127.0.0.1")


def negotiated_alpn(port: int, ca: str, offer: Sequence[str] = ("h2", "http/1.1")) -> str | None:
    with tls_socket(port, ca, offer) as sock:
        assert isinstance(sock, ssl.SSLSocket)
        return sock.selected_alpn_protocol()


def _recv(sock: socket.socket, size: int = 65536) -> bytes:
    """Bytes, or b"" once the peer has closed (FIN, close_notify, reset or a TLS EOF)."""
    try:
        return sock.recv(size)
    except (ssl.SSLEOFError, ssl.SSLZeroReturnError, ConnectionResetError, BrokenPipeError):
        return b""


@dataclass
class H1Response:
    status: int
    headers: dict[str, str]
    body: bytes
    closes: bool  # the server ends the connection after this response


class H1:
    """One HTTP/1.1 keep-alive connection."""

    def __init__(self, port: int, ca: str | None, *, timeout: float = 10.0) -> None:
        self.sock = tls_socket(port, ca, ["http/1.1"] if ca else None, timeout)
        self.timeout = timeout
        self.conn = h11.Connection(h11.CLIENT)
        self.closed = False

    def __enter__(self) -> H1:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()

    def request(self, target: str, method: str = "POST", body: bytes = BODY) -> H1Response:
        return self.request_timed(target, method, body)[0]

    def request_timed(
        self, target: str, method: str = "POST", body: bytes = BODY
    ) -> tuple[H1Response, list[tuple[float, bytes]]]:
        """The response, and each piece of its body with the time it arrived (streaming)."""
        if self.conn.our_state is h11.DONE and self.conn.their_state is h11.DONE:
            self.conn.start_next_cycle()
        headers = [("Host", "127.0.0.1"), ("Content-Type", "application/json")]
        headers.append(("Content-Length", str(len(body))))
        data = self.conn.send(h11.Request(method=method, target=target, headers=headers))
        data += self.conn.send(h11.Data(data=body)) + self.conn.send(h11.EndOfMessage())
        self.sock.sendall(data)
        response: h11.Response | None = None
        chunks: list[bytes] = []
        timed: list[tuple[float, bytes]] = []
        while True:
            event = self.conn.next_event()
            if event is h11.NEED_DATA:
                self.conn.receive_data(_recv(self.sock))
                continue
            if isinstance(event, h11.Response):
                response = event
            elif isinstance(event, h11.Data):
                chunks.append(bytes(event.data))
                timed.append((time.monotonic(), bytes(event.data)))
            elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                break
        assert response is not None
        headers_out = {k.decode().lower(): v.decode() for k, v in response.headers}
        closes = self.conn.our_state is h11.MUST_CLOSE or self.conn.their_state in (
            h11.MUST_CLOSE,
            h11.CLOSED,
        )
        return H1Response(response.status_code, headers_out, b"".join(chunks), closes), timed

    def seconds_until_closed(self, limit: float) -> float | None:
        """Wait, idle, for the server to close; None when it is still open after `limit`."""
        start = time.monotonic()
        try:
            while (left := limit - (time.monotonic() - start)) > 0:
                self.sock.settimeout(left)
                if not _recv(self.sock):
                    self.closed = True
                    return time.monotonic() - start
        except TimeoutError:
            pass
        finally:
            self.sock.settimeout(self.timeout)
        return None


def requests_until_close(port: int, ca: str | None, target: str, limit: int) -> int | None:
    """Send up to `limit` sequential requests on one HTTP/1.1 connection: the number of
    responses the server sent before it ended the connection, None if it never did."""
    with H1(port, ca) as conn:
        for i in range(1, limit + 1):
            response = conn.request(target)
            assert response.status == 200, response
            if response.closes:
                return i
            # a server may close without saying so: a closed socket shows as EOF right away
            if conn.seconds_until_closed(0.02) is not None:
                return i
    return None


class H2:
    """One HTTP/2 connection over TLS (ALPN h2), driven by the h2 state machine."""

    def __init__(self, port: int, ca: str, *, timeout: float = 10.0) -> None:
        self.sock = tls_socket(port, ca, ["h2"], timeout)
        self.timeout = timeout
        assert isinstance(self.sock, ssl.SSLSocket)
        assert self.sock.selected_alpn_protocol() == "h2", self.sock.selected_alpn_protocol()
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
        self.conn.initiate_connection()
        self.sock.sendall(self.conn.data_to_send())
        self.remote_settings: dict[int, int] = {}
        self.goaway: h2.events.ConnectionTerminated | None = None
        self.closed = False
        self._responses: dict[int, dict[str, object]] = {}
        self._buffer = b""
        while not self.remote_settings:
            if not self._pump():
                raise ConnectionError("closed before SETTINGS")

    def __enter__(self) -> H2:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()

    @property
    def max_concurrent_streams(self) -> int | None:
        return self.remote_settings.get(h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS)

    def _pump(self) -> bool:
        """Read once and handle the events; False once the connection is closed."""
        data = _recv(self.sock)
        if not data:
            self.closed = True
            return False
        self._buffer += data
        # Frame by frame: h2 refuses every frame after a GOAWAY, but a server may still finish
        # the streams the GOAWAY lets through (nginx sends it before the last response).
        while len(self._buffer) >= 9:
            length = int.from_bytes(self._buffer[:3], "big")
            if len(self._buffer) < 9 + length:
                break
            frame, self._buffer = self._buffer[: 9 + length], self._buffer[9 + length :]
            if self.goaway is None:
                self._handle(self.conn.receive_data(frame))
            else:
                self._after_goaway(frame)
        out = self.conn.data_to_send()
        if out:
            self.sock.sendall(out)
        return True

    def _handle(self, events: list[h2.events.Event]) -> None:
        for event in events:
            if isinstance(event, h2.events.RemoteSettingsChanged):
                for code, setting in event.changed_settings.items():
                    self.remote_settings[int(code)] = setting.new_value
            elif isinstance(event, h2.events.ConnectionTerminated):
                self.goaway = event
            elif isinstance(event, h2.events.ResponseReceived):
                headers = {bytes(k).decode(): bytes(v).decode() for k, v in event.headers}
                self._responses[event.stream_id]["status"] = int(headers[":status"])
            elif isinstance(event, h2.events.DataReceived):
                self._responses[event.stream_id]["body"] += event.data  # type: ignore[operator]
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                self._responses[event.stream_id]["done"] = True
            elif isinstance(event, h2.events.StreamReset):
                self._responses[event.stream_id]["done"] = True
                self._responses[event.stream_id]["status"] = -1

    def _after_goaway(self, frame: bytes) -> None:
        """HEADERS and DATA of the streams a GOAWAY let through, read without h2's state."""
        kind, flags = frame[3], frame[4]
        stream_id = int.from_bytes(frame[5:9], "big") & 0x7FFFFFFF
        response = self._responses.get(stream_id)
        if response is None or kind not in (0x0, 0x1):
            return
        if kind == 0x1:  # HEADERS
            payload = frame[9:]
            if flags & 0x8:  # PADDED
                payload = payload[1 : len(payload) - payload[0]]
            if flags & 0x20:  # PRIORITY
                payload = payload[5:]
            for name, value in self.conn.decoder.decode(payload):
                if name in (":status", b":status"):
                    response["status"] = int(value)
        if flags & 0x1:  # END_STREAM
            response["done"] = True

    def start(self, target: str, body: bytes = BODY) -> int:
        stream_id = self.conn.get_next_available_stream_id()
        headers = [
            (":method", "POST"),
            (":scheme", "https"),
            (":authority", "127.0.0.1"),
            (":path", target),
            ("content-type", "application/json"),
            ("content-length", str(len(body))),
        ]
        self._responses[stream_id] = {"status": None, "body": b"", "done": False}
        self.conn.send_headers(stream_id, headers)
        self.conn.send_data(stream_id, body, end_stream=True)
        self.sock.sendall(self.conn.data_to_send())
        return stream_id

    def wait(self, stream_id: int) -> int:
        """The stream's status (-1 when reset); raises when the connection closes first."""
        while not self._responses[stream_id]["done"]:
            if not self._pump():
                raise ConnectionError(f"closed before stream {stream_id} ended")
        status = self._responses[stream_id]["status"]
        assert isinstance(status, int)
        return status

    def request(self, target: str) -> int:
        return self.wait(self.start(target))

    def poll(self, seconds: float) -> None:
        """Handle whatever the server sends within `seconds`."""
        self.sock.settimeout(seconds)
        try:
            self._pump()
        except TimeoutError:
            pass
        finally:
            self.sock.settimeout(self.timeout)

    def seconds_until_idle_end(
        self, limit: float
    ) -> tuple[float, Literal["goaway", "close"]] | None:
        """Wait, idle, for a GOAWAY or the close, whichever comes first."""
        start = time.monotonic()
        try:
            while (left := limit - (time.monotonic() - start)) > 0:
                self.sock.settimeout(left)
                alive = self._pump()
                if self.goaway is not None:
                    return time.monotonic() - start, "goaway"
                if not alive:
                    return time.monotonic() - start, "close"
        except TimeoutError:
            pass
        finally:
            self.sock.settimeout(self.timeout)
        return None


def h2_requests_until_goaway(port: int, ca: str, target: str, limit: int) -> int | None:
    """Sequential requests on one HTTP/2 connection: how many were answered before the server
    sent GOAWAY (or closed), None if it did neither within `limit`."""
    with H2(port, ca) as conn:
        for i in range(1, limit + 1):
            assert conn.request(target) == 200
            if conn.goaway is None and not conn.closed:
                conn.poll(0.02)  # a GOAWAY right behind the response
            if conn.goaway is not None or conn.closed:
                return i
    return None


@dataclass
class Outcome:
    status: int  # -1: the connection failed
    start: float
    end: float
    error: str = ""

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass
class Burst:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: int) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def h1_burst(port: int, ca: str | None, target: str, n: int, stagger_s: float = 0.02) -> Burst:
    """n requests, each on its own new HTTP/1.1 connection, started `stagger_s` apart (so the
    server sees them in order) and all in flight together when the service time is longer."""
    burst = Burst([Outcome(-1, 0.0, 0.0) for _ in range(n)])
    t0 = time.monotonic()

    def one(i: int) -> None:
        time.sleep(max(0.0, t0 + i * stagger_s - time.monotonic()))
        start = time.monotonic()
        try:
            with H1(port, ca) as conn:
                status = conn.request(target).status
            burst.outcomes[i] = Outcome(status, start, time.monotonic())
        except Exception as exc:
            burst.outcomes[i] = Outcome(-1, start, time.monotonic(), repr(exc))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return burst


def h2_burst(port: int, ca: str, target: str, n: int) -> list[Outcome]:
    """n concurrent streams on one HTTP/2 connection, in stream order (status -1: the server
    ended the connection before answering it)."""
    with H2(port, ca) as conn:
        start = time.monotonic()
        streams = [conn.start(target) for _ in range(n)]
        outcomes = {s: Outcome(-1, start, start) for s in streams}
        pending = set(streams)
        while pending:
            alive = conn._pump()
            for stream_id in list(pending):
                response = conn._responses[stream_id]
                if response["done"]:
                    status = response["status"]
                    assert isinstance(status, int)
                    outcomes[stream_id] = Outcome(status, start, time.monotonic())
                    pending.discard(stream_id)
            if not alive:
                break
        return [outcomes[s] for s in streams]
