"""The snapshot contract of `pooltune monitor` (../shared/design.md section 6).

`Snapshot` is what `PoolMonitor.snapshot()` returns and what `--json FILE` holds. The keys of
the contract come first; the extra keys after them (marked) carry what the contract has no
place for: the keep-alive-limit and shutdown closes, aiohttp's DNS counts, the evidence the
advice reads (idle gaps, waits). Readers that know only the contract ignore them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from pooltune.model import Percentiles


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Limits(_Model):
    """The pool's limits as the client has them; None is unbounded (limits) or never (expiry)."""

    max_connections: int | None
    max_keepalive_connections: int | None
    keepalive_expiry: float | None
    # extra: aiohttp's per-host cap (TCPConnector limit_per_host; None = none)
    max_connections_per_host: int | None = None


class OpenConnections(_Model):
    active: int
    idle: int


class RequestsPerConnection(_Model):
    p50: float
    max: int


class Closes(_Model):
    idle_expiry: int = 0  # the client expired it after keepalive_expiry idle
    server: int = 0  # the server closed it (idle timeout, Connection: close, GOAWAY, EOF)
    error: int = 0  # a request on it failed (timeout, reset, protocol error)
    # extra: the keep-alive pool was full, so the client closed it after its response
    keepalive_limit: int = 0
    # extra: the client (or the pool) was closed while it was open
    client: int = 0


class Range(_Model):
    """Smallest and largest of a set of seconds (None when the set is empty)."""

    count: int = 0
    min: float | None = None
    max: float | None = None


class PoolSnapshot(_Model):
    library: str  # httpx, httpx2, aiohttp (with the SDK's name in `client` when wrapped)
    origin: str  # scheme://host:port, never a path, query or credential
    limits: Limits
    requests: int
    connections_opened: int
    reused: int
    reuse_failures: int
    pool_timeouts: int
    peak_in_flight: int
    open: OpenConnections
    wait_s: Percentiles
    requests_per_connection: RequestsPerConnection
    closes: Closes
    # -- extras --------------------------------------------------------------------------
    client: str = ""  # what was instrumented: "httpx.AsyncClient", "openai.AsyncOpenAI", ...
    name: str = ""  # instrument(client, name=...) to tell pools with the same settings apart
    library_version: str = ""
    clients: int = 1  # instrumented clients merged into this entry (same library/origin/limits)
    in_flight: int = 0
    errors: int = 0  # requests that raised (any cause)
    waited: int = 0  # requests that waited for a connection (aiohttp: queued at the limit)
    wait_max_s: float = 0.0
    connection_duration_s: Percentiles | None = None  # lifetime of closed connections
    http_versions: dict[str, int] = Field(default_factory=dict)  # responses per version
    dns_lookups: int = 0  # aiohttp: resolver calls
    dns_cache_hits: int = 0  # aiohttp: answers from its DNS cache
    reused_idle_s: Range = Field(default_factory=Range)  # idle gaps of successful reuses
    reuse_failure_idle_s: Range = Field(default_factory=Range)  # idle gaps of failed reuses
    server_idle_close_s: Range = Field(default_factory=Range)  # idle age at server closes
    waiting: int = 0  # requests in flight that have no connection yet
    stuck: bool = False  # connections held active with nothing in flight, requests timing out
    stuck_connections: int = 0  # connections the library holds active that no request uses
    uptime_s: float = 0.0


class AdviceItem(_Model):
    setting: str
    value: int | float | str | bool | None
    why: str
    # extra: which pool it is about ("httpx https://127.0.0.1:8443")
    pool: str = ""


class Snapshot(_Model):
    pools: list[PoolSnapshot]
    advice: list[AdviceItem]
