"""Per-level summaries: percentiles of latency and of each request phase, errors, throughput,
requests in flight."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from pooltune.model import (
    REFUSAL_STATUSES,
    LevelSamples,
    LevelStats,
    Percentiles,
    RequestSample,
)
from pooltune.tune.health import prober_health
from pooltune.tune.inflight import in_flight

PHASES = ("dns", "pool_wait", "connect", "tls", "write", "ttfb", "ttft", "max_gap")


def percentiles(values: Sequence[float]) -> Percentiles:
    if not values:
        return Percentiles(p50=0.0, p90=0.0, p99=0.0)
    p50, p90, p99 = np.percentile(np.asarray(values, dtype=float), [50, 90, 99])
    return Percentiles(p50=float(p50), p90=float(p90), p99=float(p99))


def is_error(sample: RequestSample) -> bool:
    """No response, or a 3xx/4xx/5xx (the prober follows no redirect). A response that closed
    its connection is a response."""
    return sample.status is None or sample.status >= 300


def error_class(sample: RequestSample) -> str:
    return sample.error or f"http_{sample.status}"


def summarize(level: LevelSamples) -> LevelStats:
    """Latency percentiles are over successful requests (all requests when none succeeded);
    connect/tls percentiles are over new connections only, since only those have them."""
    samples = level.samples
    ok = [s for s in samples if not is_error(s)]
    basis = ok or samples
    errors = [s for s in samples if is_error(s)]
    phases = {
        phase: percentiles([s.phases[phase] for s in basis if phase in s.phases])
        for phase in PHASES
        if any(phase in s.phases for s in basis)
    }
    return LevelStats(
        concurrency=level.concurrency,
        requests=len(samples),
        errors=len(errors),
        new_connections=sum(1 for s in samples if s.new_connection),
        latency_s=percentiles([s.total_s for s in basis]),
        throughput_rps=len(ok) / level.wall_s if level.wall_s > 0 else 0.0,
        phases_s=phases,
        error_classes=dict(Counter(error_class(s) for s in errors)),
        status=dict(Counter(str(s.status) for s in samples if s.status is not None)),
        prober_cpu=level.prober_cpu,
        in_flight=in_flight(level),
        closes=sum(1 for s in samples if s.closed),
        refusals_closed=sum(1 for s in samples if s.closed and s.refused),
        refused=sum(1 for s in samples if s.refused),
        workers=level.workers,
        prober=prober_health(level),
    )


def request_rate(level: LevelSamples) -> float:
    """Every request the prober completed per second (refused ones too): its own load."""
    return len(level.samples) / level.wall_s if level.wall_s > 0 else 0.0


def refusal_share(level: LevelStats) -> float:
    """Share of requests the server refused (RequestSample.refused: 429/503 or a reset
    HTTP/2 stream)."""
    by_status = sum(level.status.get(str(code), 0) for code in REFUSAL_STATUSES)
    # summaries recorded before `refused` existed carry only the status counts
    return max(level.refused, by_status) / level.requests if level.requests else 0.0


def summarize_levels(levels: list[LevelSamples], ceiling_rps: float | None) -> list[LevelStats]:
    """Per-level stats, by concurrency, each marked prober-bound or not (pooltune.tune.health)."""
    from pooltune.tune.health import mark_bound

    ordered = sorted((lv for lv in levels if lv.samples), key=lambda lv: lv.concurrency)
    return mark_bound(ordered, [summarize(lv) for lv in ordered], ceiling_rps)
