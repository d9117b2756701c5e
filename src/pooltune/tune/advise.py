"""From measurements to settings, each value with the sentence of evidence behind it.

Only what was measured is recommended: the protocol is the one that measured better at the
target on the user's library (both figures in its `why`), timeouts come from that protocol's
run, limits are in requests actually in flight and divided over `--replicas`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from pooltune.model import (
    REFUSAL_STATUSES,
    Fit,
    LevelStats,
    PoolSettings,
    ProtocolRun,
    Recommendation,
    RetryPolicy,
    ServerFacts,
    Target,
    TcpKeepalive,
    TimeoutSettings,
)
from pooltune.tune.protocols import HTTP1_SMALL
from pooltune.tune.stats import refusal_share

DEFAULT_STREAMS = 100  # what most servers advertise when the value was not seen
NAT_IDLE_S = 350.0  # AWS NAT gateways drop a TCP flow idle this long
LB_IDLE_S = 60.0  # AWS ALB's default idle timeout
DNS_SLOW_S = 0.002  # a lookup slower than this is worth caching longer than aiohttp's 10 s
AIOHTTP_TTL_DNS_CACHE = 10


@dataclass
class Evidence:
    target: Target
    server: ServerFacts
    levels: list[LevelStats]
    fit: Fit | None = None
    protocols: list[ProtocolRun] = field(default_factory=list)
    library: str = "httpx"
    version: str = ""
    replicas: int = 1
    baseline: PoolSettings | None = None
    offers_http2: bool = False
    supports_http2: bool = True
    small_pool: bool = False  # the chosen run is the small-pool candidate
    # fields that failed their consistency checks -> why (never used to derive a value)
    inconclusive: dict[str, str] = field(default_factory=dict)


def effective_concurrency(target: int, server: ServerFacts, replicas: int) -> int:
    """What one process may keep in flight: the target, or the server's refusal limit divided
    over the replicas when that is lower (a queue refuses nothing, so it caps nothing)."""
    limit = server.concurrency_limit
    if limit is None or server.concurrency_limit_kind != "refuses":
        return target
    return min(target, max(1, limit // max(1, replicas)))


def _round_up(value: float, step: float = 0.5) -> float:
    return max(step, math.ceil(value / step) * step)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def _level_at(levels: list[LevelStats], concurrency: int) -> LevelStats:
    """The measured level closest to ``concurrency`` without refusals if possible."""
    clean = [lv for lv in levels if refusal_share(lv) <= 0.02] or levels
    return min(clean, key=lambda lv: (abs(lv.concurrency - concurrency), -lv.concurrency))


NO_KEEP_ALIVE_EXPIRY_S = 4.0  # below the shortest common server default (5 s)


def _tail(levels: list[LevelStats] | list[ProtocolRun], phase: str) -> float | None:
    values = [lv.phases_s[phase].p99 for lv in levels if phase in lv.phases_s]
    return max(values) if values else None


def keepalive_expiry(
    server: ServerFacts, library: str = "httpx", inconclusive: str | None = None
) -> tuple[float, str]:
    if server.keeps_alive is False:
        return NO_KEEP_ALIVE_EXPIRY_S, (
            "the server does not keep connections alive, so no connection is ever reused; "
            f"{NO_KEEP_ALIVE_EXPIRY_S:g} s is the usual default, ready if it starts to"
        )
    if inconclusive is not None:
        default = PoolSettings.library_defaults(library).keepalive_expiry or 0.0
        return default, (
            f"the idle timeout was inconclusive ({inconclusive}): {library}'s own default of "
            f"{default:g} s is kept; a server that closes idle connections sooner (uvicorn's and "
            "Apache's default is 5 s) can fail a reuse: measure again on a quieter machine"
        )
    idle = server.idle_timeout_s
    if idle is not None:
        # A second below the server's timeout (20% for short ones), never more than half of it
        raw = max(min(idle - 1.0, 0.8 * idle), 0.5 * idle)
        expiry = math.floor(raw * 10) / 10 if raw >= 0.2 else round(raw, 3)
        return expiry, (
            f"the server closed connections idle for {idle:g} s; expiring them at {expiry:g} s "
            "avoids reusing one it is closing (RemoteProtocolError/ServerDisconnectedError)"
        )
    window = server.idle_timeout_window_s
    if window:
        expiry = round(min(0.8 * window, 60.0), 1)
        return expiry, (
            f"the server kept idle connections open for at least {window:g} s (the whole probe "
            f"window), so {expiry:g} s is safe"
        )
    return 4.0, (
        "the idle timeout was not measured; 4 s stays below the shortest common server "
        "default (5 s: uvicorn, hypercorn, vLLM)"
    )


def _run_text(run: ProtocolRun) -> str:
    return (
        f"{run.label or run.http_version}: p50 {_ms(run.latency_s.p50)}, p99 "
        f"{_ms(run.latency_s.p99)}, {run.errors} errors, "
        f"{run.client_cpu_ms_per_request:.2f} ms client CPU per request"
    )


def advise(ev: Evidence) -> tuple[Recommendation, list[str]]:
    warnings: list[str] = []
    why: dict[str, str] = {}
    advice: list[str] = []
    client_advice: list[str] = []
    target, server = ev.target, ev.server
    wanted = target.concurrency
    replicas = max(1, ev.replicas)
    fleet = f", shared by {replicas} replicas" if replicas > 1 else ""
    limit = server.concurrency_limit
    per_process = None if limit is None else max(1, limit // replicas)
    effective = effective_concurrency(wanted, server, replicas)
    semaphore = None
    if limit is not None and per_process is not None and server.concurrency_limit_kind == "refuses":
        if wanted > per_process:
            semaphore = per_process
            share = (
                f"; the server's {limit} divided by {replicas} replicas is {per_process} "
                "per process"
                if replicas > 1
                else ""
            )
            warnings.append(
                f"the target concurrency {wanted} exceeds what the server takes ({limit} requests "
                f"in flight, then 503/429{share}): cap your own concurrency with a semaphore"
            )
    elif limit is not None and per_process is not None and wanted > per_process:
        warnings.append(
            f"past about {limit} requests in flight the server queues: latency grows with "
            f"concurrency while throughput stays flat; {wanted} in flight{fleet} will wait in "
            "its queue"
        )

    chosen = next((p for p in ev.protocols if p.chosen), None)
    http1 = next((p for p in ev.protocols if p.http_version == "HTTP/1.1" and not _small(p)), None)
    h2run = next((p for p in ev.protocols if p.http_version == "HTTP/2"), None)
    http2 = chosen is not None and chosen.http_version == "HTTP/2"
    streams = server.max_concurrent_streams or DEFAULT_STREAMS
    if http2:
        connections = max(1, math.ceil(effective / streams))
        why["max_connections"] = (
            f"HTTP/2 multiplexes up to {streams} streams per connection"
            f"{'' if server.max_concurrent_streams else ' (assumed: not advertised)'}, so "
            f"{effective} concurrent requests need ceil({effective}/{streams}) = {connections}"
        )
    elif chosen is not None and _small(chosen):
        connections = min(effective, chosen.connections)
        why["max_connections"] = (
            f"{ev.library} {ev.version} measured best with {connections} connections kept alive "
            f"and the other requests of {effective} waiting for one ({_run_text(chosen)})"
        )
    else:
        connections = effective
        why["max_connections"] = (
            f"HTTP/1.1 carries one request per connection: {effective} concurrent requests need "
            f"{effective} connections"
            + (f" (the server takes at most {limit}{fleet})" if semaphore else "")
        )
    if h2run is not None and http1 is not None:
        winner, loser = (h2run, http1) if http2 else (chosen or http1, h2run)
        why["http2"] = (
            f"measured at {h2run.concurrency or effective} in flight on {ev.library}: "
            f"{_run_text(winner)}; against {_run_text(loser)}"
        )
    elif ev.offers_http2 and not ev.supports_http2:
        why["http2"] = (
            f"the server offers HTTP/2 but {ev.library} speaks HTTP/1.1 only: one connection "
            "per request in flight"
        )
    else:
        why["http2"] = "the server offered only HTTP/1.1 (ALPN), so HTTP/2 was not measured"
    why["max_keepalive_connections"] = (
        f"equal to max_connections ({connections}): a smaller keep-alive pool closes and "
        "reopens connections under steady load (httpx's default of 20 churns above 20 in flight)"
    )
    expiry, why["keepalive_expiry"] = keepalive_expiry(
        server, ev.library, ev.inconclusive.get("idle_timeout_s")
    )
    if server.idle_timeout_s is not None and server.idle_timeout_s <= 2:
        advice.append(
            f"the server closes idle connections after {server.idle_timeout_s:g} s: raise its "
            "keep-alive timeout (e.g. uvicorn --timeout-keep-alive 30) so clients can reuse them"
        )
    _lifetime_advice(ev, http2, advice)
    _pool_cost_advice(ev, chosen, http1, h2run, client_advice)

    at_target = _level_at(ev.levels, effective) if ev.levels else None
    timeout = _timeouts(ev, chosen, at_target, why)

    bound = [lv.concurrency for lv in ev.levels if lv.prober_bound]
    saturated = [lv for lv in ev.levels if lv.prober is not None and lv.prober.saturated]
    if saturated:
        reasons = "; ".join(
            f"{lv.concurrency}: {lv.prober.reason}" for lv in saturated if lv.prober is not None
        )
        warnings.append(
            f"the prober was saturated at concurrency {reasons}: those levels are no evidence "
            "about the server (left out of the fit, limits and queues); a quieter machine "
            "measures further"
        )
    if "concurrency_limit" in ev.inconclusive:
        why["concurrency_semaphore"] = (
            f"the server's limit was inconclusive ({ev.inconclusive['concurrency_limit']}): no "
            "semaphore is derived from it; max_connections follows the target"
        )
    optimum = ev.fit.optimal_concurrency if ev.fit is not None and ev.fit.fits else None
    if optimum is not None and bound and optimum > 0.8 * min(bound):
        optimum = None  # the peak lies where the prober, not the server, set the pace
    if optimum is not None and wanted > 1.2 * optimum:
        warnings.append(
            f"throughput peaks near {optimum:.0f} concurrent requests (USL fit); at {wanted} "
            "the server does less work per second, not more"
        )
    if chosen is not None and chosen.errors and chosen.errors / max(chosen.requests, 1) > 0.05:
        warnings.append(
            f"{chosen.errors} of {chosen.requests} requests failed at concurrency "
            f"{chosen.concurrency or effective} ({', '.join(sorted(chosen.error_classes))})"
        )
    burst = server.burst
    from_bursts = burst is not None and burst.limit is not None and burst.limit == limit
    if burst is not None and burst.evidence:
        why["burst"] = burst.evidence
    if semaphore:
        refused_how = (
            f"released at once, the server refused requests beyond {limit} ({burst.evidence})"
            if from_bursts and burst is not None
            else f"the server refused requests beyond {limit} in flight (503/429)"
        )
        why["concurrency_semaphore"] = (
            refused_how
            + (
                f", shared by {replicas} replicas: {limit} // {replicas} = {semaphore}"
                if replicas > 1
                else ""
            )
            + f"; an asyncio.Semaphore({semaphore}) keeps them from failing"
        )
    rate_rps, retry = _rate_limit(ev, why)
    tcp_keepalive = _long_calls(ev, chosen, timeout, why, warnings)
    ttl = _dns(ev, why)
    recommendation = Recommendation(
        max_connections=connections,
        max_keepalive_connections=connections,
        keepalive_expiry=expiry,
        http2=http2,
        timeout=timeout,
        concurrency_semaphore=semaphore,
        http1_max_connections=effective if http2 else None,
        server_advice=advice,
        why=why,
        replicas=replicas,
        rate_limit_rps=rate_rps,
        retry=retry,
        library=ev.library,  # type: ignore[arg-type]
        tcp_keepalive=tcp_keepalive,
        ttl_dns_cache=ttl,
        client_advice=client_advice,
    )
    return recommendation, warnings


def _small(run: ProtocolRun) -> bool:
    return run.candidate == HTTP1_SMALL


def _lifetime_advice(ev: Evidence, http2: bool, advice: list[str]) -> None:
    n = ev.server.max_requests_per_connection
    closes = ev.server.closes
    if n is None or "max_requests_per_connection" in ev.inconclusive:
        return
    protocol = closes.protocol if closes is not None else "HTTP/1.1"
    kind = "GOAWAY" if protocol == "HTTP/2" else "Connection: close"
    new_conn = (
        max(
            (lv.phases_s["connect"].p50 + lv.phases_s.get("tls", lv.phases_s["connect"]).p50)
            if "connect" in lv.phases_s
            else 0.0
            for lv in ev.levels
        )
        if ev.levels
        else 0.0
    )
    cost = f" (about {_ms(new_conn)} each, measured)" if new_conn else ""
    advice.append(
        f"the server closes each {protocol} connection after {n} requests ({kind}): "
        f"{100 / n:.1f}% of requests pay a new connection{cost}; raise its limit "
        "(nginx keepalive_requests, Apache MaxKeepAliveRequests) if that shows in your tail"
    )


POOL_CPU_COST = 1.5  # a large pool's client CPU per request this many times the small one's


def _pool_cost_advice(
    ev: Evidence,
    chosen: ProtocolRun | None,
    http1: ProtocolRun | None,
    h2run: ProtocolRun | None,
    out: list[str],
) -> None:
    """A large keep-alive pool's own cost, claimed only when this run measured it on the
    installed version: the small-pool arm ran beside the large one and the large one cost
    POOL_CPU_COST times its client CPU per request. The sentence names the version."""
    small = next((p for p in ev.protocols if _small(p)), None)
    if small is None or http1 is None or chosen is None:
        return
    name = f"{ev.library} {ev.version}"
    large_cpu, small_cpu = http1.client_cpu_ms_per_request, small.client_cpu_ms_per_request
    if small_cpu <= 0 or large_cpu < POOL_CPU_COST * small_cpu:  # not measured, or no cost
        return
    measured = (
        f"{name} measured {http1.client_cpu_ms_per_request:.2f} ms of client CPU per request "
        f"with {http1.connections} connections kept alive against "
        f"{small.client_cpu_ms_per_request:.2f} ms with {small.connections} (this run)"
    )
    if chosen is http1:
        out.append(
            f"{measured}: a large keep-alive pool costs CPU on this version, yet measured better "
            "here; watch its CPU, or try httpx2 or aiohttp"
        )
        return
    out.append(
        f"{measured}: a large keep-alive pool costs CPU on this version, so the recommendation "
        f"avoids one ({_run_text(chosen)}); run `pooltune recommend --client httpx2` to "
        "measure a client whose pool may not"
    )


def _timeouts(
    ev: Evidence, chosen: ProtocolRun | None, at_target: LevelStats | None, why: dict[str, str]
) -> TimeoutSettings:
    runs: list[ProtocolRun] = [chosen] if chosen is not None else []
    source = f"{chosen.label or chosen.http_version} at {chosen.concurrency}" if chosen else ""
    if chosen is None and at_target is not None:
        source = f"concurrency {at_target.concurrency}"
    levels = ev.levels

    def tail(phase: str) -> float:
        value = _tail(runs, phase) if runs else None
        if value is None:
            value = _tail(levels, phase)
        return value or 0.0

    p99 = chosen.latency_s.p99 if chosen else (at_target.latency_s.p99 if at_target else 0.0)
    handshake = tail("connect") + tail("tls")
    connect = _round_up(max(1.0, 3 * handshake))
    handshakes = "TCP+TLS handshakes" if ev.target.url.startswith("https:") else "TCP handshakes"
    why["timeout.connect"] = (
        f"{handshakes} took up to {_ms(handshake)} (p99); 3x that, at least 1 s"
    )
    if ev.target.streaming:
        first = max(tail("ttft"), tail("max_gap"))
        read = _round_up(max(5.0, 3 * first), 1.0)
        why["timeout.read"] = (
            f"for a stream, read waits for the first token and between chunks: up to "
            f"{_ms(first)} measured ({source}, p99 of ttft and the longest gap); 3x, at least 5 s"
        )
    else:
        wait = max(tail("ttfb"), p99)
        read = _round_up(max(5.0, 3 * wait), 1.0)
        why["timeout.read"] = f"responses took up to {_ms(wait)} (p99, {source}); 3x, at least 5 s"
    write_tail = tail("write")
    write = _round_up(max(5.0, 10 * write_tail))
    why["timeout.write"] = (
        f"sending a request took up to {write_tail * 1000:.1f} ms (p99); 5 s leaves room for "
        "larger prompts"
    )
    pool = _round_up(max(0.5, 2 * p99))
    why["timeout.pool"] = (
        f"a free connection appears within about one request's time; 2x the p99 latency "
        f"({source}: {_ms(p99)}), so saturation fails fast as {_pool_timeout(ev.library)} "
        "instead of queueing without bound"
    )
    return TimeoutSettings(connect=connect, read=read, write=write, pool=pool)


def _pool_timeout(library: str) -> str:
    """The exception a pool that waited too long raises, in the library's own name."""
    if library == "aiohttp":
        return "aiohttp.ConnectionTimeoutError (its connect timeout covers the pool wait)"
    return f"{'httpx2' if library != 'httpx' else 'httpx'}.PoolTimeout"


def _rate_limit(ev: Evidence, why: dict[str, str]) -> tuple[float | None, RetryPolicy | None]:
    rl = ev.server.rate_limit
    replicas = max(1, ev.replicas)
    burst = ev.server.burst
    refused = any(refusal_share(lv) > 0 for lv in ev.levels) or (
        burst is not None and any(r.refused for r in burst.rounds)
    )
    rps = None
    if "rate_limit" in ev.inconclusive:
        why["rate_limit_rps"] = (
            f"the rate limit was inconclusive ({ev.inconclusive['rate_limit']}): no pacing is "
            "derived from it; retries follow the server's Retry-After"
        )
    elif rl is not None and rl.limit_requests:
        # x-ratelimit-limit-requests is per minute (OpenAI, Anthropic)
        rps = round(rl.limit_requests / 60 / replicas, 3)
        share = f", divided by {replicas} replicas" if replicas > 1 else ""
        why["rate_limit_rps"] = (
            f"the server announced {rl.limit_requests} requests per minute "
            f"(x-ratelimit-limit-requests){share}: {rps:g} requests/s per process, paced on "
            "the client so the budget is never overrun"
        )
    if rl is None and not refused:
        return rps, None
    backoff = rl.retry_after_s if rl is not None and rl.retry_after_s else 1.0
    retry = RetryPolicy(
        statuses=sorted(REFUSAL_STATUSES), max_attempts=3, backoff_s=round(min(backoff, 30.0), 3)
    )
    seen = "Retry-After/rate-limit headers" if rl is not None else "503/429 refusals"
    why["retry"] = (
        f"the server sent {seen}: retry 429 and 503 up to {retry.max_attempts} attempts, "
        f"waiting Retry-After when given, else {retry.backoff_s:g} s doubling"
    )
    return rps, retry


def _long_calls(
    ev: Evidence,
    chosen: ProtocolRun | None,
    timeout: TimeoutSettings,
    why: dict[str, str],
    warnings: list[str],
) -> TcpKeepalive | None:
    runs = [chosen] if chosen else []
    silent_phases = ("ttft", "max_gap") if ev.target.streaming else ("ttfb",)
    silent = max([(_tail(runs, p) or _tail(ev.levels, p) or 0.0) for p in silent_phases] + [0.0])
    keepalive = None
    if silent > LB_IDLE_S or timeout.read > NAT_IDLE_S:
        keepalive = TcpKeepalive()
        why["tcp_keepalive"] = (
            f"responses waited up to {silent:.0f} s without a byte: a NAT (AWS: {NAT_IDLE_S:.0f} "
            f"s) or load balancer (ALB: {LB_IDLE_S:.0f} s) drops a flow idle that long; TCP "
            f"keep-alive probes every {keepalive.interval_s} s after {keepalive.idle_s} s keep it "
            "open (or stream the response)"
        )
        warnings.append(
            f"responses wait up to {silent:.0f} s without a byte: behind a NAT or load balancer "
            "that drops idle flows, use TCP keep-alive (the snippet sets it) or streaming"
        )
    base = ev.baseline
    if base is not None:
        attempts = base.max_retries + 1
        worst = base.timeout.read * attempts
        needed = timeout.read * attempts
        if worst >= 600 and worst > 4 * needed:
            warnings.append(
                f"{ev.library}'s timeout={base.timeout.read:g} with max_retries="
                f"{base.max_retries} lets one call take {worst / 60:.0f} minutes "
                f"({base.timeout.read:g} s x {attempts} attempts); the measured latencies need "
                f"read={timeout.read:g} s ({needed:g} s with the same retries)"
            )
    return keepalive


def _dns(ev: Evidence, why: dict[str, str]) -> int | None:
    dns = ev.server.dns
    if dns is None:
        return None
    if dns.lookup_s < DNS_SLOW_S:
        why["ttl_dns_cache"] = (
            f"looking up {dns.host} took {dns.lookup_s * 1000:.2f} ms: aiohttp's default "
            f"ttl_dns_cache={AIOHTTP_TTL_DNS_CACHE} s costs nothing worth saving"
        )
        return AIOHTTP_TTL_DNS_CACHE
    ttl = 120
    why["ttl_dns_cache"] = (
        f"looking up {dns.host} took {dns.lookup_s * 1000:.1f} ms per new connection: cache it "
        f"for {ttl} s (aiohttp caches {AIOHTTP_TTL_DNS_CACHE} s by default) while still "
        "following DNS changes within minutes"
    )
    return ttl
