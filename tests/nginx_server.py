"""Start a real nginx on loopback with TLS, HTTP/2, keepalive_timeout and limit_conn.

nginx is the "server nobody here wrote" that `pooltune recommend` must read correctly. The echo
module (shipped with Debian's nginx-light) gives each response a fixed service time, so
concurrency builds up and `limit_conn` refuses with 503 beyond its limit.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import trustme

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
    limit_conn_zone $server_name zone=perserver:1m;
    server {{
        listen 127.0.0.1:{port} ssl{http2};
        server_name localhost;
        ssl_certificate {root}/cert.pem;
        ssl_certificate_key {root}/key.pem;
        limit_conn perserver {limit_conn};
        limit_conn_status 503;
        location / {{
            default_type application/json;
            echo_sleep {service_s};
            echo '{{"id": "chatcmpl-nginx", "object": "chat.completion", "choices": []}}';
        }}
    }}
}}
"""


@dataclass(frozen=True)
class NginxServer:
    url: str
    ca_bundle: str
    keepalive_timeout: int
    limit_conn: int
    http2: bool


def nginx_unavailable_reason() -> str | None:
    if shutil.which("nginx") is None:
        return "nginx is not installed (CI installs Debian's nginx-light)"
    if not ECHO_MODULE.exists():
        return f"nginx echo module not found at {ECHO_MODULE} (Debian's nginx-light ships it)"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def run_nginx(
    root: Path,
    *,
    keepalive_timeout: int = 4,
    limit_conn: int = 12,
    http2: bool = True,
    service_s: float = 0.05,
) -> Iterator[NginxServer]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert.private_key_pem.write_to_path(str(root / "key.pem"))
    cert.cert_chain_pems[0].write_to_path(str(root / "cert.pem"))
    ca_path = root / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    port = _free_port()
    conf = root / "nginx.conf"
    conf.write_text(
        CONFIG.format(
            echo_module=ECHO_MODULE,
            root=root,
            port=port,
            http2=" http2" if http2 else "",
            keepalive_timeout=keepalive_timeout,
            limit_conn=limit_conn,
            service_s=service_s,
        )
    )
    proc = subprocess.Popen(
        ["nginx", "-c", str(conf), "-p", str(root), "-e", str(root / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            if proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else ""
                raise RuntimeError(f"nginx exited at start-up: {err.strip()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("nginx did not start listening within 10 s") from None
                time.sleep(0.05)
        yield NginxServer(
            f"https://127.0.0.1:{port}/v1/chat/completions",
            str(ca_path),
            keepalive_timeout,
            limit_conn,
            http2,
        )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
