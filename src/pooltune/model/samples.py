"""Raw measurements and their summaries: what the prober records and tune/ reads."""

from __future__ import annotations

from pydantic import Field

from pooltune.model.base import HttpVersion, _Model

# The statuses by which a server turns a request away (it is at a limit, not broken).
REFUSAL_STATUSES = frozenset({429, 503})
# Over HTTP/2 a server that refuses a stream may reset it while the body is still being sent:
# the client then reports a protocol error instead of the 503.
STREAM_REFUSALS = frozenset({"local_protocol", "remote_protocol"})


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

    @property
    def refused(self) -> bool:
        """The one refusal rule: a 429/503 response, or (HTTP/2) a stream reset before any
        response."""
        if self.status in REFUSAL_STATUSES:
            return True
        return (
            self.http_version == "HTTP/2"
            and self.status is None
            and (self.error in STREAM_REFUSALS)
        )


class LevelSamples(_Model):
    concurrency: int
    wall_s: float  # wall-clock time of this level, for throughput
    samples: list[RequestSample]
    prober_cpu: float | None = None  # prober CPU time / wall time during the level (1.0 = a core)
    prober_cpu_s: float | None = None  # prober CPU seconds spent during the level
    workers: int = 1  # processes the level was spread over
    # the prober watching itself (pooltune.probe.watch): the p99 of its event loop's lag (the
    # busiest process's), the machine's 1-minute load and CPU steal over the level
    loop_lag_p99_ms: float | None = None
    load_1m: float | None = None
    steal_share: float | None = None
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


class ProberHealth(_Model):
    """How the prober itself fared during a level (design.md section 3b)."""

    cpu_share: float | None  # CPU seconds of every prober process / wall (1.0 = one core)
    busiest_process_share: float | None = None  # the busiest process's share of its core
    loop_lag_p99_ms: float | None = None
    saturated: bool = False  # no evidence about the server (left out of fit, caps and queues)
    reason: str | None = None  # why it is saturated, one phrase
    processes: int = 1
    load_1m: float | None = None
    steal_share: float | None = None


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
    refused: int = 0  # requests the server turned away (RequestSample.refused)
    # the prober was the limit here (within 80% of its ceiling, or saturated): left out of the
    # fit, the knee, caps and queues
    prober_bound: bool = False
    workers: int = 1
    prober: ProberHealth | None = None


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
