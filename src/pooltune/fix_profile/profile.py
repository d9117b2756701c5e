"""A measured profile (`pooltune recommend --format toml`), read and checked."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PROFILE_LIBRARIES = ("httpx", "httpx2", "aiohttp", "openai", "anthropic")
TIMEOUT_FIELDS = ("connect", "read", "write", "pool")
INT_KEYS = ("max_connections", "max_keepalive_connections", "http1_max_connections")
KNOWN_KEYS = frozenset(
    {
        *INT_KEYS,
        "keepalive_expiry",
        "http2",
        "timeout",
        "max_retries",
        "ttl_dns_cache",
        "library",
        "url",
    }
)
DEFAULT_PORTS = {"http": 80, "https": 443}


class ProfileError(ValueError):
    """The profile cannot be used (said in one line, exit 2)."""


@dataclass(frozen=True)
class TimeoutProfile:
    connect: float
    read: float
    write: float
    pool: float


@dataclass(frozen=True)
class Profile:
    name: str  # the file as given: named in the comment next to each edited constructor
    library: str | None = None  # None: every library the fix knows
    origin: str | None = None  # scheme://host:port of the profiled endpoint
    max_connections: int | None = None
    max_keepalive_connections: int | None = None
    keepalive_expiry: float | None = None
    http2: bool | None = None
    timeout: TimeoutProfile | None = None
    max_retries: int | None = None
    http1_max_connections: int | None = None
    ttl_dns_cache: int | None = None

    @property
    def comment(self) -> str:
        return f"# pooltune: pool settings measured by `pooltune recommend` ({self.name})"


def origin_of(url: str) -> str | None:
    """`https://api.example.com/v1` -> `https://api.example.com:443` (None: not a URL)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.hostname.lower()}:{port or DEFAULT_PORTS[parts.scheme]}"


def load_profile(path: Path) -> Profile:
    from pooltune.pyproject import ConfigError, read_toml

    try:
        data = read_toml(path)
    except ConfigError as exc:
        raise ProfileError(str(exc)) from None
    table: Any = data.get("tool", {}).get("pooltune", {}).get("profile")
    if not isinstance(table, dict):
        raise ProfileError(f"{path}: no [tool.pooltune.profile] table")
    unknown = sorted(set(table) - KNOWN_KEYS)
    if unknown:
        raise ProfileError(f"{path}: unknown key {unknown[0]!r}")
    values: dict[str, Any] = {"name": str(path)}
    for key in (*INT_KEYS, "max_retries", "ttl_dns_cache"):
        if key in table:
            values[key] = _int(path, key, table[key], minimum=0 if key == "max_retries" else 1)
    if "keepalive_expiry" in table:
        values["keepalive_expiry"] = _positive(path, "keepalive_expiry", table["keepalive_expiry"])
    if "http2" in table:
        if not isinstance(table["http2"], bool):
            raise ProfileError(f"{path}: http2 must be true or false")
        values["http2"] = table["http2"]
    if "timeout" in table:
        timeout = table["timeout"]
        if not isinstance(timeout, dict) or set(timeout) != set(TIMEOUT_FIELDS):
            raise ProfileError(f"{path}: [timeout] needs connect, read, write and pool")
        values["timeout"] = TimeoutProfile(
            **{k: _positive(path, f"timeout.{k}", timeout[k]) for k in TIMEOUT_FIELDS}
        )
    if "library" in table:
        if table["library"] not in PROFILE_LIBRARIES:
            raise ProfileError(f"{path}: library must be one of {', '.join(PROFILE_LIBRARIES)}")
        values["library"] = table["library"]
    if "url" in table:
        origin = origin_of(str(table["url"]))
        if origin is None:
            raise ProfileError(f"{path}: url is not an http(s) URL")
        values["origin"] = origin
    profile = Profile(**values)
    if not any(
        getattr(profile, k) is not None
        for k in ("max_connections", "keepalive_expiry", "http2", "timeout", "max_retries")
    ):
        raise ProfileError(f"{path}: the profile sets nothing")
    return profile


def _int(path: Path, key: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ProfileError(f"{path}: {key} must be an integer >= {minimum}")
    return value


def _positive(path: Path, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ProfileError(f"{path}: {key} must be a number > 0")
    return float(value)
