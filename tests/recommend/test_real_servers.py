"""What `pooltune recommend --format json` finds on real servers nobody here wrote (uvicorn,
Apache httpd, HAProxy, Caddy, and nginx over HTTP/1.1), each started with a configuration whose
effect tests/servers/test_truths.py proves from outside.

Discovery (HTTP version, stream limit, idle timeout) is right today. What issue 11 says is wrong
today is marked xfail(strict=True): when the fix lands the test XPASSes, fails, and the mark
goes. Each server is probed once per module; the tests read that one report.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.servers import HTTP1, HTTP2, Server, start, unavailable_reason

# name -> (harness, its settings, --target-concurrency). Service times of 50-100 ms: the server
# side never needs spare CPU, and a level's in-flight count is what the prober asked for.
CASES: dict[str, tuple[str, dict[str, Any], int]] = {
    # uvicorn's default 5 s keep-alive; --limit-concurrency 30: 29 requests in flight
    "uvicorn": (
        "uvicorn",
        {"timeout_keep_alive": 5, "limit_concurrency": 30, "service_ms": 100},
        24,
    ),
    # MaxKeepAliveRequests 20: an HTTP/1.1 connection carries 21 responses; none over h2
    "apache": (
        "apache",
        {
            "keepalive_timeout": 3,
            "max_keepalive_requests": 20,
            "h2_max_session_streams": 40,
            "service_ms": 50,
        },
        16,
    ),
    # backend maxconn 12: requests beyond 12 in flight queue in HAProxy
    "haproxy": (
        "haproxy",
        {"keepalive_timeout": 3, "max_concurrent_streams": 40, "maxconn": 12, "service_ms": 100},
        16,
    ),
    # Go's 250 streams, GOAWAY at the idle timeout, no limits
    "caddy": ("caddy", {"idle_timeout": 3, "service_ms": 50}, 16),
    # keepalive_requests 10 over HTTP/1.1, no limit_conn
    "nginx-http1": (
        "nginx",
        {
            "http2": False,
            "keepalive_timeout": 3,
            "keepalive_requests": 10,
            "limit_conn": None,
            "service_s": 0.05,
        },
        16,
    ),
}

ISSUE = "issue 11: "


@dataclass(frozen=True)
class Probed:
    case: str
    server: Server
    report: dict[str, Any]

    @property
    def found(self) -> dict[str, Any]:
        found: dict[str, Any] = self.report["server"]
        return found

    @property
    def recommended_version(self) -> str:
        return HTTP2 if self.report["recommendation"]["http2"] else HTTP1


def _recommend(server: Server, target: int) -> dict[str, Any]:
    assert server.ca_bundle is not None
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
            str(target),
            "--max-duration",
            "40",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert proc.returncode == 0, proc.stderr
    report: dict[str, Any] = json.loads(proc.stdout)
    return report


@pytest.fixture(scope="module", params=list(CASES))
def probed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Probed]:
    harness, settings, target = CASES[request.param]
    reason = unavailable_reason(harness)
    if reason:
        pytest.skip(reason)
    with start(harness, tmp_path_factory.mktemp(request.param), **settings) as server:
        yield Probed(request.param, server, _recommend(server, target))


def _xfail(request: pytest.FixtureRequest, reason: str, *, strict: bool = True) -> None:
    request.applymarker(pytest.mark.xfail(strict=strict, reason=ISSUE + reason))


def test_discovers_http_version_streams_and_idle_timeout(probed: Probed) -> None:
    truth, found = probed.server.truth, probed.found
    assert found["http_version"] == truth.http_version
    assert found["alpn"] == (truth.alpn[0] if truth.alpn else None)
    assert found["max_concurrent_streams"] == truth.max_concurrent_streams
    idle = truth.protocol(truth.http_version).idle_timeout_s
    assert idle is not None and found["idle_timeout_s"] is not None
    assert abs(found["idle_timeout_s"] - idle) <= 1.0
    assert probed.report["recommendation"]["keepalive_expiry"] < idle
    assert probed.report["partial"] is False


def test_concurrency_limit(probed: Probed, request: pytest.FixtureRequest) -> None:
    if probed.case == "uvicorn":
        _xfail(request, "the idle probe's open connections take uvicorn slots (25-27 of 29 here)")
    if probed.case == "haproxy":
        # today the queue at 12 is found in some runs only: no strict mark until it is every run
        _xfail(request, "HAProxy's queue at 12 in flight is found in some runs only", strict=False)
    truth, found = probed.server.truth, probed.found
    if truth.concurrency_limit is None:
        assert found["concurrency_limit"] is None
        return
    limit = found["concurrency_limit"]
    assert limit is not None
    # 10% (the issue's nginx criterion), but exact within one for uvicorn's small count
    slack = 1.0 if probed.case == "uvicorn" else max(1.0, 0.1 * truth.concurrency_limit)
    assert abs(limit - truth.concurrency_limit) <= slack, limit
    kind = {"503": "refuses", "queue": "queues"}[str(truth.refusal)]
    assert found["concurrency_limit_kind"] == kind


def test_max_requests_per_connection(probed: Probed, request: pytest.FixtureRequest) -> None:
    """Of the protocol recommended: Apache's HTTP/1.1 connection closes after 21 responses
    (MaxKeepAliveRequests 20), its h2 connection never; nginx's after keepalive_requests."""
    if probed.case in ("apache", "nginx-http1") and probed.recommended_version == HTTP1:
        _xfail(request, "no level keeps a connection long enough to meet the close")
    truth = probed.server.truth.protocol(probed.recommended_version)
    assert probed.found.get("max_requests_per_connection") == truth.max_requests_per_connection


def test_measures_each_protocol_the_server_offers(
    probed: Probed, request: pytest.FixtureRequest
) -> None:
    """design.md 3a: `protocols` holds the target concurrency measured each way; the
    recommendation is the one that measured better."""
    _xfail(request, "no `protocols` yet: one sweep (over HTTP/2 when offered), then a fixed rule")
    entries = probed.report.get("protocols")
    assert entries is not None
    versions = {entry["http_version"] for entry in entries}
    assert versions == set(probed.server.truth.http_versions)
    rec_version = probed.recommended_version
    assert rec_version in versions
