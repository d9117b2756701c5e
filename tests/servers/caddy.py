"""Caddy (Debian's 2.6) with our trustme certificate (`tls cert key`) and `reverse_proxy` to our
uvicorn backend; admin endpoint off, state kept in the temp dir.

Configured: `servers { timeouts { idle ... } }` (both protocols: HTTP/1.1 is closed, HTTP/2 gets
a GOAWAY at the idle timeout), `protocols h1 h2` (no HTTP/3), and optionally the proxy
transport's `max_conns_per_host`: beyond it requests wait for a backend connection (refusal
"queue"). HTTP/2 streams are Go's default, 250; Caddy has no requests-per-connection limit.
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

BINARY = ("caddy", "/usr/bin/caddy")
GO_MAX_STREAMS = 250  # golang.org/x/net/http2's default MaxConcurrentStreams

CADDYFILE = """
{{
    admin off
    auto_https off
    storage file_system {root}/storage
    servers {{
        timeouts {{
            idle {idle_ms}ms
        }}
        protocols {protocols}
    }}
}}

https://127.0.0.1:{port} {{
    tls {cert} {key}
    reverse_proxy {backend} {{
        transport http {{
            keepalive 300s
{transport}
        }}
    }}
}}
"""


def caddy_unavailable_reason() -> str | None:
    return missing_binary(*BINARY) or uvicorn_unavailable_reason()


@contextmanager
def run_caddy(
    root: Path,
    *,
    idle_timeout: float = 5.0,
    max_conns_per_host: int | None = None,
    http2: bool = True,
    service_ms: float = 20.0,
    backend: Server | None = None,
    tls: TlsFiles | None = None,
) -> Iterator[Server]:
    """Caddy on 127.0.0.1 (TLS); `max_conns_per_host` caps the requests in flight upstream."""
    with ExitStack() as stack:
        backend, tls, port = proxy_front(stack, root, backend, service_ms, tls)
        conf = root / "Caddyfile"
        transport = (
            f"            max_conns_per_host {max_conns_per_host}" if max_conns_per_host else ""
        )
        conf.write_text(
            CADDYFILE.format(
                root=root,
                idle_ms=round(idle_timeout * 1000),
                protocols="h1 h2" if http2 else "h1",
                port=port,
                cert=tls.cert,
                key=tls.key,
                backend=backend.origin.split("://", 1)[1],
                transport=transport,
            )
        )
        argv = [which(*BINARY), "run", "--config", str(conf), "--adapter", "caddyfile"]
        env = {
            "HOME": str(root),
            "XDG_DATA_HOME": str(root / "data"),
            "XDG_CONFIG_HOME": str(root / "config"),
        }
        truth = Truth(
            alpn=("h2", "http/1.1") if http2 else ("http/1.1",),
            max_concurrent_streams=GO_MAX_STREAMS if http2 else None,
            http1=ProtocolTruth(idle_timeout_s=idle_timeout),
            h2=ProtocolTruth(idle_timeout, "goaway") if http2 else None,
            concurrency_limit=max_conns_per_host,
            refusal="queue" if max_conns_per_host else None,
            service_s=backend.truth.service_s,
        )
        stack.enter_context(running("caddy", argv, port, log=root / "caddy.log", env=env))
        yield Server(
            "caddy", f"https://127.0.0.1:{port}/v1/chat/completions", str(tls.ca), truth, root
        )
