"""`pooltune recommend` against a real server nobody here wrote: nginx with TLS, HTTP/2,
keepalive_timeout and limit_conn (skipped with a reason where nginx is not installed)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.servers.nginx import NginxServer, nginx_unavailable_reason, run_nginx

pytestmark = pytest.mark.skipif(
    nginx_unavailable_reason() is not None, reason=str(nginx_unavailable_reason())
)


@pytest.fixture(scope="module", params=[True, False], ids=["http2", "http1"])
def nginx(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NginxServer]:
    root = tmp_path_factory.mktemp("nginx")
    with run_nginx(root, keepalive_timeout=4, limit_conn=12, http2=request.param) as server:
        yield server


def _recommend(server: NginxServer, *args: str) -> dict[str, object]:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pooltune",
            "recommend",
            "--url",
            server.url,
            "--ca-bundle",
            server.ca_bundle,
            "--target-concurrency",
            "16",
            "--max-duration",
            "40",
            "--format",
            "json",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert proc.returncode == 0, proc.stderr
    report: dict[str, object] = json.loads(proc.stdout)
    return report


def test_recommend_reads_nginx(nginx: NginxServer) -> None:
    report = _recommend(nginx)
    server = report["server"]
    assert isinstance(server, dict)
    if nginx.http2:
        assert server["http_version"] == "HTTP/2"
        assert server["max_concurrent_streams"] == 128  # nginx's http2_max_concurrent_streams
    else:
        assert server["http_version"] == "HTTP/1.1"
    # keepalive_timeout 4s, resolved to about a second
    assert server["idle_timeout_s"] is not None
    assert abs(float(server["idle_timeout_s"]) - nginx.keepalive_timeout) <= 1.0
    # limit_conn 12: 503 beyond it (each HTTP/2 stream counts as a connection)
    limit = server["concurrency_limit"]
    assert limit is not None
    assert abs(int(limit) - nginx.limit_conn) <= 0.1 * nginx.limit_conn + 0.5
    rec = report["recommendation"]
    assert isinstance(rec, dict)
    assert rec["keepalive_expiry"] < nginx.keepalive_timeout
    assert rec["max_connections"] <= nginx.limit_conn  # capped at what the server takes
    assert report["partial"] is False
