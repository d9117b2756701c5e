"""`pooltune recommend` refuses a bad target before any load: one line, exit 2, no secret."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pooltune.recommend.cli import recommend
from tests.recommend.conftest import ApiSettings, LoopbackApi

SECRET = "sk-live-9f8e7d6c5b4a"
Start = Callable[[ApiSettings], LoopbackApi]


def _invoke(*args: str) -> tuple[int, str, str]:
    app = typer.Typer()
    app.command()(recommend)
    result = CliRunner().invoke(app, list(args), env={"POOLTUNE_TEST_TOKEN": SECRET})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def _auth() -> tuple[str, str]:
    return ("--header", "Authorization: Bearer $POOLTUNE_TEST_TOKEN")


def _one_error_line(code: int, out: str, err: str) -> str:
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert SECRET not in err
    assert "Traceback" not in err
    return lines[0]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def resetting_server() -> Iterator[str]:
    """Accepts TCP connections and resets them at once (SO_LINGER 0)."""
    import struct

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/v1/chat/completions"
    stop.set()
    thread.join(2)
    server.close()


def test_refused_connection() -> None:
    code, out, err = _invoke("--url", f"https://127.0.0.1:{_closed_port()}/v1", *_auth())
    assert "connection refused" in _one_error_line(code, out, err)


def test_untrusted_certificate_suggests_ca_bundle(start_api: Start) -> None:
    api = start_api(ApiSettings())
    code, out, err = _invoke("--url", api.url, *_auth())
    line = _one_error_line(code, out, err)
    assert "certificate" in line and "--ca-bundle" in line
    assert api.counters.requests == 0


def test_unauthorized_names_the_header_not_its_value(start_api: Start) -> None:
    api = start_api(ApiSettings(status=401))
    code, out, err = _invoke("--url", api.url, "--ca-bundle", api.ca_bundle, *_auth())
    assert "401" in _one_error_line(code, out, err)
    assert api.counters.requests == 1  # the preflight only, no load
    assert api.counters.last_headers["authorization"] == f"Bearer {SECRET}"


def test_not_found(start_api: Start) -> None:
    api = start_api(ApiSettings(status=404))
    code, out, err = _invoke("--url", api.url, "--ca-bundle", api.ca_bundle)
    assert "404" in _one_error_line(code, out, err)


def test_connection_reset(resetting_server: str) -> None:
    code, out, err = _invoke("--url", resetting_server, *_auth())
    line = _one_error_line(code, out, err)
    # a reset that races the TCP handshake reads as a refusal on a busy machine (seen at load 7)
    assert "reset" in line or "connection refused" in line


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--url", "ftp://example/x"), "bad URL"),
        (("--url", "https://"), "bad URL"),
        (("--url", "https://127.0.0.1:1/x", "--header", "no colon"), "--header"),
        (("--url", "https://127.0.0.1:1/x", "--header", "X-Key: $POOLTUNE_UNSET_VAR"), "not set"),
        (("--url", "https://127.0.0.1:1/x", "--json", "{not json"), "--json"),
        (("--url", "https://127.0.0.1:1/x", "--format", "yaml"), "format"),
        (("--url", "https://127.0.0.1:1/x", "--target-concurrency", "0"), "target"),
    ],
)
def test_bad_input_is_one_line(args: tuple[str, ...], expected: str) -> None:
    code, out, err = _invoke(*args)
    assert expected in _one_error_line(code, out, err)


def test_dry_run_prints_the_plan_and_sends_nothing(start_api: Start) -> None:
    api = start_api(ApiSettings())
    code, out, err = _invoke(
        "--url", api.url, "--ca-bundle", api.ca_bundle, "--dry-run", "--target-concurrency", "50"
    )
    assert code == 0
    assert out == ""
    assert "  sweep: concurrency levels" in err and "nothing was sent" in err
    assert api.counters.requests == 0 and api.counters.connections_opened == 0


def test_pyproject_settings_and_unknown_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pooltune.recommend]\nurl = "https://127.0.0.1:1/v1"\ntarget-concurrency = 8\n'
    )
    code, _, err = _invoke("--dry-run")
    assert code == 0 and "1.5x target 8" in err
    (tmp_path / "pyproject.toml").write_text("[tool.pooltune.recommend]\nconcurency = 8\n")
    code, out, err = _invoke("--dry-run")
    assert "unknown key 'concurency'" in _one_error_line(code, out, err)
