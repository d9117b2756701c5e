"""uvicorn (h11) serving tests/servers/asgi_app.py: `--timeout-keep-alive`,
`--limit-concurrency N`, TLS with trustme certificates. Also the plain-HTTP backend that Apache,
HAProxy and Caddy proxy to.

uvicorn's `--limit-concurrency N` answers 503 (with `Connection: close`) to a request that
arrives while N connections are open, the connection carrying it included: N - 1 requests in
flight are served, and every idle kept-alive connection of the client takes a slot too.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
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

APP_DIR = Path(__file__).resolve().parent


def uvicorn_unavailable_reason() -> str | None:
    if importlib.util.find_spec("uvicorn") is None:
        return "uvicorn is not installed (pip install uvicorn)"
    return None


@contextmanager
def run_uvicorn(
    root: Path,
    *,
    timeout_keep_alive: int = 5,
    limit_concurrency: int | None = None,
    service_ms: float = 20.0,
    tls: TlsFiles | None = None,
    plain_http: bool = False,
) -> Iterator[Server]:
    """uvicorn on 127.0.0.1 with TLS (its own trustme CA unless `tls` is given), or plain HTTP
    when `plain_http` (the backend of the proxies)."""
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "--app-dir",
        str(APP_DIR),
        "asgi_app:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--http",
        "h11",
        "--loop",
        "asyncio",
        "--lifespan",
        "off",
        "--no-access-log",
        "--log-level",
        "warning",
        "--timeout-keep-alive",
        str(timeout_keep_alive),
    ]
    if limit_concurrency is not None:
        argv += ["--limit-concurrency", str(limit_concurrency)]
    ca_bundle: str | None = None
    if not plain_http:
        tls = tls or make_tls(root / "tls")
        argv += ["--ssl-keyfile", str(tls.key), "--ssl-certfile", str(tls.cert)]
        ca_bundle = str(tls.ca)
    scheme = "http" if plain_http else "https"
    truth = Truth(
        alpn=(),  # uvicorn sets no ALPN protocols for h11: the handshake selects none
        max_concurrent_streams=None,
        http1=ProtocolTruth(idle_timeout_s=float(timeout_keep_alive)),
        h2=None,
        concurrency_limit=None if limit_concurrency is None else limit_concurrency - 1,
        refusal=None if limit_concurrency is None else "503",
        service_s=service_ms / 1000,
    )
    with running(
        "uvicorn",
        argv,
        port,
        log=root / "uvicorn.log",
        env={"ASGI_SERVICE_MS": str(service_ms)},
    ):
        yield Server(
            "uvicorn",
            f"{scheme}://127.0.0.1:{port}/v1/chat/completions",
            ca_bundle,
            truth,
            root,
        )


@contextmanager
def run_backend(root: Path, *, service_ms: float = 20.0) -> Iterator[Server]:
    """The proxies' backend: plain-HTTP uvicorn whose keep-alive outlasts any proxy's pool
    (a proxy reusing a backend connection that uvicorn is closing would answer 502)."""
    with run_uvicorn(root, timeout_keep_alive=300, service_ms=service_ms, plain_http=True) as s:
        yield s


def proxy_front(
    stack: ExitStack, root: Path, backend: Server | None, service_ms: float, tls: TlsFiles | None
) -> tuple[Server, TlsFiles, int]:
    """What every TLS proxy harness starts from: its folder, a backend (ours unless given),
    certificates and a free port."""
    root.mkdir(parents=True, exist_ok=True)
    if backend is None:
        backend = stack.enter_context(run_backend(root / "backend", service_ms=service_ms))
    return backend, tls or make_tls(root / "tls"), free_port()
