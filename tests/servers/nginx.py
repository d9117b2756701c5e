"""A real nginx on loopback with TLS, HTTP/2, keepalive_timeout, keepalive_requests,
http2_max_concurrent_streams and limit_conn.

nginx is the "server nobody here wrote" that `pooltune recommend` must read correctly. The echo
module (shipped with Debian's nginx-light) gives each response a service time (`service_s` or
`service_ms`, or the URL's `service_ms` query parameter), so concurrency builds up and
`limit_conn` refuses with 503 beyond its limit. `limit_conn` counts requests in progress (each
HTTP/2 stream counts as a connection); `keepalive_timeout` and `keepalive_requests` apply to
HTTP/2 too (nginx >= 1.19.7: a GOAWAY at the idle timeout and after the last request).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.servers.common import (
    ProtocolTruth,
    Server,
    TlsFiles,
    Truth,
    free_port,
    make_tls,
    running,
)

ECHO_MODULE = Path("/usr/lib/nginx/modules/ngx_http_echo_module.so")

CONFIG = """
load_module {echo_module};
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    keepalive_timeout {keepalive_timeout}s;
    keepalive_requests {keepalive_requests};
    http2_max_concurrent_streams {max_streams};
    limit_conn_zone $server_name zone=perserver:1m;
    # ?service_ms=N overrides the service time: echo_sleep wants seconds
    map $arg_service_ms $service_s {{
        default {service_s};
        ~^(\\d)$ 0.00$1;
        ~^(\\d\\d)$ 0.0$1;
        ~^(\\d\\d\\d)$ 0.$1;
        ~^(\\d+)(\\d\\d\\d)$ $1.$2;
    }}
    server {{
        listen 127.0.0.1:{port} ssl{http2};
        server_name localhost;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        {limit_conn}
        location / {{
            default_type application/json;
            echo_sleep $service_s;
            echo '{{"id": "chatcmpl-nginx", "object": "chat.completion", "choices": []}}';
        }}
    }}
}}
"""

NGINX_MAX_STREAMS = 128  # http2_max_concurrent_streams' default


@dataclass(frozen=True)
class NginxServer(Server):
    """A `Server`, plus the names tests/recommend/test_nginx.py and bench/ have used."""

    @property
    def keepalive_timeout(self) -> int:
        return int(self.truth.http1.idle_timeout_s or 0)

    @property
    def limit_conn(self) -> int:
        return int(self.truth.concurrency_limit or 0)

    @property
    def http2(self) -> bool:
        return self.truth.h2 is not None


def nginx_unavailable_reason() -> str | None:
    if shutil.which("nginx") is None:
        return "nginx is not installed (CI installs Debian's nginx-light)"
    if not ECHO_MODULE.exists():
        return f"nginx echo module not found at {ECHO_MODULE} (Debian's nginx-light ships it)"
    return None


@contextmanager
def run_nginx(
    root: Path,
    *,
    keepalive_timeout: int = 4,
    limit_conn: int | None = 12,
    http2: bool = True,
    service_s: float = 0.05,
    service_ms: float | None = None,
    keepalive_requests: int = 1000,
    max_concurrent_streams: int = NGINX_MAX_STREAMS,
    tls: TlsFiles | None = None,
) -> Iterator[NginxServer]:
    if service_ms is not None:
        service_s = service_ms / 1000
    tls = tls or make_tls(root / "tls")
    port = free_port()
    conf = root / "nginx.conf"
    conf.write_text(
        CONFIG.format(
            echo_module=ECHO_MODULE,
            root=root,
            port=port,
            http2=" http2" if http2 else "",
            keepalive_timeout=keepalive_timeout,
            keepalive_requests=keepalive_requests,
            max_streams=max_concurrent_streams,
            limit_conn=f"limit_conn perserver {limit_conn}; limit_conn_status 503;"
            if limit_conn
            else "",
            service_s=service_s,
            cert=tls.cert,
            key=tls.key,
        )
    )
    argv = ["nginx", "-c", str(conf), "-p", str(root), "-e", str(root / "error.log")]
    lifetime = ProtocolTruth(float(keepalive_timeout), "close", keepalive_requests)
    truth = Truth(
        alpn=("h2", "http/1.1") if http2 else ("http/1.1",),
        max_concurrent_streams=max_concurrent_streams if http2 else None,
        http1=lifetime,
        h2=ProtocolTruth(float(keepalive_timeout), "goaway", keepalive_requests) if http2 else None,
        concurrency_limit=limit_conn,
        refusal="503" if limit_conn else None,
        service_s=service_s,
    )
    with running("nginx", argv, port, log=root / "stdout.log"):
        yield NginxServer(
            "nginx", f"https://127.0.0.1:{port}/v1/chat/completions", str(tls.ca), truth, root
        )
