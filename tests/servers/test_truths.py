"""Each harness's `Truth`, proved from outside with a socket, `ssl`, h11 and h2 (no pooltune
code): ALPN, SETTINGS_MAX_CONCURRENT_STREAMS, when an idle connection is closed (or gets a
GOAWAY), after how many responses a connection is closed, and at how many requests in flight
the server refuses (503) or queues. Short timeouts (1 s idle), service times of 0.5 s where
concurrency is counted, so that neither side needs spare CPU."""

from __future__ import annotations

from typing import Any

import pytest

from tests.servers import HTTP1, HTTP2, Server, raw
from tests.servers.conftest import StartServer

pytestmark = pytest.mark.busy_machine  # runs beside bounded busy loops (tests/conftest.py)

PATH = "/v1/chat/completions"
FAST = f"{PATH}?service_ms=0"
SERVICE_S = 0.5
SLOW = f"{PATH}?service_ms={int(SERVICE_S * 1000)}"

# Values unlike any default, so that a test passes only when the configuration is in force.
CONFIGS: dict[str, dict[str, Any]] = {
    "uvicorn": {"timeout_keep_alive": 1, "limit_concurrency": 5},
    "nginx": {
        "keepalive_timeout": 1,
        "keepalive_requests": 5,
        "max_concurrent_streams": 7,
        "limit_conn": 3,
        "service_ms": 0,
    },
    "apache": {"keepalive_timeout": 1, "max_keepalive_requests": 4, "h2_max_session_streams": 9},
    "haproxy": {"keepalive_timeout": 1.0, "max_concurrent_streams": 11, "maxconn": 4},
    "caddy": {"idle_timeout": 1.0, "max_conns_per_host": 4},
}


@pytest.fixture(scope="module", params=list(CONFIGS))
def server(request: pytest.FixtureRequest, start_server: StartServer) -> Server:
    return start_server(request.param, **CONFIGS[request.param])


@pytest.fixture(params=[HTTP1, HTTP2], ids=["http1", "h2"])
def version(request: pytest.FixtureRequest, server: Server) -> str:
    if request.param == HTTP2 and server.truth.h2 is None:
        pytest.skip(f"{server.name} has no HTTP/2 here")
    return str(request.param)


def _ca(server: Server) -> str:
    assert server.ca_bundle is not None
    return server.ca_bundle


def test_alpn(server: Server) -> None:
    alpn = server.truth.alpn
    assert raw.negotiated_alpn(server.port, _ca(server)) == (alpn[0] if alpn else None)
    only_h1 = raw.negotiated_alpn(server.port, _ca(server), ["http/1.1"])
    assert only_h1 == ("http/1.1" if alpn else None)


def test_max_concurrent_streams(server: Server) -> None:
    if server.truth.h2 is None:
        assert server.truth.max_concurrent_streams is None
        assert raw.negotiated_alpn(server.port, _ca(server), ["h2"]) != "h2"
        return
    with raw.H2(server.port, _ca(server)) as conn:
        assert conn.max_concurrent_streams == server.truth.max_concurrent_streams


def test_idle_timeout(server: Server, version: str) -> None:
    truth = server.truth.protocol(version)
    assert truth.idle_timeout_s is not None
    limit = truth.idle_timeout_s + 3
    if version == HTTP1:
        with raw.H1(server.port, _ca(server)) as h1:
            assert h1.request(FAST).status == 200
            seconds = h1.seconds_until_closed(limit)
            kind = "close"
    else:
        with raw.H2(server.port, _ca(server)) as h2:
            assert h2.request(FAST) == 200
            ended = h2.seconds_until_idle_end(limit)
            assert ended is not None, f"{server.name} kept an idle h2 connection {limit} s"
            seconds, kind = ended
    assert seconds is not None, f"{server.name} kept an idle connection open {limit} s"
    assert abs(seconds - truth.idle_timeout_s) <= 0.5, seconds
    assert kind == truth.idle_close


def test_requests_per_connection(server: Server, version: str) -> None:
    expected = server.truth.protocol(version).max_requests_per_connection
    tries = expected + 1 if expected else 12
    if version == HTTP1:
        served = raw.requests_until_close(server.port, _ca(server), FAST, tries)
    else:
        served = raw.h2_requests_until_goaway(server.port, _ca(server), FAST, tries)
    assert served == expected


def _check_burst(server: Server, outcomes: list[raw.Outcome]) -> None:
    truth = server.truth
    statuses = sorted(o.status for o in outcomes)
    if truth.refusal == "503":
        assert truth.concurrency_limit is not None
        refused = len(outcomes) - truth.concurrency_limit
        assert statuses == [200] * truth.concurrency_limit + [503] * refused
        return
    assert statuses == [200] * len(outcomes), [o.error for o in outcomes]
    # served at once: one service time; queued: a second one behind a served request
    at_once = sum(1 for o in outcomes if o.seconds < 1.5 * SERVICE_S)
    queued = sum(1 for o in outcomes if o.seconds > 1.7 * SERVICE_S)
    if truth.refusal == "queue":
        assert (at_once, queued) == (truth.concurrency_limit, len(outcomes) - at_once)
    else:
        assert truth.concurrency_limit is None
        assert at_once == len(outcomes), [round(o.seconds, 2) for o in outcomes]


def test_concurrency_limit_http1(server: Server) -> None:
    """New connections, one request each, all in flight together."""
    n = (server.truth.concurrency_limit or 6) + 3
    _check_burst(server, raw.h1_burst(server.port, server.ca_bundle, SLOW, n).outcomes)


def test_concurrency_limit_h2(server: Server) -> None:
    """Streams of one HTTP/2 connection (nginx's limit_conn counts each stream)."""
    truth = server.truth
    if truth.h2 is None or truth.concurrency_limit is None:
        pytest.skip("no HTTP/2 or no limit")
    n = truth.concurrency_limit + 2
    assert truth.max_concurrent_streams is not None and n <= truth.max_concurrent_streams
    _check_burst(server, raw.h2_burst(server.port, _ca(server), SLOW, n))


def test_uvicorn_counts_idle_connections_against_its_limit(start_server: StartServer) -> None:
    """uvicorn --limit-concurrency N counts open connections, not requests: a client's idle
    kept-alive connection takes a slot from its requests in flight."""
    server = start_server("uvicorn", **CONFIGS["uvicorn"])
    assert server.truth.concurrency_limit == 4  # --limit-concurrency 5: 4 requests in flight
    with raw.H1(server.port, _ca(server)) as idle:
        assert idle.request(FAST).status == 200
        burst = raw.h1_burst(server.port, _ca(server), SLOW, 6)
    assert sorted(o.status for o in burst.outcomes) == [200] * 3 + [503] * 3


def test_streams_sse_as_it_is_produced(server: Server) -> None:
    """The app's SSE events pass through each server as they come, not buffered to the end
    (nginx here answers from its echo module, with no SSE)."""
    if server.name == "nginx":
        pytest.skip("nginx answers from its echo module here")
    target = f"{PATH}?service_ms=0&stream=1&chunks=3&token_ms=300"
    with raw.H1(server.port, _ca(server)) as conn:
        response, pieces = conn.request_timed(target)
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.body.count(b"data: ") == 4 and response.body.endswith(b"data: [DONE]\n\n")
    first = next(t for t, data in pieces if b"t0" in data)
    last = next(t for t, data in pieces if b"t2" in data)
    assert last - first >= 0.5
