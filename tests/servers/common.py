"""What every real-server harness shares: the typed handle with the server's configured truth,
TLS material from trustme, free ports, and starting/stopping a server process cleanly."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import trustme

HTTP1 = "HTTP/1.1"
HTTP2 = "HTTP/2"

Refusal = Literal["503", "queue"]


@dataclass(frozen=True)
class ProtocolTruth:
    """How the server treats one kept-alive connection of one protocol.

    idle_timeout_s: seconds an idle connection (after a response) stays open; None = not set
      within anything a test waits for.
    idle_close: how the server ends an idle connection: "close" (TCP FIN / TLS close) or
      "goaway" (an HTTP/2 GOAWAY frame, then the close).
    max_requests_per_connection: responses the server sends on one connection before it closes
      it (the last one carries `Connection: close` over HTTP/1.1, or GOAWAY follows over
      HTTP/2); None = no such limit.
    """

    idle_timeout_s: float | None
    idle_close: Literal["close", "goaway"] = "close"
    max_requests_per_connection: int | None = None


@dataclass(frozen=True)
class Truth:
    """The configuration in force, as the server shows it from outside (tests/servers/
    test_truths.py proves each field with raw sockets, ssl and h2).

    alpn: the protocols the server selects from over TLS ALPN, best first; () when the server
      negotiates no ALPN at all (it then speaks HTTP/1.1).
    max_concurrent_streams: the server's HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS; None without h2.
    http1 / h2: per-protocol connection lifetime (h2 is None when the server has no HTTP/2).
    concurrency_limit: the most requests in flight the server serves at once; one more is
      refused with a 503 (refusal="503") or waits for a slot (refusal="queue"). None = no limit.
    service_s: the backend's service time per request unless the URL's `service_ms` says else.
    """

    alpn: tuple[str, ...]
    max_concurrent_streams: int | None
    http1: ProtocolTruth
    h2: ProtocolTruth | None
    concurrency_limit: int | None
    refusal: Refusal | None
    service_s: float

    @property
    def http_versions(self) -> tuple[str, ...]:
        return (HTTP2, HTTP1) if self.h2 is not None else (HTTP1,)

    @property
    def http_version(self) -> str:
        """What a client that offers both should end up speaking."""
        return self.http_versions[0]

    def protocol(self, http_version: str) -> ProtocolTruth:
        if http_version == HTTP2:
            if self.h2 is None:
                raise ValueError("this server has no HTTP/2")
            return self.h2
        return self.http1


@dataclass(frozen=True)
class Server:
    """A running server: `url` is the chat-completions endpoint (https unless the harness was
    asked for plain HTTP), `ca_bundle` the trustme CA that signed its certificate (None for
    plain HTTP), `truth` what it was configured with."""

    name: str
    url: str
    ca_bundle: str | None
    truth: Truth
    root: Path

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int:
        return int(self.url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])

    @property
    def origin(self) -> str:
        return self.url.split("/v1/", 1)[0]


@dataclass(frozen=True)
class TlsFiles:
    cert: Path  # leaf certificate for 127.0.0.1 and localhost
    key: Path
    ca: Path  # the CA a client trusts
    combined: Path  # cert then key in one PEM (HAProxy's `crt`)


def make_tls(root: Path) -> TlsFiles:
    root.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1", "localhost")
    files = TlsFiles(root / "cert.pem", root / "key.pem", root / "ca.pem", root / "combined.pem")
    leaf.private_key_pem.write_to_path(str(files.key))
    leaf.cert_chain_pems[0].write_to_path(str(files.cert))
    ca.cert_pem.write_to_path(str(files.ca))
    files.combined.write_bytes(leaf.cert_chain_pems[0].bytes() + leaf.private_key_pem.bytes())
    return files


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def missing_binary(*names: str) -> str | None:
    """A skip reason when none of the names is an executable on PATH (or an absolute path)."""
    if any(shutil.which(name) or Path(name).is_file() for name in names):
        return None
    return f"{names[0]} is not installed (.ci/run installs it from Debian)"


def which(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
        if Path(name).is_file():
            return name
    raise FileNotFoundError(names[0])


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


@contextmanager
def running(
    name: str,
    argv: Sequence[str],
    port: int,
    *,
    log: Path,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    start_timeout: float = 15.0,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server in its own process group until it listens on `port`; stop it (and any
    children it forked) on exit. Its output goes to `log`, quoted when it fails to start."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + start_timeout
        while not _listening(port):
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited at start-up ({proc.returncode}): {_tail(log)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not listen within {start_timeout} s: {_tail(log)}")
            time.sleep(0.05)
        yield proc
    finally:
        _stop(proc)


def _tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    # the group holds whatever the server forked (Apache's children): none may outlive the test
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
