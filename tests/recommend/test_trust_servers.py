"""Issue 17's cases on real servers nobody here wrote: never mistake the prober's own limits for
the server's, and never be confidently wrong.

- Apache, HAProxy and Caddy proxying a backend with no cap and no queue configured: no cap and
  no queue reported on the default client (httpx when no project declares one, as here: the
  prober that saturates first); a value the tool could not check is null and named in
  `inconclusive`, never a queue.
- uvicorn `--timeout-keep-alive 3 --limit-concurrency 30`: 29 requests in flight within 10% and
  the idle timeout within 15%, or each named inconclusive with its reason; never an idle
  timeout of 0 s, and a stated default wherever a value was inconclusive.

No timing assertions: service times of 50 ms keep the server side idle-bound. A value the tool
marked inconclusive is never asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pooltune.model import PoolSettings
from tests.servers import start, unavailable_reason

SERVICE_MS = 50
TARGET = 32


def _recommend(url: str, ca_bundle: str, cwd: Path) -> dict[str, Any]:
    argv = [sys.executable, "-m", "pooltune", "recommend", "--url", url, "--ca-bundle"]
    argv += [ca_bundle, "--target-concurrency", str(TARGET), "--max-duration", "30"]
    argv += ["--format", "json"]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=150, cwd=cwd)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report: dict[str, Any] = json.loads(proc.stdout)
    # run from an empty directory: the default client is the one outside a project, httpx
    # (one run covers both the default and `--client httpx`: they measure the same way)
    assert report["client"]["library"] == "httpx", report["client"]
    return report


def _run(harness: str, settings: dict[str, Any], tmp: Path) -> dict[str, Any]:
    reason = unavailable_reason(harness)
    if reason:
        pytest.skip(reason)
    with start(harness, tmp / harness, **settings) as server:
        assert server.ca_bundle is not None
        return _recommend(server.url, server.ca_bundle, tmp)


def _assert_self_watch(report: dict[str, Any]) -> None:
    """design.md 3b: every level says how the prober fared; the machine and discovery engine."""
    assert report["machine"]["cores"] >= 1
    assert report["discovery"]["engine"] and report["discovery"]["processes"] >= 1
    for level in report["levels"]:
        health = level["prober"]
        assert set(health) >= {"cpu_share", "loop_lag_p99_ms", "saturated"}
        if health["saturated"]:
            assert (
                level["prober_bound"] and level["concurrency"] in report["prober"]["bound_levels"]
            )
    for name, why in report["inconclusive"].items():
        assert why, name
        assert report["server"].get(name) is None


@pytest.mark.parametrize("harness", ["apache", "haproxy", "caddy"])
def test_a_proxy_without_a_cap_reports_no_cap_and_no_queue(harness: str, tmp_path: Path) -> None:
    settings = {"service_ms": SERVICE_MS, "keepalive_timeout": 5} if harness != "caddy" else {
        "service_ms": SERVICE_MS, "idle_timeout": 5}  # fmt: skip
    report = _run(harness, settings, tmp_path)
    _assert_self_watch(report)
    server = report["server"]
    assert server["concurrency_limit"] is None, (server, report["inconclusive"])
    assert server["concurrency_limit_kind"] is None
    rec = report["recommendation"]
    assert rec is None or rec["concurrency_semaphore"] is None
    assert not any("the server queues" in w for w in report["warnings"]), report["warnings"]


def test_uvicorn_cap_and_idle_timeout_or_named_inconclusive(tmp_path: Path) -> None:
    settings = {"timeout_keep_alive": 3, "limit_concurrency": 30, "service_ms": SERVICE_MS}
    report = _run("uvicorn", settings, tmp_path)
    _assert_self_watch(report)
    server, rec, inconclusive = report["server"], report["recommendation"], report["inconclusive"]
    library = report["client"]["library"]
    if "concurrency_limit" in inconclusive:
        assert server["concurrency_limit"] is None
        assert "inconclusive" in rec["why"]["concurrency_semaphore"]
    else:
        limit = server["concurrency_limit"]
        assert limit is not None and abs(limit - 29) <= 2.9, server["concurrency_limit_runs"]
        assert server["concurrency_limit_kind"] == "refuses"
        assert rec["concurrency_semaphore"] is not None and rec["max_connections"] <= limit
    # an idle close needs an idle connection: no gap of 0 s is ever an observation
    assert all(gap >= 0.5 for gap, _ in server["idle_observations"]), server["idle_observations"]
    if "idle_timeout_s" in inconclusive:
        assert server["idle_timeout_s"] is None
        default = PoolSettings.library_defaults(library).keepalive_expiry
        assert rec["keepalive_expiry"] == default
        assert inconclusive["idle_timeout_s"] in rec["why"]["keepalive_expiry"]
    elif server["idle_timeout_s"] is None:
        # every idled connection survived a window the budget kept short: a true "longer than"
        window = server["idle_timeout_window_s"]
        assert window < 3.0 and 0 < rec["keepalive_expiry"] < window, server["idle_observations"]
    else:
        idle = server["idle_timeout_s"]
        assert abs(idle - 3.0) <= 0.45, server["idle_observations"]
        assert 0 < rec["keepalive_expiry"] < 3.0
    assert not any("raise its keep-alive timeout" in a for a in rec["server_advice"])
