"""The report of `pooltune recommend` (the JSON of `--format json`, design.md section 3)."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from pooltune.model.base import HttpVersion, Library, _Model
from pooltune.model.burst import BurstFacts
from pooltune.model.pool import PoolSettings, TimeoutSettings
from pooltune.model.samples import LevelStats, ProtocolRun


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
    closed_runs: list[int] = Field(default_factory=list)  # requests each closed one carried


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
    idle_confirmations: list[tuple[float, bool]] = Field(default_factory=list)  # edge, again
    idle_discarded: dict[str, int] = Field(default_factory=dict)  # no idle close possible: why
    max_requests_per_connection: int | None = None
    # False: no connection carried a second request (HTTP/1.0, or Connection: close each time)
    keeps_alive: bool | None = None
    concurrency_limit_kind: Literal["refuses", "queues"] | None = None
    # the limit found in each repeated run (in requests in flight), and how it was corrected
    concurrency_limit_runs: list[int] = Field(default_factory=list)
    concurrency_limit_note: str | None = None
    closes: ConnectionCloses | None = None
    dns: DnsTiming | None = None
    burst: BurstFacts | None = None  # requests released at once near the limit (model/burst.py)


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
    # why the A/B measured the prober rather than the pools (an arm ran saturated), or None
    inconclusive: str | None = None


class ProberInfo(_Model):
    engine: str
    workers: int = 1
    ceiling_rps: float | None = None  # requests/s one process drives against a null server
    bound_levels: list[int] = Field(default_factory=list)  # within 80% of the ceiling
    max_cpu: float | None = None
    ceiling_note: str | None = None
    headroom: str | None = None  # one line: how close the load generator came to its limits
    saturated_levels: list[int] = Field(default_factory=list)  # the prober ran out of CPU/loop


class Machine(_Model):
    """The machine the prober ran on (design.md section 3b)."""

    cores: int
    load_1m: float | None = None  # the highest 1-minute load seen over the sweep
    steal_share: float | None = None  # the highest CPU steal share of a level


class Discovery(_Model):
    """What found the server's facts (its caps, queues, idle timeout, lifetime)."""

    engine: str
    processes: int = 1


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
    # fields that failed their own consistency checks -> why; each such field is null
    inconclusive: dict[str, str] = Field(default_factory=dict)
    machine: Machine | None = None
    discovery: Discovery | None = None
