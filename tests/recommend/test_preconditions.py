"""What `pooltune recommend` checks before anything is sent (`--dry-run` too): one line on
stderr, exit 2, and the server never sees a request."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pooltune.recommend.cli import recommend

from .faulty import Fault, faulty_server


def _invoke(*args: str) -> tuple[int, str, str]:
    app = typer.Typer()
    app.command()(recommend)
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def _one_line(code: int, out: str, err: str) -> str:
    assert (code, out) == (2, "")
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("dry_run", [False, True])
def test_plot_without_matplotlib_is_refused_before_any_request(
    dry_run: bool, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if it were not installed
    with faulty_server(Fault()) as server:
        args = ["--url", server.url, "--client", "httpx", "--plot", str(tmp_path / "x.png")]
        line = _one_line(*_invoke(*args, *(["--dry-run"] if dry_run else [])))
        assert server.requests == 0
    assert line == (
        "pooltune recommend: error: --plot needs matplotlib, which is not installed here: "
        "pip install 'pooltune[plot]' (or leave out --plot)"
    )


@pytest.mark.parametrize("flag", ["--output", "--plot"])
def test_an_output_in_a_missing_folder_is_refused_before_any_request(
    flag: str, tmp_path: Path
) -> None:
    path = tmp_path / "missing" / "out.png"
    with faulty_server(Fault()) as server:
        line = _one_line(*_invoke("--url", server.url, "--client", "httpx", flag, str(path)))
        assert server.requests == 0
    assert line == (
        f"pooltune recommend: error: {flag} {path}: its folder {str(path.parent)!r} does not exist"
    )


def test_a_client_library_not_installed_is_refused_in_a_dry_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "aiohttp" else real(name, *a)
    )
    line = _one_line(*_invoke("--url", "http://127.0.0.1:9/", "--format", "aiohttp", "--dry-run"))
    assert line == (
        "pooltune recommend: error: the probe measures on aiohttp (--format aiohttp), which is "
        "not installed here: pip install aiohttp, or choose another with --client"
    )


def test_a_library_format_is_measured_on_that_library() -> None:
    code, out, err = _invoke("--url", "http://127.0.0.1:9/", "--format", "aiohttp", "--dry-run")
    assert (code, out) == (0, "")
    assert "client: aiohttp (--format aiohttp)" in err.splitlines()


def test_another_client_than_the_format_is_said_up_front() -> None:
    code, _, err = _invoke(
        "--url", "http://127.0.0.1:9/", "--format", "openai", "--client", "httpx", "--dry-run"
    )
    assert code == 0
    assert err.splitlines()[0] == (
        "note: measuring on httpx (--client); the openai snippet carries settings measured on "
        "httpx: pass --client openai to measure on openai itself"
    )


def test_an_output_that_fails_after_the_run_is_one_line_exit_2(tmp_path: Path) -> None:
    import io

    from rich.console import Console

    from pooltune.recommend.cli import emit
    from pooltune.recommend.settings import RecommendSettings
    from tests.recommend.test_render import REPORTS

    gone = tmp_path / "gone" / "report.json"  # its folder went away during the run
    settings = RecommendSettings.model_validate({"format": "json", "output": str(gone)})
    stream = io.StringIO()
    assert emit(REPORTS["h2"], settings, Console(file=stream, width=200)) == 2
    assert stream.getvalue() == (
        f"pooltune recommend: error: --output {gone}: No such file or directory\n"
    )
