"""HAProxy (Debian's 2.6) terminating TLS with ALPN h2,http/1.1 in front of our uvicorn backend.

Configured: `tune.h2.max-concurrent-streams` (2.6's name for the h2 stream limit),
`timeout http-keep-alive` (the idle timeout of kept-alive client connections, both protocols),
and `maxconn` on the backend server: beyond it, requests wait in HAProxy's queue (refusal
"queue"; a 503 only after `timeout queue`). HAProxy 2.6 has no requests-per-connection limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from tests.servers.common import (
    ProtocolTruth,
    Server,
    TlsFiles,
    Truth,
    missing_binary,
    running,
    which,
)
from tests.servers.uvicorn_server import proxy_front, uvicorn_unavailable_reason

BINARY = ("haproxy", "/usr/sbin/haproxy")

CONFIG = """
global
    maxconn 4096
    tune.h2.max-concurrent-streams {max_streams}
    pidfile {root}/haproxy.pid

defaults
    mode http
    option http-keep-alive
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    timeout http-request 10s
    timeout http-keep-alive {keepalive_ms}ms
    timeout queue {queue_timeout_ms}ms

frontend fe
    bind 127.0.0.1:{port} ssl crt {crt} alpn {alpn}
    default_backend be

backend be
    http-reuse safe
    server app {backend}{server_maxconn}
"""


def haproxy_unavailable_reason() -> str | None:
    return missing_binary(*BINARY) or uvicorn_unavailable_reason()


@contextmanager
def run_haproxy(
    root: Path,
    *,
    keepalive_timeout: float = 5.0,
    max_concurrent_streams: int = 100,
    maxconn: int | None = None,
    queue_timeout: float = 30.0,
    http2: bool = True,
    service_ms: float = 20.0,
    backend: Server | None = None,
    tls: TlsFiles | None = None,
) -> Iterator[Server]:
    """HAProxy on 127.0.0.1 (TLS); `maxconn` caps the requests in flight to the backend."""
    with ExitStack() as stack:
        backend, tls, port = proxy_front(stack, root, backend, service_ms, tls)
        conf = root / "haproxy.cfg"
        conf.write_text(
            CONFIG.format(
                root=root,
                max_streams=max_concurrent_streams,
                keepalive_ms=round(keepalive_timeout * 1000),
                queue_timeout_ms=round(queue_timeout * 1000),
                port=port,
                crt=tls.combined,
                alpn="h2,http/1.1" if http2 else "http/1.1",
                backend=backend.origin.split("://", 1)[1],
                server_maxconn=f" maxconn {maxconn}" if maxconn else "",
            )
        )
        argv = [which(*BINARY), "-f", str(conf), "-db"]
        truth = Truth(
            alpn=("h2", "http/1.1") if http2 else ("http/1.1",),
            max_concurrent_streams=max_concurrent_streams if http2 else None,
            http1=ProtocolTruth(idle_timeout_s=keepalive_timeout),
            h2=ProtocolTruth(keepalive_timeout, "goaway") if http2 else None,
            concurrency_limit=maxconn,
            refusal="queue" if maxconn else None,
            service_s=backend.truth.service_s,
        )
        stack.enter_context(running("haproxy", argv, port, log=root / "haproxy.log"))
        yield Server(
            "haproxy", f"https://127.0.0.1:{port}/v1/chat/completions", str(tls.ca), truth, root
        )
