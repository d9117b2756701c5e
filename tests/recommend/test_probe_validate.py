"""The A/B of --validate, at the probe level: a full keep-alive pool against httpx defaults,
interleaved at concurrency 50 on a real loopback server that counts connections itself."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pooltune.model import PoolSettings, TimeoutSettings
from pooltune.probe.plan import make_plan
from pooltune.probe.session import ProbeSession
from pooltune.probe.target import BadInput, ProbeRequest
from pooltune.probe.validate import load_baseline
from tests.recommend.conftest import ApiSettings, LoopbackApi

Start = Callable[[ApiSettings], LoopbackApi]


# (httpx 0.28 is left to the sim A/B: on a CPU-starved client its releases never bunch up, so
# whether its 100/20 pool churns depends on spare CPU)
@pytest.mark.parametrize("library", ["httpx2", "aiohttp"])
def test_full_keepalive_pool_opens_fewer_connections_than_the_defaults(
    start_api: Start, library: str
) -> None:
    # 100 ms service: all 50 requests overlap even when this machine is busy
    api = start_api(ApiSettings(service_s=0.1, http1_only=True, idle_timeout=5.0))
    parts = urlsplit(api.url)
    stats_url = f"{parts.scheme}://{parts.netloc}/_sim/stats"
    plan = make_plan(50, 3000, 40.0, validate=True)
    request = ProbeRequest(api.url, "POST", (), b"{}", api.ca_bundle)
    session = ProbeSession(request, plan, library, max_workers=1, stats_url=stats_url)
    good = PoolSettings(
        max_connections=50,
        max_keepalive_connections=50,
        keepalive_expiry=4.0,
        timeout=TimeoutSettings(connect=5.0, read=10.0, write=10.0, pool=2.0),
    )
    # httpx defaults (100/20); aiohttp has no keep-alive cap, so that pool does not churn there
    base = PoolSettings.httpx_defaults()
    result = session.arms({"baseline": base, "recommended": good}, 50, 400, 30.0, True)
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
    if library != "aiohttp":
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
    assert settings.timeout.model_dump() == {
        "connect": 1.0,
        "read": 30.0,
        "write": 5.0,
        "pool": 3.0,
    }
    # keys the file leaves out come from the library's own defaults
    partial = tmp_path / "partial.toml"
    partial.write_text("max_connections = 30\n")
    sdk = load_baseline(partial, "openai")
    assert sdk.max_connections == 30 and sdk.max_keepalive_connections == 100
    assert sdk.timeout.read == 600.0 and sdk.max_retries == 2
    path.write_text("max_conections = 3\n")
    with pytest.raises(BadInput, match="unknown key 'max_conections'"):
        load_baseline(path)
