"""`pooltune recommend` end to end against `pooltune sim` with known settings: it recovers them,
and its recommendation, validated at the target, beats httpx defaults."""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from pooltune.model import ProtocolRun
from pooltune.recommend.cli import recommend
from pooltune.tune.protocols import choose

sim = pytest.importorskip("pooltune.sim", reason="needs pooltune.sim")
if not hasattr(sim, "start_sim_process"):
    pytest.skip(
        "pooltune.sim.start_sim_process is not there yet (sim issue)", allow_module_level=True
    )
pytest.importorskip("pooltune.tune.advise", reason="needs pooltune.tune (tune issue)")
pytest.importorskip("pooltune.render.text", reason="needs pooltune.render (render issue)")

pytestmark = pytest.mark.busy_machine  # runs beside bounded busy loops (tests/conftest.py)

SECRET = "sk-sim-5e5e5e5e5e5e"


def _run(*args: str) -> tuple[int, str, str]:
    app = typer.Typer()
    app.command()(recommend)
    result = CliRunner().invoke(app, list(args), env={"SIM_TOKEN": SECRET})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert SECRET not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def _json_report(server: Any, *args: str) -> dict[str, Any]:
    code, out, err = _run(
        "--url",
        f"{server.url}/v1/chat/completions",
        "--ca-bundle",
        str(server.ca_bundle),
        "--header",
        "Authorization: Bearer $SIM_TOKEN",
        "--format",
        "json",
        *args,
    )
    assert code == 0, err
    report: dict[str, Any] = json.loads(out)
    return report


@pytest.fixture(scope="module")
def known_sim() -> Iterator[Any]:
    # 200 ms of service: the sweep's top level (30 in flight) asks 150 req/s of the prober and
    # the simulator, which both manage beside two busy loops (at 20 ms it was 1,500 req/s: the
    # CPU-starved client read the limit as 15)
    settings = sim.SimSettings(
        idle_timeout=3,
        rtt_ms=0,
        concurrency_limit=24,
        h2_max_streams=50,
        http1_only=False,
        service_ms=200,
    )
    with sim.start_sim_process(settings) as server:
        yield server


@pytest.fixture(scope="module")
def known_report(known_sim: Any) -> dict[str, Any]:
    # 60 s: at 200 ms a request, a 40 s budget left the idle probe (which runs alone here,
    # the cap leaving no room for its connections beside the other stages) a 2 s window
    return _json_report(
        known_sim, "--target-concurrency", "20", "--max-duration", "60", "--validate"
    )


def test_recovers_http2_and_its_stream_limit(known_report: dict[str, Any]) -> None:
    server = known_report["server"]
    assert server["http_version"] == "HTTP/2"
    assert server["max_concurrent_streams"] == 50


def test_recovers_the_idle_timeout_within_a_second(known_report: dict[str, Any]) -> None:
    """Within a second, or named inconclusive with its reason (never asserted then)."""
    inconclusive = known_report["inconclusive"]
    if "idle_timeout_s" in inconclusive:
        assert inconclusive["idle_timeout_s"] and known_report["server"]["idle_timeout_s"] is None
        return
    idle = known_report["server"]["idle_timeout_s"]
    assert idle is not None and abs(idle - 3) <= 1.0
    assert known_report["recommendation"]["keepalive_expiry"] < 3


def _inconclusive(report: dict[str, Any], name: str) -> str | None:
    """Why the report left `server.<name>` null (design.md 3b), or None; never asserted then."""
    reason: str | None = (report.get("inconclusive") or {}).get(name)
    if reason is not None:
        assert report["server"].get(name) is None and reason.strip(), (name, reason)
    return reason


def test_recovers_the_concurrency_limit_within_ten_percent(known_report: dict[str, Any]) -> None:
    """Within 10%, or named inconclusive with its reason (never asserted then)."""
    inconclusive = known_report["inconclusive"]
    if "concurrency_limit" in inconclusive:
        assert inconclusive["concurrency_limit"]
        assert known_report["server"]["concurrency_limit"] is None
        return
    limit = known_report["server"]["concurrency_limit"]
    assert limit is not None and abs(limit - 24) <= 2.4


def test_validation_at_the_target(known_report: dict[str, Any]) -> None:
    validation = known_report["validation"]
    rec = known_report["recommendation"]
    assert validation is not None and validation["concurrency"] == 20
    recommended, baseline = validation["recommended"], validation["baseline"]
    assert recommended["new_connections"] <= rec["max_connections"]
    # At 20 in flight the library's default pool (20 kept alive) does not churn, so both arms
    # are the same pool and their latencies differ by noise alone (p99 27-37 ms for either arm
    # on a quiet machine, 48 vs 82 at load 7): only what is robust is asserted.
    assert recommended["errors"] <= baseline["errors"]
    assert validation["counters_agree"] is True
    assert known_report["requests_sent"] <= 3000
    assert known_report["partial"] is False


@pytest.mark.parametrize("budget", [150, 400])
def test_max_requests_is_never_exceeded_by_the_command(known_sim: Any, budget: int) -> None:
    sim.reset_stats(known_sim)
    report = _json_report(
        known_sim, "--target-concurrency", "20", "--max-requests", str(budget), "--validate"
    )
    stats = sim.fetch_stats(known_sim)
    assert report["requests_sent"] <= budget
    # the server's count may include this test's own reset/stats calls, nothing else
    assert stats["requests"] <= budget + 2


def test_partial_report_when_the_server_dies() -> None:
    settings = sim.SimSettings(idle_timeout=5, service_ms=50)
    with sim.start_sim_process(settings) as server:
        # level 1 alone takes 30 x 50 ms: the server dies during the first levels
        timer = threading.Timer(2.5, os.kill, (server.pid, signal.SIGKILL))
        timer.start()
        try:
            report = _json_report(server, "--target-concurrency", "40", "--max-duration", "30")
        finally:
            timer.cancel()
    assert report["partial"] is True, (
        report["warnings"],
        [(lv["concurrency"], lv["requests"], lv["error_classes"]) for lv in report["levels"]],
    )
    assert report["levels"] and report["levels"][0]["requests"] > 0
    assert any("stopped answering" in w for w in report["warnings"])


@pytest.mark.slow
@pytest.mark.parametrize("client", ["httpx", "httpx2"])
def test_recommended_beats_the_library_defaults_at_50ms_rtt(client: str) -> None:
    """The issue's A/B, on the user's library: httpx 0.28 (whose 100/20 pool churns above 20 in
    flight and whose 50-connection keep-alive pool costs its CPU) and httpx2."""
    settings = sim.SimSettings(idle_timeout=5, rtt_ms=50, service_ms=20)
    with sim.start_sim_process(settings) as server:
        report = _json_report(
            server,
            "--target-concurrency",
            "50",
            "--validate",
            "--client",
            client,
            "--max-duration",
            "30",
        )
    assert report["client"]["library"] == client
    validation = report["validation"]
    assert validation is not None and validation["counters_agree"] is True
    assert validation["baseline_settings"]["max_keepalive_connections"] == 20
    base, rec = validation["baseline"], validation["recommended"]
    if validation["inconclusive"] is not None:
        # a busy machine starved the prober in an arm: the A/B is named, never asserted
        assert "saturated" in validation["inconclusive"]
        assert any(arm["prober"]["saturated"] for arm in (base, rec))
        return
    # far fewer new connections: the defaults churn (seen: 68-70 of 150), the recommendation
    # reuses its pool (seen: 0)
    assert rec["new_connections"] * 3 <= base["new_connections"]
    # no worse at the tail, nor by the tuner's score (p50 + p99); the median within noise (seen,
    # httpx: p99 143-197 vs 379-559 ms, p50 120-149 vs 182-289; httpx2: p99 100 vs 245, p50
    # 86 vs 97, and in two CI runs p50 93-95 vs 77-80: HTTP/2's one connection can cost the
    # median a little where it saves the tail)
    assert rec["latency_s"]["p99"] <= base["latency_s"]["p99"]
    assert (
        rec["latency_s"]["p50"] + rec["latency_s"]["p99"]
        <= base["latency_s"]["p50"] + base["latency_s"]["p99"]
    )
    assert rec["latency_s"]["p50"] <= 1.25 * base["latency_s"]["p50"] + 0.005
    # the churned connections httpx closes are responses, never errors (they were `o_s`)
    assert rec["errors"] == 0 and base["errors"] == 0
    # measured, not assumed: the protocol recommended is the one that measured better by the
    # tuner's rule (on httpx 0.28, HTTP/2 usually: its 50 kept-alive connections cost CPU; one
    # CI run of three measured HTTP/1.1 within the tie margin and cheaper)
    runs = {p["label"]: ProtocolRun.model_validate(p) for p in report["protocols"]}
    (chosen,) = [label for label, run in runs.items() if run.chosen]
    assert chosen == choose(runs)
    assert report["recommendation"]["http2"] is (runs[chosen].http_version == "HTTP/2")
    if client == "httpx":
        # a large pool's cost is claimed only when this run measured it (both arms' client CPU
        # per request, the large one at least 1.5x), and the sentence names the installed version
        version = report["client"]["version"]
        by_label = {p["label"]: p for p in report["protocols"]}
        for advice in report["recommendation"]["client_advice"]:
            if "costs CPU on this version" in advice:
                assert f"httpx {version} measured" in advice
                assert len(by_label) >= 2
    versions = {p["http_version"] for p in report["protocols"]}
    assert versions == {"HTTP/1.1", "HTTP/2"}
    assert report["duration_s"] < 60 and report["requests_sent"] <= 3000


def test_plain_recommend_is_the_llm_demo(tmp_path: Any) -> None:
    """`pooltune recommend` with no flags: the simulator (said first), streamed answers with a
    time to first token, a text report readable at 80 columns. How fast (the README's "under
    30 s") is a speed target: `python bench/recommend_run.py demo --runs 5` measures it."""
    import re
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "pooltune", "recommend", "--output", str(tmp_path / "r.txt")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "simulator" in proc.stderr.strip().splitlines()[0]
    text = (tmp_path / "r.txt").read_text()
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "\u2026" not in text
    assert "client: httpx" in text  # no project here: the default library
    assert "first token" in text
    assert re.fullmatch(r"\d+ requests in \d+\.\d s", text.strip().splitlines()[-1]), text


def test_rate_limit_dns_and_replicas_on_aiohttp() -> None:
    """A request budget (429 + x-ratelimit-*) is a rate limit, not a concurrency limit: a
    client-side limiter per replica and retries, in the aiohttp snippet with the DNS cache
    measured for `localhost`."""
    settings = sim.SimSettings(rate_limit_rpm=1200, service_ms=30, idle_timeout=5)
    with sim.start_sim_process(settings) as server:
        url = server.url.replace("127.0.0.1", "localhost")
        report = _json_report(
            server,
            "--url",
            f"{url}/v1/chat/completions",
            "--target-concurrency",
            "8",
            "--max-duration",
            "20",
            "--max-requests",
            "600",
            "--client",
            "aiohttp",
            "--replicas",
            "2",
        )
    rec = report["recommendation"]
    assert report["client"]["library"] == "aiohttp"
    assert report["server"]["rate_limit"]["limit_requests"] == 1200
    assert report["server"]["concurrency_limit_kind"] != "refuses"
    assert rec["rate_limit_rps"] == 10.0  # 1200 per minute over 2 replicas
    assert rec["retry"]["statuses"] == [429, 503] and rec["replicas"] == 2
    assert report["server"]["dns"]["host"] == "localhost"
    assert rec["ttl_dns_cache"] is not None
    # aiohttp speaks HTTP/1.1 only: one protocol measured although the server offers h2
    assert [p["http_version"] for p in report["protocols"]] == ["HTTP/1.1"]
    assert "HTTP/1.1 only" in rec["why"]["http2"] and rec["http2"] is False
    from pooltune.model import Report
    from pooltune.render import render

    code = render(Report.model_validate(report), "snippet")
    assert "aiohttp.TCPConnector(" in code and "ttl_dns_cache=" in code
    assert "LIMITER = RateLimiter(10.0)" in code and "MAX_ATTEMPTS = 3" in code
