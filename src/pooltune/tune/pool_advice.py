"""Advice from a pool observed at run time (`pooltune monitor`): facts in, `(setting, value,
why)` out, in the sentence style of `tune.advise` (evidence first, then the setting).

Pure: no I/O and no monitor types, so `tune.advise` may call these on probe results too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pooltune.model import ServerFacts
from pooltune.tune.advise import keepalive_expiry

Advice = tuple[str, "int | float | str", str]

CHURN_SHARE = 0.10  # new connections above this share of requests is churn
MIN_REQUESTS = 20  # below this many requests the shares mean little
WAIT_P99_S = 0.1  # a p99 wait for a connection above this is worth a sentence
UTILIZATION = 0.8  # peak in flight over max_connections above this is a warning
MANY_CLIENTS = 10  # this many clients for one origin means a client per call
REAPED_SHARE = 0.5  # see server_reaps_kept_pool


@dataclass(frozen=True)
class PoolFacts:
    """What the monitor saw of one pool. Seconds; None = unbounded/never/unknown."""

    library: str  # httpx, httpx2, aiohttp
    origin: str
    requests: int
    connections_opened: int
    reused: int
    peak_in_flight: int
    max_connections: int | None
    max_keepalive_connections: int | None
    keepalive_expiry: float | None
    reuse_failures: int = 0
    reuse_failure_idle_min: float | None = None
    reuse_failure_idle_max: float | None = None
    server_idle_closes: int = 0
    server_idle_close_min: float | None = None  # youngest idle connection the server closed
    reused_idle_max: float | None = None  # longest idle gap after which a reuse worked
    pool_timeouts: int = 0
    wait_p99: float = 0.0
    waited: int = 0
    keepalive_limit_closes: int = 0
    clients: int = 1
    stuck: bool = False
    busy_without_requests: int = 0
    library_version: str = ""


def _setting(library: str, httpx_name: str) -> str:
    """The library's own name for a setting (aiohttp's TCPConnector names differ)."""
    if library == "aiohttp":
        return {"max_connections": "limit", "keepalive_expiry": "keepalive_timeout"}.get(
            httpx_name, httpx_name
        )
    return httpx_name


def _round_up(n: int) -> int:
    return n if n <= 10 else int(math.ceil(n / 10) * 10)


def _near(seconds: float) -> float:
    """A server timeout as people write it: to the half second from 1 s, else to 0.1 s."""
    return round(seconds * 2) / 2 if seconds >= 1 else max(round(seconds, 1), 0.1)


def _s(seconds: float) -> str:
    return f"{seconds:.1f}" if seconds < 100 else f"{seconds:.0f}"


def server_reaps_kept_pool(f: PoolFacts) -> bool:
    """The server closed idle connections the pool kept before they were used again, at
    least half as often (per kept connection) as the pool closed surplus ones (per surplus
    slot): demand comes in bursts further apart than the server's idle timeout, and a bigger
    keep-alive pool would only keep more connections for the server to close."""
    keep = f.max_keepalive_connections
    if not keep or f.server_idle_closes == 0 or f.keepalive_limit_closes == 0:
        return False
    surplus = max(1, f.peak_in_flight - keep)
    return f.server_idle_closes / keep >= REAPED_SHARE * f.keepalive_limit_closes / surplus


def keepalive_pool(f: PoolFacts) -> Advice | None:
    """A keep-alive pool smaller than the concurrency closes and reopens connections."""
    keep = f.max_keepalive_connections
    if f.library == "aiohttp" or keep is None or f.requests < MIN_REQUESTS:
        return None
    share = f.connections_opened / f.requests
    if f.peak_in_flight <= keep or share < CHURN_SHARE or f.keepalive_limit_closes == 0:
        return None
    if server_reaps_kept_pool(f):
        return None
    value = _round_up(f.peak_in_flight)
    basis = (
        f"the peak of {f.peak_in_flight}"
        if value == f.peak_in_flight
        else f"the peak of {f.peak_in_flight} rounded up to a multiple of 10"
    )
    if f.max_connections is not None and value > max(f.max_connections, keep):
        value = max(f.max_connections, keep)
        basis = f"the pool's max_connections={value}, below the peak of {f.peak_in_flight}"
    return (
        "max_keepalive_connections",
        value,
        f"peak {f.peak_in_flight} requests in flight with a keep-alive pool of {keep}: "
        f"{share:.0%} of requests opened a new connection, {f.keepalive_limit_closes} closed "
        f"by the pool as surplus; set max_keepalive_connections={value} ({basis})",
    )


def _margin(idle: float, value: float) -> str:
    """How `tune.advise.keepalive_expiry` placed `value` under an idle timeout of `idle`."""
    one_below, most = idle - 1.0, 0.8 * idle
    if math.isclose(value, 0.5 * idle, abs_tol=0.1) and 0.5 * idle >= min(one_below, most):
        return f"half of {_s(idle)} s"
    if one_below <= most:
        return f"1 s below {_s(idle)} s"
    return f"80% of {_s(idle)} s"


def _expiry_setting(f: PoolFacts, idle: float) -> tuple[str, float]:
    value, _ = keepalive_expiry(ServerFacts(http_version="HTTP/1.1", idle_timeout_s=idle))
    return _setting(f.library, "keepalive_expiry"), value


def expiry_from_failures(f: PoolFacts) -> Advice | None:
    """Requests failed on kept-alive connections the server had just closed."""
    if f.reuse_failures == 0 or f.reuse_failure_idle_min is None:
        return None
    low = f.reuse_failure_idle_min
    high = f.reuse_failure_idle_max if f.reuse_failure_idle_max is not None else low
    near = _near(low)
    setting, value = _expiry_setting(f, near)
    gaps = f"{_s(low)} s" if _s(low) == _s(high) else f"{_s(low)}-{_s(high)} s"
    noun = "request" if f.reuse_failures == 1 else "requests"
    return (
        setting,
        value,
        f"{f.reuse_failures} {noun} failed reusing a connection idle {gaps}: the server "
        f"closes idle connections near {near:g} s; set {setting}={value:g} "
        f"({_margin(near, value)})",
    )


def expiry_from_server_closes(f: PoolFacts) -> Advice | None:
    """The server closed idle connections the client still kept (no failure needed)."""
    if f.server_idle_closes == 0 or f.server_idle_close_min is None:
        return None
    closed_at = f.server_idle_close_min
    if f.keepalive_expiry is not None and f.keepalive_expiry <= closed_at * 0.8:
        return None
    worked = f.reused_idle_max or 0.0
    if f.library == "aiohttp":
        # aiohttp's event loop sees the server's FIN at once: the age is the server's timeout
        base = _near(closed_at)
        window = f"after about {base:g} s"
        basis = f"its timeout, as aiohttp saw the close, is {base:g} s"
    elif worked >= 0.25 * closed_at:
        # httpx notices only at the next request: the timeout lies between the longest idle
        # gap that still worked and the youngest connection found closed
        base = worked
        window = f"between {_s(worked)} and {_s(closed_at)} s"
        basis = f"{_s(worked)} s, the longest idle gap after which a reuse still worked"
    else:
        # no reuse after a long idle gap bounds it from below: take half the youngest close
        base = 0.5 * closed_at
        window = f"within {_s(closed_at)} s"
        basis = (
            f"{_s(base)} s is half the age of the youngest connection found closed: no reuse "
            "after a long idle gap narrows down where below that the timeout lies"
        )
    setting, value = _expiry_setting(f, base)
    current = "never" if f.keepalive_expiry is None else f"{f.keepalive_expiry:g} s"
    noun = "connection" if f.server_idle_closes == 1 else "connections"
    return (
        setting,
        value,
        f"the server closed {f.server_idle_closes} idle {noun} (the youngest after "
        f"{_s(closed_at)} s) that the client would have kept for {current}: it closes idle "
        f"connections {window}; set {setting}={value:g} ({_margin(base, value)}; {basis}) "
        "so none is reused as it closes",
    )


def pool_size(f: PoolFacts) -> Advice | None:
    """Requests waited for a connection, or gave up waiting (PoolTimeout)."""
    limit = f.max_connections
    if limit is None:
        return None
    setting = _setting(f.library, "max_connections")
    demand = max(f.peak_in_flight, limit)
    value = _round_up(demand) if demand > limit else limit * 2
    basis = (
        f"the peak of {f.peak_in_flight} in flight"
        + (" rounded up to a multiple of 10" if value != demand else "")
        if demand > limit
        else f"twice the {limit} there are: the peak never got past them"
    )
    if f.pool_timeouts:
        noun = "request" if f.pool_timeouts == 1 else "requests"
        return (
            setting,
            value,
            f"{f.pool_timeouts} {noun} failed with PoolTimeout waiting for one of {limit} "
            f"connections (peak {f.peak_in_flight} in flight, p99 wait {_s(f.wait_p99)} s); "
            f"set {setting}={value} ({basis}), or cap your own concurrency at {limit}",
        )
    # Waits with no more requests in flight than connections are not the limit's doing (a
    # saturated event loop delays every request; httpx 0.28 scans large pools): no advice.
    if f.wait_p99 >= WAIT_P99_S and f.waited and f.peak_in_flight > limit:
        return (
            setting,
            value,
            f"p99 wait for a connection {_s(f.wait_p99)} s at {setting}={limit} (peak "
            f"{f.peak_in_flight} in flight); set {setting}={value} ({basis})",
        )
    if limit and f.peak_in_flight >= UTILIZATION * limit and f.requests >= MIN_REQUESTS:
        value = _round_up(math.ceil(f.peak_in_flight * 1.5))
        return (
            setting,
            value,
            f"peak {f.peak_in_flight} requests in flight at {setting}={limit} "
            f"({f.peak_in_flight / limit:.0%}): a little more load and requests wait for a "
            f"connection; set {setting}={value} (1.5x the peak, rounded up to a multiple of 10)",
        )
    return None


def stuck_pool(f: PoolFacts) -> Advice | None:
    """Connections held active with nothing in flight while requests time out waiting."""
    if not f.stuck:
        return None
    held = f.busy_without_requests
    if f.library == "aiohttp":
        fix = (
            "upgrade aiohttp (3.14 had a regression that leaks acquired connections), and "
            "recreate the session until then"
        )
        value = "upgrade aiohttp"
    elif f.library == "httpx":
        fix = (
            "a cancelled request left httpcore's pool poisoned (open httpcore issues); move to "
            "httpx2, where it is fixed, or upgrade httpcore, and recreate the client until then"
        )
        value = "httpx2"
    else:
        fix = (
            f"a cancelled request left the pool poisoned; upgrade {f.library} and recreate "
            "the client until then"
        )
        value = f"upgrade {f.library}"
    version = f" {f.library_version}" if f.library_version else ""
    return (
        "library",
        value,
        f"the pool is stuck: {f.library}{version} holds {held} connection(s) active with no "
        f"request on them while requests wait for a connection ({f.pool_timeouts} PoolTimeout "
        f"so far): {fix}",
    )


def client_per_call(f: PoolFacts) -> Advice | None:
    if f.clients < MANY_CLIENTS or f.connections_opened < f.clients:
        return None
    return (
        "client",
        "reuse one",
        f"{f.clients} clients were built for {f.origin} with the same settings, each with its "
        "own pool and handshakes: build one client (at start-up or in the app's lifespan) and "
        "reuse it (pooltune lint: POOL001)",
    )


RULES = (stuck_pool, keepalive_pool, expiry_from_failures, expiry_from_server_closes, pool_size,
         client_per_call)  # fmt: skip


def advise_pool(f: PoolFacts) -> list[Advice]:
    """Every piece of advice for one pool, at most one per setting, most urgent first."""
    out: list[Advice] = []
    # a stuck pool is not too small: more connections would be poisoned the same way
    seen: set[str] = {"max_connections", "limit"} if f.stuck else set()
    for rule in RULES:
        item = rule(f)
        if item is not None and item[0] not in seen:
            seen.add(item[0])
            out.append(item)
    return out
