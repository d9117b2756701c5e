"""Types that probe, tune, render, recommend and monitor share: a leaf package, it imports
nothing of pooltune's, so every path can import it.

`Report` is the JSON of `--format json` (../shared/design.md section 3); extra keys are allowed
by the contract and used for evidence. Every stage hands the next one these models, never dicts.
"""

from __future__ import annotations

from pooltune.model.base import (
    LIBRARIES,
    HttpVersion,
    Library,
)
from pooltune.model.burst import BurstFacts, BurstRound
from pooltune.model.pool import (
    AIOHTTP_DEFAULT_KEEPALIVE_TIMEOUT_S,
    AIOHTTP_DEFAULT_LIMIT,
    AIOHTTP_DEFAULT_SOCK_CONNECT_S,
    AIOHTTP_DEFAULT_TOTAL_TIMEOUT_S,
    HTTPX_DEFAULT_KEEPALIVE_EXPIRY_S,
    HTTPX_DEFAULT_MAX_CONNECTIONS,
    HTTPX_DEFAULT_MAX_KEEPALIVE_CONNECTIONS,
    HTTPX_DEFAULT_TIMEOUT_S,
    SDK_DEFAULT_CONNECT_TIMEOUT_S,
    SDK_DEFAULT_MAX_CONNECTIONS,
    SDK_DEFAULT_MAX_KEEPALIVE_CONNECTIONS,
    SDK_DEFAULT_MAX_RETRIES,
    SDK_DEFAULT_TIMEOUT_S,
    PoolSettings,
    TimeoutSettings,
)
from pooltune.model.report import (
    ClientInfo,
    ConnectionCloses,
    Discovery,
    DnsTiming,
    Fit,
    Machine,
    ProberInfo,
    RateLimit,
    Recommendation,
    Report,
    RetryPolicy,
    ServerFacts,
    Target,
    TcpKeepalive,
    Validation,
)
from pooltune.model.samples import (
    REFUSAL_STATUSES,
    InFlight,
    LevelSamples,
    LevelStats,
    Percentiles,
    ProberHealth,
    ProtocolRun,
    RequestSample,
)

__all__ = [
    "AIOHTTP_DEFAULT_KEEPALIVE_TIMEOUT_S",
    "AIOHTTP_DEFAULT_LIMIT",
    "AIOHTTP_DEFAULT_SOCK_CONNECT_S",
    "AIOHTTP_DEFAULT_TOTAL_TIMEOUT_S",
    "HTTPX_DEFAULT_KEEPALIVE_EXPIRY_S",
    "HTTPX_DEFAULT_MAX_CONNECTIONS",
    "HTTPX_DEFAULT_MAX_KEEPALIVE_CONNECTIONS",
    "HTTPX_DEFAULT_TIMEOUT_S",
    "LIBRARIES",
    "REFUSAL_STATUSES",
    "SDK_DEFAULT_CONNECT_TIMEOUT_S",
    "SDK_DEFAULT_MAX_CONNECTIONS",
    "SDK_DEFAULT_MAX_KEEPALIVE_CONNECTIONS",
    "SDK_DEFAULT_MAX_RETRIES",
    "SDK_DEFAULT_TIMEOUT_S",
    "BurstFacts",
    "BurstRound",
    "ClientInfo",
    "ConnectionCloses",
    "Discovery",
    "DnsTiming",
    "Fit",
    "HttpVersion",
    "InFlight",
    "LevelSamples",
    "LevelStats",
    "Library",
    "Machine",
    "Percentiles",
    "PoolSettings",
    "ProberHealth",
    "ProberInfo",
    "ProtocolRun",
    "RateLimit",
    "Recommendation",
    "Report",
    "RequestSample",
    "RetryPolicy",
    "ServerFacts",
    "Target",
    "TcpKeepalive",
    "TimeoutSettings",
    "Validation",
]
