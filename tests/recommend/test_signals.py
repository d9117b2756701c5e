"""Ctrl-C and SIGTERM on a real `pooltune recommend` subprocess, mid-sweep: the partial report
is written, exit 0 (design.md section 3: a partial report is a report), and nothing else on
stderr (no asyncio "exception was never retrieved", no traceback). `pooltune sim --rtt-ms`
stops on either signal without a traceback, and its start-up line names its real port."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import httpx
import pytest

from .faulty import Fault, FaultyServer, faulty_server

RECOMMEND = (
    sys.executable,
    "-m",
    "pooltune",
    "recommend",
    "--client",
    "httpx",
    "--max-duration",
    "40",
)
BAD_STDERR = ("Traceback", "never retrieved", "CancelledError", "Exception in callback")


def _wait_for_requests(server: FaultyServer, count: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while server.requests < count:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the sweep never started"
        time.sleep(0.02)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_mid_sweep_writes_the_partial_report(sig: signal.Signals) -> None:
    with faulty_server(Fault(service_s=0.05)) as server:
        proc = subprocess.Popen(
            [*RECOMMEND, "--url", server.url, "--format", "json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # the preflight, the stats read, the first level (12): the signal comes mid-sweep
        _wait_for_requests(server, 16, proc)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert not any(bad in err for bad in BAD_STDERR), err
    report = json.loads(out)
    assert report["partial"] is True
    assert "interrupted: this report is partial" in report["warnings"]
    assert report["levels"]  # what was measured before the signal is kept


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_sim_with_rtt_stops_cleanly_and_names_its_port(sig: signal.Signals) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "pooltune", "sim", "--rtt-ms", "50", "--no-tls"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    start = json.loads(proc.stdout.readline())  # type: ignore[union-attr]
    assert start["truth"]["port"] == int(start["url"].rsplit(":", 1)[1])
    with httpx.Client() as client:
        # a kept-alive connection through the latency proxy is open when the signal comes
        body = {"model": "sim", "messages": [{"role": "user", "content": "hi"}]}
        for _ in range(3):
            assert client.post(f"{start['url']}/v1/chat/completions", json=body).status_code == 200
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert not any(bad in err for bad in BAD_STDERR), err
    assert err.splitlines()[-1] == "pooltune sim: stopped after 3 requests on 1 connection"
