"""Apache httpd (Debian's apache2) with mpm_event, mod_ssl, mod_http2 and mod_proxy_http to our
uvicorn backend, from a minimal config of our own (no /etc/apache2, no apache2ctl).

Configured: `KeepAliveTimeout`, `MaxKeepAliveRequests`, `H2MaxSessionStreams`,
`Protocols h2 http/1.1`. Over HTTP/1.1 `MaxKeepAliveRequests N` lets a connection carry N + 1
responses (Apache counts reuses, not requests); over h2 it sets no limit.
"""

from __future__ import annotations

import os
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

BINARY = ("apache2", "/usr/sbin/apache2", "httpd")
MODULES = Path("/usr/lib/apache2/modules")
NEEDED = (
    "mpm_event",
    "authz_core",
    "ssl",
    "http2",
    "proxy",
    "proxy_http",
    "socache_shmcb",
)

CONFIG = """
ServerRoot "{root}"
ServerName 127.0.0.1
PidFile "{root}/httpd.pid"
DefaultRuntimeDir "{root}"
ErrorLog "{root}/error.log"
LogLevel warn
{modules}
{user}

Listen 127.0.0.1:{port}
StartServers 1
ServerLimit 1
ThreadsPerChild 64
MaxRequestWorkers 64
KeepAlive On
KeepAliveTimeout {keepalive_timeout}
MaxKeepAliveRequests {max_keepalive_requests}
Timeout 30
Protocols {protocols}
H2MaxSessionStreams {h2_max_session_streams}
SSLSessionCache "shmcb:{root}/ssl_scache(512000)"
<VirtualHost 127.0.0.1:{port}>
    SSLEngine on
    SSLCertificateFile "{cert}"
    SSLCertificateKeyFile "{key}"
    ProxyPass "/" "{backend}/" keepalive=On
    ProxyPassReverse "/" "{backend}/"
</VirtualHost>
"""


def apache_unavailable_reason() -> str | None:
    reason = missing_binary(*BINARY) or uvicorn_unavailable_reason()
    if reason:
        return reason
    missing = [m for m in NEEDED if not (MODULES / f"mod_{m}.so").exists()]
    if missing:
        return f"Apache modules missing from {MODULES}: {', '.join(missing)}"
    return None


@contextmanager
def run_apache(
    root: Path,
    *,
    keepalive_timeout: int = 5,
    max_keepalive_requests: int = 100,
    h2_max_session_streams: int = 100,
    http2: bool = True,
    service_ms: float = 20.0,
    backend: Server | None = None,
    tls: TlsFiles | None = None,
) -> Iterator[Server]:
    """Apache on 127.0.0.1 (TLS), proxying to `backend` (a uvicorn of our own when None)."""
    with ExitStack() as stack:
        backend, tls, port = proxy_front(stack, root, backend, service_ms, tls)
        # Started as root, Apache serves as another user; its files are read before that.
        user = "User www-data\nGroup www-data" if os.geteuid() == 0 else ""
        modules = "\n".join(f"LoadModule {m}_module {MODULES}/mod_{m}.so" for m in NEEDED)
        conf = root / "httpd.conf"
        conf.write_text(
            CONFIG.format(
                root=root,
                modules=modules,
                user=user,
                port=port,
                keepalive_timeout=keepalive_timeout,
                max_keepalive_requests=max_keepalive_requests,
                protocols="h2 http/1.1" if http2 else "http/1.1",
                h2_max_session_streams=h2_max_session_streams,
                cert=tls.cert,
                key=tls.key,
                backend=backend.origin,
            )
        )
        argv = [which(*BINARY), "-f", str(conf), "-DFOREGROUND"]
        truth = Truth(
            alpn=("h2", "http/1.1") if http2 else ("http/1.1",),
            max_concurrent_streams=h2_max_session_streams if http2 else None,
            http1=ProtocolTruth(
                idle_timeout_s=float(keepalive_timeout),
                max_requests_per_connection=max_keepalive_requests + 1,
            ),
            h2=ProtocolTruth(float(keepalive_timeout), "goaway") if http2 else None,
            concurrency_limit=None,
            refusal=None,
            service_s=backend.truth.service_s,
        )
        stack.enter_context(running("apache2", argv, port, log=root / "stdout.log"))
        yield Server(
            "apache", f"https://127.0.0.1:{port}/v1/chat/completions", str(tls.ca), truth, root
        )
