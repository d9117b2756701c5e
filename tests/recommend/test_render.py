"""Renderers on a constructed report: JSON contract, snippets that parse and lint clean, TOML."""

from __future__ import annotations

import ast
import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from pooltune._toml import tomllib
from pooltune.lint.catalog import load_catalog
from pooltune.lint.engine import lint_source
from pooltune.lint.rule import ProjectInfo
from pooltune.lint.rules import RULES_BY_CODE
from pooltune.probe.validate import load_baseline
from pooltune.recommend.model import Fit, Report, ServerFacts, Target, Validation
from pooltune.render import render
from pooltune.render.text import print_report
from pooltune.tune.advise import advise
from tests.recommend.test_tune import queueing_server, refusing_server


def _report(http2: bool = True, limit: int | None = None) -> Report:
    server = ServerFacts(
        http_version="HTTP/2" if http2 else "HTTP/1.1",
        max_concurrent_streams=100 if http2 else None,
        idle_timeout_s=5.0,
        concurrency_limit=limit,
        concurrency_limit_kind="refuses" if limit else None,
    )
    target = Target(url="https://api.example/v1/chat/completions", concurrency=50)
    levels = refusing_server(limit) if limit else queueing_server(slots=200)
    rec, warnings = advise(target, server, levels, None)
    return Report(
        target=target,
        server=server,
        levels=levels,
        recommendation=rec,
        fit=Fit(
            fits=True, reason="USL fits", lambda_rps=50, sigma=0.01, kappa=0.0001, r_squared=0.99
        ),
        validation=Validation(concurrency=50, baseline=levels[-1], recommended=levels[-1]),
        requests_sent=1234,
        duration_s=42.0,
        warnings=warnings,
    )


REPORTS = {"h2": _report(), "h1-limited": _report(http2=False, limit=24)}


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
    assert Report.model_validate(data) == REPORTS["h2"]


@pytest.mark.parametrize("name", sorted(REPORTS))
@pytest.mark.parametrize("fmt", ["httpx", "aiohttp", "openai"])
def test_snippets_parse_and_lint_clean(fmt: str, name: str) -> None:
    code = render(REPORTS[name], fmt)
    ast.parse(code)
    result = lint_source(
        code,
        f"{fmt}.py",
        load_catalog(),
        set(RULES_BY_CODE),
        ProjectInfo(frozenset({"httpx[http2]", "httpx", "openai", "aiohttp"})),
    )
    assert result.findings == ()
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
    out = io.StringIO()
    print_report(REPORTS["h1-limited"], Console(file=out, width=200))
    text = out.getvalue()
    for needle in (
        "server: HTTP/1.1",
        "takes 24 in flight, then refuses",
        "recommendation",
        "max_keepalive_connections",
        "validation at concurrency 50",
        "warning:",
        "1234 requests in 42.0 s",
    ):
        assert needle in text


def test_partial_banner() -> None:
    out = io.StringIO()
    print_report(REPORTS["h2"].model_copy(update={"partial": True}), Console(file=out, width=200))
    assert out.getvalue().startswith("PARTIAL REPORT")


def test_plot_writes_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from pooltune.render.plot import plot_report

    path = tmp_path / "out.png"
    plot_report(REPORTS["h2"], path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
