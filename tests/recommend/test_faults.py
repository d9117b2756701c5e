"""Faults reported as such: a server that stops answering or goes away, during the sweep or
after it, makes the report partial with a sentence that says so, and the run keeps to
--max-duration. Each case has a small server of its own (tests/recommend/faulty.py); the
fault starts at a stage boundary (the pipeline's stage hook), so no test depends on timing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pooltune.model import Report
from pooltune.recommend import pipeline
from pooltune.recommend.cli import recommend
from pooltune.recommend.settings import load_settings

from .faulty import Fault, FaultyServer, faulty_server

SLACK_S = 3.0  # what a run may take past --max-duration on a loaded machine (level grace)


def run_with(server: FaultyServer, max_duration: float, at_stage: str, fault: str) -> Report:
    """`recommend` against `server`; when the pipeline reaches `at_stage`, the fault starts."""
    settings = load_settings(
        {
            "url": server.url,
            "client": "httpx",
            "target-concurrency": 4,
            "max-duration": max_duration,
        },
        Path.cwd(),
    )

    def stage(name: str, done: int, total: int) -> None:
        if name == at_stage:
            if fault == "die":
                server.die()
            else:
                server.fault.mode, server.fault.after = "hang", 0

    return pipeline.run(settings, pipeline.Hooks(stage=stage))


def test_a_server_that_stops_answering_in_the_sweep_ends_it_partial() -> None:
    with faulty_server(Fault()) as server:
        report = run_with(server, 15.0, "concurrency 1", "hang")
    assert report.partial
    assert any(
        re.fullmatch(
            r"the server stopped answering at concurrency 2: 2 requests got no response in "
            r"[\d.]+ s; this report is partial",
            w,
        )
        for w in report.warnings
    ), report.warnings
    assert [lv.concurrency for lv in report.levels] == [1]
    assert report.duration_s < 15.0 + SLACK_S


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (
            "hang",
            r"the server stopped answering during the protocol comparison: \d+ requests got no "
            r"response; this report is partial",
        ),
        (
            "die",
            r"the server went away during the protocol comparison \(\d+ of \d+ requests got no "
            r"response: [a-z_, ]+; it no longer accepts connections\): this report is partial",
        ),
    ],
)
def test_a_server_that_fails_after_the_sweep_makes_the_report_partial(
    fault: str, expected: str
) -> None:
    with faulty_server(Fault()) as server:
        report = run_with(server, 15.0, "protocol comparison", fault)
    assert report.partial
    assert any(re.fullmatch(expected, w) for w in report.warnings), report.warnings
    # the sweep's levels stay (measured before the fault); nothing after it is reported
    assert report.levels
    assert report.protocols == []
    assert report.server.idle_timeout_s is None
    assert not any("requests failed" in w for w in report.warnings), report.warnings
    assert report.duration_s < 15.0 + SLACK_S


def _invoke(*args: str) -> tuple[int, str, str]:
    app = typer.Typer()
    app.command()(recommend)
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_a_server_that_never_answers_fails_within_max_duration() -> None:
    with faulty_server(Fault("hang")) as server:
        code, out, err = _invoke("--url", server.url, "--client", "httpx", "--max-duration", "3")
    assert code == 2
    assert out == ""
    (line,) = err.strip().splitlines()
    assert re.fullmatch(
        r"pooltune recommend: error: timed out waiting for 127\.0\.0\.1:\d+: no response "
        r"within [0-3]\.\d s",
        line,
    ), line


@pytest.mark.parametrize("fmt", ["snippet", "toml", "aiohttp"])
def test_no_recommendation_in_a_code_format_is_one_line_exit_1(fmt: str) -> None:
    # the first request (preflight) is answered, then nothing: no level completes
    with faulty_server(Fault("hang", after=1)) as server:
        code, out, err = _invoke(
            "--url", server.url, "--client", "httpx", "--max-duration", "6", "--format", fmt
        )
    assert code == 1
    assert out == ""
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert re.fullmatch(
        f"pooltune recommend: no recommendation to write as {fmt}: the server stopped "
        r"answering at concurrency 1: 1 request got no response in [\d.]+ s "
        r"\(--format text or json shows the partial report\)",
        last,
    ), last


def test_a_redirect_loop_is_refused_before_any_load() -> None:
    with faulty_server(Fault("redirect")) as server:
        code, out, err = _invoke("--url", server.url, "--client", "httpx", "--max-duration", "6")
        assert server.requests == 1
    assert (code, out) == (2, "")
    (line,) = err.strip().splitlines()
    assert re.fullmatch(
        r"pooltune recommend: error: server answered 302 for 127\.0\.0\.1:\d+, redirecting to "
        r"the same URL \(a redirect loop\): fix the URL or the server before tuning",
        line,
    ), line


def test_redirects_during_the_sweep_are_no_success() -> None:
    # the first answer is a 200, then every request is redirected (what a misrouted LB does)
    with faulty_server(Fault("redirect", after=1)) as server:
        settings = load_settings(
            {"url": server.url, "client": "httpx", "target-concurrency": 4, "max-duration": 10},
            Path.cwd(),
        )
        report = pipeline.run(settings)
    assert report.partial
    assert any(
        re.fullmatch(
            r"the server answered (\d+) of \1 requests of the sweep with a redirect \(302\): "
            r"the prober follows no redirect, so this is not the API answering; pass the URL "
            r"it redirects to as --url \(this report is partial\)",
            w,
        )
        for w in report.warnings
    ), report.warnings
    assert all(level.errors == level.requests for level in report.levels)


def test_a_server_without_keep_alive_is_reported_as_such() -> None:
    with faulty_server(Fault("http10")) as server:
        settings = load_settings(
            {"url": server.url, "client": "httpx", "target-concurrency": 4, "max-duration": 10},
            Path.cwd(),
        )
        report = pipeline.run(settings)
    assert report.server.keeps_alive is False
    assert report.server.idle_timeout_s is None
    assert report.server.closes is None  # no lifetime probe either
    assert any(w.startswith("the server does not keep connections alive") for w in report.warnings)
    assert report.recommendation is not None
    assert report.recommendation.why["keepalive_expiry"].startswith(
        "the server does not keep connections alive"
    )
    from pooltune.render import render

    assert "idle keep-alive timeout none: the server does not keep" in " ".join(
        render(report, "text").split()
    )


def test_a_server_that_stalls_some_requests_is_measured_not_called_dead() -> None:
    # every tenth request never gets an answer (the sim's --fault-stall): the others do, and a
    # confirming request after a stalled level gets one, so the run goes on
    with faulty_server(Fault("hang_some")) as server:
        settings = load_settings(
            {"url": server.url, "client": "httpx", "target-concurrency": 4, "max-duration": 12},
            Path.cwd(),
        )
        report = pipeline.run(settings)
    assert not any("stopped answering" in w for w in report.warnings), report.warnings
    assert len(report.levels) >= 3
    assert report.recommendation is not None


def test_requests_that_fail_fast_are_no_stall() -> None:
    """A server refusing every connection leaves requests in flight whenever a level is looked
    at (on a busy machine, mid-connect): it has gone away, not stopped answering. Requests that
    timed out, or none back at all, with others waiting, are a stall."""
    from pooltune.model import RequestSample
    from pooltune.probe.runner import is_stalled

    def failed(error: str, total_s: float) -> RequestSample:
        return RequestSample(level=4, started_s=0.0, total_s=total_s, error=error)

    refused = [failed("connect", 0.001) for _ in range(50)]
    assert not is_stalled(4, 0.01, refused)
    assert is_stalled(4, 0.6, refused)  # nothing came back for a while: stalled after all
    assert is_stalled(4, 0.01, [failed("read_timeout", 5.0)])
    assert is_stalled(4, 0.01, [])
    assert not is_stalled(0, 9.0, refused)


def test_a_stall_at_a_server_that_refuses_connections_is_a_server_gone() -> None:
    """Cut off mid-connect with nothing back yet (a starved event loop), then refused: the
    server went away; it did not stop answering. One that still accepts connections did."""
    from pooltune.model import LevelSamples
    from pooltune.recommend.faults import stage_fault

    level = LevelSamples(concurrency=4, wall_s=1.0, samples=[], unanswered=4, stalled=True)
    gone = stage_fault("protocol comparison", [level], lambda: False, lambda _: False)
    assert gone == (
        "the server went away during the protocol comparison (4 of 4 requests got no response: "
        "unanswered; it no longer accepts connections): this report is partial"
    )
    silent = stage_fault("protocol comparison", [level], lambda: True, lambda _: False)
    assert silent == (
        "the server stopped answering during the protocol comparison: 4 requests got no "
        "response; this report is partial"
    )
