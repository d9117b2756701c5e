"""Renderers on a constructed report: JSON contract, snippets that parse and lint clean, TOML."""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import pytest

from pooltune._toml import tomllib
from pooltune.lint.catalog import load_catalog
from pooltune.lint.engine import lint_source
from pooltune.lint.rule import ProjectInfo
from pooltune.lint.rules import RULES_BY_CODE
from pooltune.model import (
    ClientInfo,
    DnsTiming,
    Fit,
    PoolSettings,
    RateLimit,
    Report,
    ServerFacts,
    Target,
    Validation,
)
from pooltune.probe.validate import load_baseline
from pooltune.render import render
from pooltune.tune.advise import Evidence, advise
from tests.recommend.test_tune import _run, queueing_server, refusing_server

SNAPSHOT = Path(__file__).parent / "snapshots" / "report_80.txt"


def _report(
    http2: bool = True,
    limit: int | None = None,
    library: str = "httpx2",
    extras: bool = False,
    long_calls: bool = False,
) -> Report:
    server = ServerFacts(
        http_version="HTTP/2" if http2 else "HTTP/1.1",
        max_concurrent_streams=100 if http2 else None,
        idle_timeout_s=5.0,
        concurrency_limit=limit,
        concurrency_limit_kind="refuses" if limit else None,
        concurrency_limit_runs=[limit, limit + 1, limit - 1] if limit else [],
        rate_limit=RateLimit(limit_requests=3000, remaining_requests=2999) if extras else None,
        dns=DnsTiming(host="api.example", lookup_s=0.012) if extras else None,
        max_requests_per_connection=51 if extras else None,
    )
    target = Target(url="https://api.example/v1/chat/completions", concurrency=50)
    service = 400.0 if long_calls else 0.05
    levels = refusing_server(limit) if limit else queueing_server(slots=200, service=service)
    effective = min(50, limit or 50)
    scale = service / 0.05
    protocols = [_run("HTTP/1.1", 0.027 * scale, 0.046 * scale, effective, concurrency=effective)]
    if http2:
        protocols.append(_run("HTTP/2", 0.064 * scale, 0.101 * scale, 1, concurrency=effective))
    protocols[0].chosen = True
    rec, warnings = advise(
        Evidence(
            target=target,
            server=server,
            levels=levels,
            protocols=protocols,
            library=library,
            version="2.16.2",
            replicas=2 if extras else 1,
            baseline=PoolSettings.library_defaults(library),
            offers_http2=http2,
            supports_http2=library != "aiohttp",
        )
    )
    return Report(
        target=target,
        client=ClientInfo(library=library, version="2.16.2", source="--client"),  # type: ignore[arg-type]
        server=server,
        levels=levels,
        protocols=protocols,
        recommendation=rec,
        fit=Fit(
            fits=True, reason="USL fits", lambda_rps=50, sigma=0.01, kappa=0.0001, r_squared=0.99
        ),
        validation=Validation(concurrency=50, baseline=levels[-1], recommended=levels[-1]),
        requests_sent=1234,
        duration_s=42.0,
        warnings=warnings,
        notes=[
            "prober ceiling 1,200 req/s on this machine (httpx2, null server); no level came "
            "within 80% of it"
        ],
    )


REPORTS = {
    "h2": _report(),
    "h1-limited": _report(http2=False, limit=24),
    "guarded": _report(limit=24, extras=True),
    "long": _report(long_calls=True, extras=True),
}


def test_json_is_the_contract() -> None:
    data = json.loads(render(REPORTS["h2"], "json"))
    assert set(data) >= {
        "target",
        "server",
        "levels",
        "recommendation",
        "validation",
        "requests_sent",
        "duration_s",
        "partial",
        "warnings",
    }
    assert set(data["recommendation"]) >= {
        "max_connections",
        "max_keepalive_connections",
        "keepalive_expiry",
        "http2",
        "timeout",
        "why",
    }
    assert set(data["levels"][0]) >= {
        "concurrency",
        "requests",
        "errors",
        "new_connections",
        "latency_s",
        "throughput_rps",
        "phases_s",
    }
    # design.md 3a additions
    assert data["client"] == {"library": "httpx2", "version": "2.16.2", "source": "--client"}
    assert set(data["protocols"][0]) >= {
        "http_version",
        "connections",
        "requests",
        "errors",
        "new_connections",
        "latency_s",
        "client_cpu_ms_per_request",
    }
    assert "max_requests_per_connection" in data["server"]
    assert set(data["recommendation"]) >= {"replicas", "rate_limit_rps", "retry"}
    guarded = json.loads(render(REPORTS["guarded"], "json"))["recommendation"]
    assert guarded["retry"] == {"statuses": [429, 503], "max_attempts": 3, "backoff_s": 1.0}
    assert Report.model_validate(data) == REPORTS["h2"]


@pytest.mark.parametrize("name", sorted(REPORTS))
@pytest.mark.parametrize("fmt", ["httpx", "httpx2", "aiohttp", "openai", "anthropic", "snippet"])
def test_snippets_parse_and_lint_clean(fmt: str, name: str) -> None:
    code = render(REPORTS[name], fmt)
    ast.parse(code)
    deps = {"httpx[http2]", "httpx", "httpx2", "httpx2[http2]", "openai", "anthropic", "aiohttp"}
    result = lint_source(
        code, f"{fmt}.py", load_catalog(), set(RULES_BY_CODE), ProjectInfo(frozenset(deps))
    )
    assert result.findings == (), code
    rec = REPORTS[name].recommendation
    assert rec is not None
    assert (
        "keepalive_expiry: the server closed connections idle for 5 s" in code or fmt == "aiohttp"
    )
    if fmt == "aiohttp":
        assert f"limit={rec.http1_max_connections or rec.max_connections}" in code


def test_semaphore_when_the_server_refuses() -> None:
    code = render(REPORTS["h1-limited"], "httpx")
    assert "IN_FLIGHT = asyncio.Semaphore(24)" in code


def test_snippets_carry_what_was_measured() -> None:
    guarded = REPORTS["guarded"]
    rec = guarded.recommendation
    assert rec is not None and rec.replicas == 2 and rec.concurrency_semaphore == 12
    code = render(guarded, "httpx2")
    assert "IN_FLIGHT = asyncio.Semaphore(12)" in code
    assert "LIMITER = RateLimiter(25.0)" in code  # 3000/min over 2 replicas
    assert "RETRY_STATUSES = frozenset({429, 503})" in code and "async def send(" in code
    aio = render(guarded, "aiohttp")
    assert "ttl_dns_cache=120" in aio
    sdk = render(guarded, "openai")
    assert "max_retries=2" in sdk and "LIMITER" in sdk
    long = render(REPORTS["long"], "httpx")
    assert "socket.TCP_KEEPIDLE" in long and "socket_options=SOCKET_OPTIONS" in long
    assert "socket_factory=_keepalive_socket" in render(REPORTS["long"], "aiohttp")


@pytest.mark.parametrize("fmt", ["httpx", "aiohttp", "openai", "anthropic"])
def test_guarded_snippets_run(fmt: str) -> None:
    """Executed, each snippet builds its constants (the clients are built lazily)."""
    namespace: dict[str, object] = {}
    exec(compile(render(REPORTS["guarded"], fmt), "snippet.py", "exec"), namespace)
    assert "make_client" in namespace or "make_session" in namespace


def test_executed_snippet_builds_a_working_client() -> None:
    namespace: dict[str, object] = {}
    exec(compile(render(REPORTS["h2"], "httpx"), "snippet.py", "exec"), namespace)
    limits = namespace["LIMITS"]
    rec = REPORTS["h2"].recommendation
    assert rec is not None
    assert limits.max_connections == rec.max_connections  # type: ignore[attr-defined]
    assert namespace["TIMEOUT"].pool == rec.timeout.pool  # type: ignore[attr-defined]


def test_toml_profile_is_valid_and_loads_as_a_baseline(tmp_path: Path) -> None:
    text = render(REPORTS["h2"], "toml")
    profile = tomllib.loads(text)["tool"]["pooltune"]["profile"]
    rec = REPORTS["h2"].recommendation
    assert rec is not None
    assert profile["max_connections"] == rec.max_connections
    assert profile["timeout"]["pool"] == rec.timeout.pool
    path = tmp_path / "profile.toml"
    path.write_text(text)
    baseline = load_baseline(path)
    assert baseline.max_connections == rec.max_connections


def test_text_report_has_levels_fit_recommendation_and_validation() -> None:
    text = " ".join(render(REPORTS["guarded"], "text").split())
    for needle in (
        "server: HTTP/2",
        "takes 24 requests in flight, then refuses (runs: 24, 25, 23)",
        "recommendation for httpx2, 2 replicas",
        "max_keepalive_connections",
        "protocols at 24 in flight",
        "validation at concurrency 50",
        "warning:",
        "note: prober ceiling",
        "1234 requests in 42.0 s",
    ):
        assert needle in text, needle


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_text_fits_80_columns_and_never_cuts_a_cell(name: str) -> None:
    text = render(REPORTS[name], "text")
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "\u2026" not in text and "..." not in text
    wide = render(REPORTS[name], "text", wide=True)
    assert "pool wait" in wide and "ttfb" in wide and "\u2026" not in wide


def test_text_snapshot_at_80_columns() -> None:
    text = render(REPORTS["guarded"], "text")
    if os.environ.get("POOLTUNE_UPDATE_SNAPSHOTS") or not SNAPSHOT.exists():
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(text)
    assert text == SNAPSHOT.read_text()


def test_partial_banner() -> None:
    text = render(REPORTS["h2"].model_copy(update={"partial": True}), "text")
    assert text.startswith("PARTIAL REPORT")


def test_plot_writes_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from pooltune.render.plot import plot_report

    path = tmp_path / "out.png"
    plot_report(REPORTS["h2"], path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_title_names_the_sweep_protocol_and_the_recommendation() -> None:
    from pooltune.render.plot import plot_title

    # an HTTP/2 server whose HTTP/1.1 arm measured better: the sweep and the pick are HTTP/1.1
    assert plot_title(REPORTS["h2"]) == (
        "https://api.example/v1/chat/completions: sweep over HTTP/1.1 on httpx2; recommended "
        "HTTP/1.1, 50 connections; target concurrency 50"
    )


def test_aiohttp_snippet_speaks_aiohttp() -> None:
    """Its comments name aiohttp's parameters and exception, never httpx's PoolTimeout; an
    HTTP/2 recommendation measured on httpx becomes one connection per request in flight."""
    for report in (REPORTS["h2"], _report(http2=True, library="httpx2")):
        code = render(report, "aiohttp")
        assert "PoolTimeout" not in code
        assert "# sock_connect: TCP+TLS handshakes took up to" in code
        assert "aiohttp.ConnectionTimeoutError" in code
    h2 = REPORTS["h2"].model_copy(deep=True)
    assert h2.recommendation is not None
    h2.recommendation.http2, h2.recommendation.max_connections = True, 1
    code = render(h2, "aiohttp")
    assert "limit=50, limit_per_host=50" in code
    assert "# aiohttp speaks HTTP/1.1 only: one request per connection, so 50 connections" in code


def test_plain_http_has_no_tls_handshake() -> None:
    report = REPORTS["h2"].model_copy(deep=True)
    report.target.url = "http://api.example/v1/chat/completions"
    why = _report_why(report)
    assert why.startswith("TCP handshakes took up to")


def _report_why(report: Report) -> str:
    rec, _ = advise(
        Evidence(
            target=report.target,
            server=report.server,
            levels=report.levels,
            protocols=report.protocols,
            library="httpx",
            version="0.28.1",
            replicas=1,
            baseline=PoolSettings.library_defaults("httpx"),
            offers_http2=False,
            supports_http2=True,
        )
    )
    return rec.why["timeout.connect"]


AIOHTTP_SNAPSHOT = Path(__file__).parent / "snapshots" / "aiohttp_snippet.txt"


def test_aiohttp_snippet_snapshot() -> None:
    code = render(REPORTS["guarded"], "aiohttp")
    if os.environ.get("POOLTUNE_UPDATE_SNAPSHOTS") or not AIOHTTP_SNAPSHOT.exists():
        AIOHTTP_SNAPSHOT.write_text(code)
    assert code == AIOHTTP_SNAPSHOT.read_text()
