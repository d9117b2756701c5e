"""The A/B of --validate, at the probe level: a full keep-alive pool against httpx defaults,
interleaved at concurrency 50 on a real loopback server that counts connections itself."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pooltune.probe.plan import make_plan
from pooltune.probe.runner import ClientSettings, pick_engine
from pooltune.probe.session import ProbeSession
from pooltune.probe.target import BadInput, ProbeRequest
from pooltune.probe.validate import HTTPX_DEFAULTS, load_baseline
from tests.recommend.conftest import ApiSettings, LoopbackApi

Start = Callable[[ApiSettings], LoopbackApi]


def test_full_keepalive_pool_opens_fewer_connections_than_httpx_defaults(start_api: Start) -> None:
    api = start_api(ApiSettings(service_s=0.03, http1_only=True, idle_timeout=5.0))
    parts = urlsplit(api.url)
    stats_url = f"{parts.scheme}://{parts.netloc}/_sim/stats"
    plan = make_plan(50, 3000, 40.0, validate=True)
    request = ProbeRequest(api.url, "POST", (), b"{}", api.ca_bundle)
    session = ProbeSession(request, plan, pick_engine(), max_workers=1, stats_url=stats_url)
    good = ClientSettings(50, 50, 4.0, timeouts=(5.0, 10.0, 10.0, 2.0))
    result = session.validate(50, {"baseline": HTTPX_DEFAULTS, "recommended": good})
    assert result is not None
    base, rec = result["baseline"], result["recommended"]
    for arm in (base, rec):
        samples = arm.samples.samples
        assert samples and all(s.status == 200 for s in samples)
        # the server's own count of new connections agrees with the client's
        assert arm.counters is not None
        assert arm.counters["connections_opened"] == sum(s.new_connection for s in samples)
        assert len(samples) <= arm.counters["requests"] <= len(samples) + 4
    rec_new = sum(s.new_connection for s in rec.samples.samples)
    base_new = sum(s.new_connection for s in base.samples.samples)
    assert rec_new <= 50  # one client for the whole run: never more than its pool
    assert base_new > 2 * rec_new  # keep-alive 20 at 50 concurrent churns connections
    assert api.counters.requests <= session.total_sent <= plan.max_requests


def test_baseline_file(tmp_path: Path) -> None:
    path = tmp_path / "current.toml"
    path.write_text(
        "[tool.pooltune.profile]\nmax_connections = 30\nmax_keepalive_connections = 10\n"
        "keepalive_expiry = 2.5\nhttp2 = true\n"
        "timeout = {connect = 1.0, read = 30.0, write = 5.0, pool = 3.0}\n"
    )
    settings = load_baseline(path)
    assert (settings.max_connections, settings.max_keepalive_connections) == (30, 10)
    assert settings.keepalive_expiry == 2.5 and settings.http2
    assert settings.timeouts == (1.0, 30.0, 5.0, 3.0)
    path.write_text("max_conections = 3\n")
    with pytest.raises(BadInput, match="unknown key 'max_conections'"):
        load_baseline(path)
