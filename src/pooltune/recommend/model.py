"""The contracts of `pooltune recommend`: probe -> samples -> fit -> recommendation -> renderers.

`Report` is the JSON of `--format json` (../shared/design.md section 3); extra keys are allowed
by the contract and used for evidence. Every stage hands the next one these models, never dicts.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

HttpVersion = Literal["HTTP/1.1", "HTTP/2"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- pool settings: one type for probe, tune, render, the A/B and the monitor ---------------

# httpx's (and httpx2's) client defaults, named once (httpx/_config.py: DEFAULT_LIMITS,
# DEFAULT_TIMEOUT_CONFIG). Note `httpx.Limits()` on its own is unbounded; only the client's
# default is 100/20.
HTTPX_DEFAULT_MAX_CONNECTIONS = 100
HTTPX_DEFAULT_MAX_KEEPALIVE_CONNECTIONS = 20
HTTPX_DEFAULT_KEEPALIVE_EXPIRY_S = 5.0
HTTPX_DEFAULT_TIMEOUT_S = 5.0


class TimeoutSettings(_Model):
    connect: float
    read: float
    write: float
    pool: float

    @classmethod
    def uniform(cls, seconds: float) -> TimeoutSettings:
        return cls(connect=seconds, read=seconds, write=seconds, pool=seconds)


class PoolSettings(_Model):
    """A client's pool: what a level runs with, what the A/B compares, what we recommend.

    None means unbounded (limits) or never (expiry), as in httpx.
    """

    max_connections: int | None = HTTPX_DEFAULT_MAX_CONNECTIONS
    max_keepalive_connections: int | None = HTTPX_DEFAULT_MAX_KEEPALIVE_CONNECTIONS
    keepalive_expiry: float | None = HTTPX_DEFAULT_KEEPALIVE_EXPIRY_S
    http2: bool = False
    timeout: TimeoutSettings = Field(
        default_factory=lambda: TimeoutSettings.uniform(HTTPX_DEFAULT_TIMEOUT_S)
    )

    @classmethod
    def httpx_defaults(cls) -> PoolSettings:
        return cls()


# -- raw measurements -----------------------------------------------------------------------


class RequestSample(_Model):
    """One request as the prober saw it. Times are seconds; phases from httpcore trace events."""

    level: int  # the concurrency level it ran at (0: discovery / idle probes)
    started_s: float  # since the probe began (monotonic)
    total_s: float
    status: int | None = None  # None when no response arrived
    error: str | None = None  # error class, e.g. "connect_timeout", "remote_protocol", "http_503"
    new_connection: bool = False
    http_version: HttpVersion | None = None
    # dns, pool_wait, connect, tls, write, ttfb, ttft, max_gap (those that applied)
    phases: dict[str, float] = Field(default_factory=dict)


class LevelSamples(_Model):
    concurrency: int
    wall_s: float  # wall-clock time of this level, for throughput
    samples: list[RequestSample]
    prober_cpu: float | None = None  # prober CPU time / wall time during the level (1.0 = a core)


# -- summaries (the JSON contract) -----------------------------------------------------------


class Percentiles(_Model):
    p50: float
    p90: float
    p99: float


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


class RateLimit(_Model):
    limit_requests: int | None = None
    remaining_requests: int | None = None
    reset_requests_s: float | None = None
    retry_after_s: float | None = None
    headers: dict[str, str] = Field(default_factory=dict)  # as seen (never auth headers)


class ServerFacts(_Model):
    http_version: HttpVersion
    max_concurrent_streams: int | None = None
    idle_timeout_s: float | None = None
    concurrency_limit: int | None = None
    rate_limit: RateLimit | None = None
    # evidence and extras
    alpn: str | None = None
    tls_version: str | None = None
    keep_alive_header_timeout_s: float | None = None
    idle_timeout_window_s: float | None = None  # the longest idle gap that was probed
    idle_observations: list[tuple[float, bool]] = Field(default_factory=list)  # (idle s, survived)
    max_requests_per_connection: int | None = None
    concurrency_limit_kind: Literal["refuses", "queues"] | None = None


class Target(_Model):
    url: str
    concurrency: int
    method: str = "POST"
    streaming: bool = False
    simulator: bool = False  # True when run against the built-in `pooltune sim`


class Fit(_Model):
    """Universal Scalability Law fit of throughput against concurrency (None fields: no fit)."""

    model: Literal["usl"] = "usl"
    fits: bool
    reason: str  # why it fits, or why the data do not
    lambda_rps: float | None = None  # throughput of one client
    sigma: float | None = None  # contention
    kappa: float | None = None  # coherency
    r_squared: float | None = None
    knee_concurrency: float | None = None
    optimal_concurrency: float | None = None
    optimal_concurrency_ci: tuple[float, float] | None = None
    little_law_max_error: float | None = None  # max |X*R - N| / N over levels


class Recommendation(_Model):
    max_connections: int
    max_keepalive_connections: int
    keepalive_expiry: float
    http2: bool
    timeout: TimeoutSettings
    concurrency_semaphore: int | None = None
    # For HTTP/1.1-only clients (aiohttp, requests) when http2 is recommended: one request per
    # connection, so they need this many connections instead.
    http1_max_connections: int | None = None
    server_advice: list[str] = Field(default_factory=list)
    why: dict[str, str] = Field(default_factory=dict)


class Validation(_Model):
    concurrency: int
    baseline: LevelStats
    recommended: LevelStats
    baseline_name: str = "httpx defaults"
    server_counters: dict[str, dict[str, int]] | None = None  # arm -> sim counters delta
    counters_agree: bool | None = None


class ProberInfo(_Model):
    engine: str
    workers: int
    ceiling_rps: float | None = None  # the prober's own measured ceiling
    max_cpu: float | None = None


class Report(_Model):
    model_config = ConfigDict(extra="allow")

    target: Target
    server: ServerFacts
    levels: list[LevelStats]
    recommendation: Recommendation | None
    validation: Validation | None = None
    fit: Fit | None = None
    prober: ProberInfo | None = None
    requests_sent: int
    duration_s: float
    partial: bool = False
    warnings: list[str] = Field(default_factory=list)
