"""The contracts of `pooltune recommend`: probe -> samples -> fit -> recommendation -> renderers.

`Report` is the JSON of `--format json` (../shared/design.md section 3); extra keys are allowed
by the contract and used for evidence. Every stage hands the next one these models, never dicts.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

HttpVersion = Literal["HTTP/1.1", "HTTP/2"]
Library = Literal["httpx", "httpx2", "aiohttp", "openai", "anthropic"]
LIBRARIES: tuple[Library, ...] = ("httpx", "httpx2", "aiohttp", "openai", "anthropic")


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
# The openai and anthropic SDKs' own pool (their DefaultAsyncHttpxClient is httpx2 with these;
# openai/_constants.py, anthropic/_constants.py), timeout and retries.
SDK_DEFAULT_MAX_CONNECTIONS = 1000
SDK_DEFAULT_MAX_KEEPALIVE_CONNECTIONS = 100
SDK_DEFAULT_TIMEOUT_S = 600.0
SDK_DEFAULT_CONNECT_TIMEOUT_S = 5.0
SDK_DEFAULT_MAX_RETRIES = 2
# aiohttp's TCPConnector and ClientSession defaults (limit=100, keepalive_timeout=15,
# ClientTimeout(total=300, sock_connect=30)); it keeps every idle connection (no keep-alive cap).
AIOHTTP_DEFAULT_LIMIT = 100
AIOHTTP_DEFAULT_KEEPALIVE_TIMEOUT_S = 15.0
AIOHTTP_DEFAULT_TOTAL_TIMEOUT_S = 300.0
AIOHTTP_DEFAULT_SOCK_CONNECT_S = 30.0


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

    # Attempts after the first for 429/5xx/connection errors (the SDKs retry; httpx does not).
    max_retries: int = 0

    @classmethod
    def httpx_defaults(cls) -> PoolSettings:
        return cls()

    @classmethod
    def library_defaults(cls, library: str) -> PoolSettings:
        """What a client of ``library`` built with no arguments uses."""
        if library in ("openai", "anthropic"):
            return cls(
                max_connections=SDK_DEFAULT_MAX_CONNECTIONS,
                max_keepalive_connections=SDK_DEFAULT_MAX_KEEPALIVE_CONNECTIONS,
                timeout=TimeoutSettings(
                    connect=SDK_DEFAULT_CONNECT_TIMEOUT_S,
                    read=SDK_DEFAULT_TIMEOUT_S,
                    write=SDK_DEFAULT_TIMEOUT_S,
                    pool=SDK_DEFAULT_TIMEOUT_S,
                ),
                max_retries=SDK_DEFAULT_MAX_RETRIES,
            )
        if library == "aiohttp":
            total = AIOHTTP_DEFAULT_TOTAL_TIMEOUT_S
            return cls(
                max_connections=AIOHTTP_DEFAULT_LIMIT,
                max_keepalive_connections=None,
                keepalive_expiry=AIOHTTP_DEFAULT_KEEPALIVE_TIMEOUT_S,
                timeout=TimeoutSettings(
                    connect=AIOHTTP_DEFAULT_SOCK_CONNECT_S, read=total, write=total, pool=total
                ),
            )
        return cls()

    @classmethod
    def probing(
        cls, connections: int, http2: bool = False, timeout_s: float = 30.0
    ) -> PoolSettings:
        """The prober's own pool: every connection kept alive, long expiry, generous timeouts."""
        return cls(
            max_connections=connections,
            max_keepalive_connections=connections,
            keepalive_expiry=3600.0,
            http2=http2,
            timeout=TimeoutSettings.uniform(timeout_s),
        )

    def describe(self) -> str:
        """`100/20 kept alive, HTTP/1.1` (for reports)."""
        keep = "all" if self.max_keepalive_connections is None else self.max_keepalive_connections
        top = "unbounded" if self.max_connections is None else self.max_connections
        return f"{top}/{keep} kept alive, {'HTTP/2' if self.http2 else 'HTTP/1.1'}"


# -- raw measurements -----------------------------------------------------------------------


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
    # dns, pool_wait, connect, tls, write, ttfb, ttft, max_gap (those that applied)
    phases: dict[str, float] = Field(default_factory=dict)


class LevelSamples(_Model):
    concurrency: int
    wall_s: float  # wall-clock time of this level, for throughput
    samples: list[RequestSample]
    prober_cpu: float | None = None  # prober CPU time / wall time during the level (1.0 = a core)
    prober_cpu_s: float | None = None  # prober CPU seconds spent during the level
    workers: int = 1  # processes the level was spread over


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


class RateLimit(_Model):
    limit_requests: int | None = None
    remaining_requests: int | None = None
    reset_requests_s: float | None = None
    retry_after_s: float | None = None
    headers: dict[str, str] = Field(default_factory=dict)  # as seen (never auth headers)


class ConnectionCloses(_Model):
    """Server-side closes seen on long-lived connections (responses, never errors)."""

    connection_close: int = 0  # HTTP/1.1 responses carrying `Connection: close`
    goaway: int = 0  # HTTP/2 connections the server retired (GOAWAY) while we used them
    requests: int = 0  # requests sent on the long-lived connections
    protocol: HttpVersion = "HTTP/1.1"
    longest_run: int = 0  # most requests one connection carried


class DnsTiming(_Model):
    host: str
    lookup_s: float  # median of a few uncached lookups
    addresses: int = 0


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
    # the limit found in each repeated run (in requests in flight), and how it was corrected
    concurrency_limit_runs: list[int] = Field(default_factory=list)
    concurrency_limit_note: str | None = None
    closes: ConnectionCloses | None = None
    dns: DnsTiming | None = None


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


class RetryPolicy(_Model):
    statuses: list[int] = Field(default_factory=lambda: [429, 503])
    max_attempts: int = 3
    backoff_s: float = 1.0  # first wait; doubles, or the server's Retry-After when it sends one


class TcpKeepalive(_Model):
    """TCP keep-alive probes so a NAT/LB does not drop a connection that waits silently."""

    idle_s: int = 60
    interval_s: int = 30
    count: int = 5


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
    replicas: int = 1
    rate_limit_rps: float | None = None  # per process
    retry: RetryPolicy | None = None
    library: Library = "httpx"
    tcp_keepalive: TcpKeepalive | None = None
    ttl_dns_cache: int | None = None  # aiohttp TCPConnector(ttl_dns_cache=...)
    client_advice: list[str] = Field(default_factory=list)

    def pool(self) -> PoolSettings:
        """The recommended pool as the one PoolSettings type (what the A/B runs)."""
        return PoolSettings(
            max_connections=self.max_connections,
            max_keepalive_connections=self.max_keepalive_connections,
            keepalive_expiry=self.keepalive_expiry,
            http2=self.http2,
            timeout=self.timeout,
        )


class Validation(_Model):
    concurrency: int
    baseline: LevelStats
    recommended: LevelStats
    baseline_name: str = "httpx defaults"
    baseline_settings: PoolSettings | None = None
    recommended_settings: PoolSettings | None = None
    server_counters: dict[str, dict[str, int]] | None = None  # arm -> sim counters delta
    counters_agree: bool | None = None


class ProberInfo(_Model):
    engine: str
    workers: int = 1
    ceiling_rps: float | None = None  # requests/s one process drives against a null server
    bound_levels: list[int] = Field(default_factory=list)  # within 80% of the ceiling
    max_cpu: float | None = None
    ceiling_note: str | None = None


class ClientInfo(_Model):
    library: Library
    version: str
    source: str = "default"  # "--client", "[tool.pooltune.recommend]", "dependencies", "default"


class Report(_Model):
    model_config = ConfigDict(extra="allow")

    target: Target
    client: ClientInfo | None = None
    server: ServerFacts
    levels: list[LevelStats]
    protocols: list[ProtocolRun] = Field(default_factory=list)
    recommendation: Recommendation | None
    validation: Validation | None = None
    fit: Fit | None = None
    prober: ProberInfo | None = None
    requests_sent: int
    duration_s: float
    partial: bool = False
    warnings: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)  # one-line facts about the run itself
