"""From what the monitor saw to advice (tune.pool_advice), the stuck-pool check, the summary."""

from __future__ import annotations

from pooltune.monitor.collector import PoolStats
from pooltune.monitor.model import AdviceItem, PoolSnapshot, Snapshot
from pooltune.tune.pool_advice import PoolFacts, advise_pool

STUCK_AFTER_S = 1.0  # no request got a connection for this long while requests timed out


def facts(pool: PoolSnapshot) -> PoolFacts:
    limits = pool.limits
    return PoolFacts(
        library=pool.library,
        origin=pool.origin,
        requests=pool.requests,
        connections_opened=pool.connections_opened,
        reused=pool.reused,
        peak_in_flight=pool.peak_in_flight,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        reuse_failures=pool.reuse_failures,
        reuse_failure_idle_min=pool.reuse_failure_idle_s.min,
        reuse_failure_idle_max=pool.reuse_failure_idle_s.max,
        server_idle_closes=pool.server_idle_close_s.count,
        server_idle_close_min=pool.server_idle_close_s.min,
        reused_idle_max=pool.reused_idle_s.max,
        pool_timeouts=pool.pool_timeouts,
        wait_p99=pool.wait_s.p99,
        waited=pool.waited,
        keepalive_limit_closes=pool.closes.keepalive_limit,
        clients=pool.clients,
        stuck=pool.stuck,
        busy_without_requests=pool.stuck_connections,
        library_version=pool.library_version,
    )


def pool_label(pool: PoolSnapshot) -> str:
    name = f" [{pool.name}]" if pool.name else ""
    return f"{pool.client or pool.library}{name} {pool.origin}"


def advice_for(pools: list[PoolSnapshot]) -> list[AdviceItem]:
    items: list[AdviceItem] = []
    for pool in pools:
        for setting, value, why in advise_pool(facts(pool)):
            items.append(AdviceItem(setting=setting, value=value, why=why, pool=pool_label(pool)))
    return items


def build_snapshot(pools: list[PoolSnapshot]) -> Snapshot:
    return Snapshot(pools=pools, advice=advice_for(pools))


def check_stuck(stats: PoolStats, now: float) -> None:
    """Name a poisoned pool: the library holds connections active that no request of ours is
    on, requests time out waiting, and none got a connection for a while."""
    if stats.stuck or not stats.pool_timeouts or now - stats.progress_at < STUCK_AFTER_S:
        return
    held = stats.busy_in_pool()
    if held is None:
        return
    with stats.lock:
        ours = sum(1 for c in stats.conns if c.busy)
    if held > ours:
        stats.stuck = True
        stats.stuck_connections = held - ours


def summary_text(snapshot: Snapshot) -> str:
    """The exit summary: one block per pool, then the advice."""
    lines: list[str] = []
    if not snapshot.pools:
        return "pooltune monitor: no HTTP client pool was used."
    lines.append(f"pooltune monitor: {len(snapshot.pools)} pool(s)")
    for pool in snapshot.pools:
        lim = pool.limits
        limits = (
            f"max_connections={lim.max_connections} "
            f"max_keepalive={lim.max_keepalive_connections} "
            f"keepalive_expiry={lim.keepalive_expiry}"
        )
        new_share = pool.connections_opened / pool.requests if pool.requests else 0.0
        closes = ", ".join(f"{k} {v}" for k, v in pool.closes.model_dump().items() if v)
        lines.append(f"  {pool_label(pool)} ({pool.library} {pool.library_version}; {limits})")
        lines.append(
            f"    {pool.requests} requests, {pool.connections_opened} connections opened "
            f"({new_share:.0%} new), {pool.reused} reused, peak {pool.peak_in_flight} in flight"
        )
        lines.append(
            f"    wait for a connection p50 {pool.wait_s.p50 * 1000:.1f} ms, "
            f"p99 {pool.wait_s.p99 * 1000:.1f} ms; {pool.pool_timeouts} PoolTimeout, "
            f"{pool.reuse_failures} reuse failures, {pool.errors} errors"
        )
        lines.append(
            f"    open now: {pool.open.active} active, {pool.open.idle} idle; "
            f"closes: {closes or 'none'}"
            + (
                f"; DNS {pool.dns_lookups} lookups, {pool.dns_cache_hits} cache hits"
                if pool.library == "aiohttp"
                else ""
            )
        )
    if snapshot.advice:
        lines.append("advice:")
        for item in snapshot.advice:
            lines.append(f"  {item.pool}: {item.why}")
    else:
        lines.append("advice: none, the pools looked healthy")
    return "\n".join(lines)
