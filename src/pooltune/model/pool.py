"""One type for a client's pool: probe, tune, render, the A/B and the monitor all use it."""

from __future__ import annotations

from pydantic import Field

from pooltune.model.base import _Model

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
