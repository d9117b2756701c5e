"""Real servers nobody here wrote, started on loopback by the tests: uvicorn, nginx, Apache httpd,
HAProxy and Caddy, each with TLS (trustme) and a configuration whose effect is known (`Truth`,
proved from outside by tests/servers/test_truths.py).

Use a harness as a context manager (each skips nothing itself; ask `unavailable_reason` first):

    from tests.servers import start, unavailable_reason

    reason = unavailable_reason("haproxy")
    if reason:
        pytest.skip(reason)
    with start("haproxy", tmp_path, keepalive_timeout=2, maxconn=8) as server:
        server.url, server.ca_bundle, server.truth.concurrency_limit  # 8, refusal "queue"

Keyword arguments are the harness's own (`run_uvicorn`, `run_nginx`, `run_apache`,
`run_haproxy`, `run_caddy`); every one has `service_ms` (nginx: `service_s`) and the URL's
`?service_ms=N` overrides it per request. The proxies start their own uvicorn backend unless
given `backend=` (a `run_backend` server).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from tests.servers.apache import apache_unavailable_reason, run_apache
from tests.servers.caddy import caddy_unavailable_reason, run_caddy
from tests.servers.common import HTTP1, HTTP2, ProtocolTruth, Server, TlsFiles, Truth, make_tls
from tests.servers.haproxy import haproxy_unavailable_reason, run_haproxy
from tests.servers.nginx import nginx_unavailable_reason, run_nginx
from tests.servers.uvicorn_server import run_backend, run_uvicorn, uvicorn_unavailable_reason

Harness = Callable[..., AbstractContextManager[Server]]

HARNESSES: dict[str, tuple[Callable[[], str | None], Harness]] = {
    "uvicorn": (uvicorn_unavailable_reason, run_uvicorn),
    "nginx": (nginx_unavailable_reason, run_nginx),
    "apache": (apache_unavailable_reason, run_apache),
    "haproxy": (haproxy_unavailable_reason, run_haproxy),
    "caddy": (caddy_unavailable_reason, run_caddy),
}
PROXIES = ("apache", "haproxy", "caddy")  # these serve through a uvicorn backend


def unavailable_reason(name: str) -> str | None:
    """Why the named server cannot run here (a skip reason), None when it can."""
    return HARNESSES[name][0]()


def start(name: str, root: Path, **kwargs: Any) -> AbstractContextManager[Server]:
    return HARNESSES[name][1](root, **kwargs)


__all__ = [
    "HARNESSES",
    "HTTP1",
    "HTTP2",
    "PROXIES",
    "ProtocolTruth",
    "Server",
    "TlsFiles",
    "Truth",
    "make_tls",
    "run_apache",
    "run_backend",
    "run_caddy",
    "run_haproxy",
    "run_nginx",
    "run_uvicorn",
    "start",
    "unavailable_reason",
]
