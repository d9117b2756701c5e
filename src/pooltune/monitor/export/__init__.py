"""Where the figures go: OpenTelemetry (`otel`), Prometheus (`prometheus`), log warnings
(`log`). JSON is `PoolMonitor.snapshot()`. Each exporter reads the process-wide pools
(`collector.HUB`) and creates its instruments once per process."""

from __future__ import annotations

import threading

_lock = threading.Lock()
_started = False


def ensure_default_exporters() -> None:
    """The checks that need no optional package: stuck pools and the rate-limited warnings."""
    global _started
    with _lock:
        if _started:
            return
        _started = True
    from pooltune.monitor.advice import check_stuck
    from pooltune.monitor.collector import HUB
    from pooltune.monitor.export.log import warn_checker

    HUB.checkers.append(check_stuck)
    HUB.checkers.append(warn_checker)
