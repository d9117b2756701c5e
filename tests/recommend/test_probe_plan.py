"""The plan and the parsers of what servers send back (pure functions, no network)."""

from __future__ import annotations

import pytest

from pooltune.probe.discover import fine_gaps, keep_alive_header_timeout, rate_limit
from pooltune.probe.plan import make_plan, sweep_levels
from pooltune.probe.target import BadInput, ProbeRequest, parse_header, redact_url


def test_default_plan_for_target_50_fits_the_issue_budget() -> None:
    plan = make_plan(50, 3000, 55.0, validate=True)
    assert plan.levels[0] == 1 and plan.levels[-1] == 75
    assert plan.total_requests <= 3000
    assert plan.estimated_s < 60
    assert not plan.truncated
    text = plan.describe()
    assert "(up to 1.5x target 50)" in text and "budget 3000" in text
    assert all(len(line) <= 88 for line in text.splitlines()), text


def test_the_plan_fits_88_columns_for_a_large_target() -> None:
    plan = make_plan(400, 3000, 55.0, validate=True)
    text = plan.describe()
    lines = text.splitlines()
    total = min(plan.total_requests, 3000)
    assert lines[0] == (
        f"plan: at most {total} requests (budget 3000) and 55 s; estimated {plan.estimated_s:.0f} s"
    )
    assert all(len(line) <= 88 for line in lines), text
    assert [line[:4] for line in lines[1:]] in (
        ["  sw", "    ", "  th", "    "],
        ["  sw", "    ", "  th", "    ", "    "],
    )


@pytest.mark.parametrize("budget", [10, 60, 200, 800])
def test_small_budgets_shrink_the_plan_never_overspend(budget: int) -> None:
    plan = make_plan(50, budget, 30.0, validate=True)
    assert plan.total_requests <= budget or not plan.levels
    assert plan.idle_requests <= budget // 3
    assert all(n >= c for c, n in zip(plan.levels, plan.requests_per_level, strict=True))


def test_levels_reach_one_and_a_half_times_the_target() -> None:
    assert sweep_levels(1) == [1, 2]
    assert sweep_levels(16)[-1] == 24
    levels = sweep_levels(200)
    assert levels[-1] == 300 and levels == sorted(set(levels))


def test_fine_gaps_halve_the_interval() -> None:
    assert fine_gaps(3.0, 5.0) == [3.5, 4.0, 4.5]
    assert fine_gaps(4.0, 5.0) == [4.5]
    assert len(fine_gaps(25.0, 35.0)) <= 16


def test_rate_limit_headers() -> None:
    seen = rate_limit(
        {
            "x-ratelimit-limit-requests": "600",
            "x-ratelimit-remaining-requests": "599",
            "x-ratelimit-reset-requests": "100ms",
            "retry-after": "2",
            "content-type": "application/json",
        }
    )
    assert seen is not None
    assert (seen.limit_requests, seen.remaining_requests) == (600, 599)
    assert seen.reset_requests_s == pytest.approx(0.1)
    assert seen.retry_after_s == 2.0
    assert "content-type" not in seen.headers
    anthropic = rate_limit({"anthropic-ratelimit-requests-limit": "50"})
    assert anthropic is not None and anthropic.limit_requests == 50
    assert rate_limit({"server": "nginx"}) is None


def test_keep_alive_header() -> None:
    assert keep_alive_header_timeout("timeout=5, max=100") == 5.0
    assert keep_alive_header_timeout("max=100") is None
    assert keep_alive_header_timeout(None) is None


def test_headers_expand_variables_and_never_show_secrets() -> None:
    env = {"KEY": "sk-123456"}
    assert parse_header("Authorization: Bearer $KEY", env) == ("Authorization", "Bearer sk-123456")
    assert parse_header("x-api-key: ${KEY}", env) == ("x-api-key", "sk-123456")
    with pytest.raises(BadInput, match="not set"):
        parse_header("x-api-key: $MISSING", env)
    request = ProbeRequest(
        "https://127.0.0.1/v1",
        headers=(("Authorization", "Bearer sk-123456"), ("api-key", "k2-secret"), ("X-Trace", "t")),
    )
    assert "sk-123456" not in repr(request)
    assert request.scrub("got Bearer sk-123456 and k2-secret") == "got *** and ***"
    assert request.scrub("token sk-123456 leaked") == "token *** leaked"


def test_urls_are_shown_without_credentials() -> None:
    url = "https://user:pw@api.example/v1/chat?api_key=sk-1&model=m&token=t0"
    shown = redact_url(url)
    assert "sk-1" not in shown and "pw" not in shown and "t0" not in shown
    assert shown.startswith("https://***@api.example/v1/chat?") and "model=m" in shown
