"""Raw measurements and their summaries: what the prober records and tune/ reads."""

from __future__ import annotations

from pydantic import Field

from pooltune.model.base import HttpVersion, _Model


class RequestSample(_Model):
    """One request as the prober saw it. Times are seconds; phases from httpcore trace events."""

    level: int  # the concurrency level it ran at (0: discovery / idle probes)
    started_s: float  # since the probe began (monotonic)
    total_s: float
    status: int | None = None  # None when no response arrived
    error: str | None = None  # error class, e.g. "connect_timeout", "remote_protocol", "http_503"
    new_connection: bool = False
    conn: int | None = None  # serial number of the connection it used, within its client
    closed: bool = False  # the response closed its connection (Connection: close / GOAWAY)
    http_version: HttpVersion | None = None
    body_bytes: int = 0  # the response body's size (read as it streams, never kept)
    # dns, pool_wait, connect, tls, write, ttfb, ttft, max_gap (those that applied)
    phases: dict[str, float] = Field(default_factory=dict)


class LevelSamples(_Model):
    concurrency: int
    wall_s: float  # wall-clock time of this level, for throughput
    samples: list[RequestSample]
    prober_cpu: float | None = None  # prober CPU time / wall time during the level (1.0 = a core)
    prober_cpu_s: float | None = None  # prober CPU seconds spent during the level
    workers: int = 1  # processes the level was spread over
    unanswered: int = 0  # requests still waiting for a response when the level ended
    stalled: bool = False  # the server stopped answering during the level (see probe.runner)


# -- summaries (the JSON contract) -----------------------------------------------------------


class Percentiles(_Model):
    p50: float
    p90: float
    p99: float


class InFlight(_Model):
    """Requests actually in flight during a level (from request start/end timestamps)."""

    mean: float  # time-weighted over the level's busy span (Little's law)
    max: int
    # successful requests in flight when the server refused one (median over refusals)
    at_refusal: float | None = None


class LevelStats(_Model):
    concurrency: int
    requests: int
    errors: int
    new_connections: int
    latency_s: Percentiles
    throughput_rps: float
    phases_s: dict[str, Percentiles] = Field(default_factory=dict)
    error_classes: dict[str, int] = Field(default_factory=dict)
    status: dict[str, int] = Field(default_factory=dict)
    prober_cpu: float | None = None
    in_flight: InFlight | None = None
    closes: int = 0  # responses that closed their connection (counted, never errors)
    refusals_closed: int = 0  # 503/429 responses that closed their connection
    prober_bound: bool = False  # within 80% of the prober's ceiling: left out of fit and knee
    workers: int = 1


class ProtocolRun(_Model):
    """The target concurrency measured one way (design.md section 3a `protocols`)."""

    http_version: HttpVersion
    connections: int
    requests: int
    errors: int
    new_connections: int
    latency_s: Percentiles
    client_cpu_ms_per_request: float
    label: str = ""  # e.g. "HTTP/1.1, 50 connections kept alive"
    candidate: str = ""  # "HTTP/1.1", "HTTP/2" or "HTTP/1.1 small pool" (pooltune.tune.protocols)
    concurrency: int = 0
    max_keepalive_connections: int | None = None
    throughput_rps: float = 0.0
    phases_s: dict[str, Percentiles] = Field(default_factory=dict)
    error_classes: dict[str, int] = Field(default_factory=dict)
    chosen: bool = False
