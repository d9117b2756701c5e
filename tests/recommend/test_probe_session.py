"""The prober against a real loopback server (hypercorn, TLS, HTTP/2) with known settings."""

from __future__ import annotations

import _thread
import asyncio
import threading
from collections.abc import Callable

import pytest

from pooltune.model import PoolSettings, ServerFacts
from pooltune.probe.plan import make_plan
from pooltune.probe.runner import LevelJob, run_level_async
from pooltune.probe.session import ProbeSession
from pooltune.probe.target import ProbeRequest, streaming_body
from pooltune.tune.idle import idle_timeout
from pooltune.tune.limits import concurrency_limit
from pooltune.tune.stats import summarize
from tests.recommend.conftest import ApiSettings, LoopbackApi

Start = Callable[[ApiSettings], LoopbackApi]
SECRET = "sk-test-0123456789abcdef"


def _session(
    api: LoopbackApi, target: int, max_requests: int, duration: float, library: str = "httpx2"
) -> ProbeSession:
    plan = make_plan(target, max_requests, duration, validate=False, idle_window_s=6.0)
    request = ProbeRequest(
        api.url,
        "POST",
        (("Authorization", f"Bearer {SECRET}"), ("Content-Type", "application/json")),
        b'{"model": "m", "messages": []}',
        api.ca_bundle,
    )
    return ProbeSession(request, plan, library, max_workers=1)


def test_recovers_http2_streams_idle_timeout_and_concurrency_limit(start_api: Start) -> None:
    # 100 ms service: neither this prober nor the server is CPU-bound on a busy 2-core machine,
    # so the limit is the server's (it failed with 10 ms, refusal_limit None)
    api = start_api(
        ApiSettings(service_s=0.1, concurrency_limit=20, idle_timeout=2.0, h2_max_streams=64)
    )
    session = _session(api, target=16, max_requests=1500, duration=30)
    session.preflight()
    outcome = session.sweep()
    server = ServerFacts(http_version="HTTP/2" if session.offers_http2 else "HTTP/1.1")
    session.start_idle_probe()
    session.finish_idle(server, 15)
    session.fill_protocol(server)
    assert server.http_version == "HTTP/2"
    assert server.alpn == "h2"
    assert server.max_concurrent_streams == 64
    idle = idle_timeout(server)
    seen = (server.idle_observations, server.idle_discarded, server.idle_confirmations)
    if idle.timeout_s is None and not idle.inconclusive:
        # every idled connection survived a window the budget kept short: a true "longer than"
        assert server.idle_timeout_window_s is not None and server.idle_timeout_window_s < 2.0, seen
    else:
        assert idle.inconclusive or abs((idle.timeout_s or 0) - 2.0) <= 1.0, seen
    limit = concurrency_limit(
        [summarize(lv) for lv in outcome.levels], [summarize(lv) for lv in outcome.repeats]
    )
    # the refusing level runs up to three times (the spread; fewer when the time runs out);
    # runs where the prober saturated are no evidence, so the limit is within 10% of 20 or
    # named inconclusive with its reason
    assert len(outcome.repeats) <= 2
    assert limit.kind == "refuses"
    if limit.value is None:
        assert limit.inconclusive
    else:
        assert abs(limit.value - 20) <= 2 and 1 <= len(limit.runs) <= 3
    # the sweep stopped raising load once the server refused
    assert max(level.concurrency for level in outcome.levels) <= 24
    assert not outcome.partial
    # the server saw exactly what the prober says it sent, within the budget
    # (an idle probe whose connection the server had closed counts as sent but never arrives)
    assert session.total_sent - 4 <= api.counters.requests <= session.total_sent <= 1500
    # the secret reached the server, and nothing the prober reports carries it
    assert api.counters.last_headers["authorization"] == f"Bearer {SECRET}"
    assert SECRET not in server.model_dump_json() + str(outcome.warnings)
    assert SECRET not in repr(session.request)


def test_http1_server_and_phases(start_api: Start) -> None:
    api = start_api(ApiSettings(http1_only=True, idle_timeout=1.0))
    session = _session(api, target=4, max_requests=400, duration=20)
    session.preflight()
    outcome = session.sweep()
    server = ServerFacts(http_version="HTTP/1.1")
    session.fill_protocol(server)
    assert not session.offers_http2
    assert server.max_concurrent_streams is None
    assert not outcome.refusing
    top = outcome.levels[-1]
    assert top.concurrency == 6
    # one connection per worker, reused after the first request
    new = sum(s.new_connection for s in top.samples)
    assert 1 <= new <= top.concurrency
    first = next(s for s in top.samples if s.new_connection)
    assert {"pool_wait", "connect", "tls", "write", "ttfb"} <= set(first.phases)
    reused = next(s for s in top.samples if not s.new_connection)
    assert "tls" not in reused.phases
    assert all(s.http_version == "HTTP/1.1" and s.status == 200 for s in top.samples)


@pytest.mark.parametrize("budget", [40, 137])
def test_max_requests_is_never_exceeded(start_api: Start, budget: int) -> None:
    api = start_api(ApiSettings())
    session = _session(api, target=50, max_requests=budget, duration=20)
    session.preflight()
    session.start_idle_probe()
    outcome = session.sweep()
    session.finish_idle(ServerFacts(http_version="HTTP/2"), 10)
    assert api.counters.requests <= session.total_sent <= budget
    assert any("budget" in w for w in outcome.warnings)


def test_server_death_gives_a_partial_outcome(start_api: Start) -> None:
    api = start_api(ApiSettings(stop_after_requests=120))
    session = _session(api, target=16, max_requests=1500, duration=30)
    session.preflight()
    outcome = session.sweep()
    assert outcome.partial
    assert any("stopped answering" in w for w in outcome.warnings)
    assert outcome.levels  # what was measured before the death is kept
    assert sum(len(level.samples) for level in outcome.levels) >= 100


def test_streamed_requests_measure_ttft_and_longest_gap(start_api: Start) -> None:
    api = start_api(ApiSettings(sse_chunks=4, sse_long_gap_s=0.25))
    request = ProbeRequest(
        api.url,
        "POST",
        (),
        b'{"stream": true}',
        api.ca_bundle,
        streaming=streaming_body(b'{"stream": true}'),
    )
    job = LevelJob(request, "httpx2", 2, 4, 10.0, PoolSettings.probing(2), 2, 0.0)
    run = asyncio.run(run_level_async(job))
    assert len(run.level.samples) == 4 == run.started
    for sample in run.level.samples:
        assert sample.status == 200
        assert sample.phases["ttft"] < 0.2
        assert 0.2 <= sample.phases["max_gap"] < sample.total_s


def test_ctrl_c_keeps_the_levels_measured_so_far(start_api: Start) -> None:
    api = start_api(ApiSettings(service_s=0.05))
    session = _session(api, target=16, max_requests=1500, duration=30)
    session.preflight()
    timer = threading.Timer(3.0, _thread.interrupt_main)
    timer.start()
    try:
        outcome = session.sweep()
    finally:
        timer.cancel()
    assert outcome.partial
    assert "interrupted" in " ".join(outcome.warnings)
    assert outcome.levels and all(level.samples for level in outcome.levels)
