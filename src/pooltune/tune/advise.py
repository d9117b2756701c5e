"""From measurements to settings, each value with the sentence of evidence behind it."""

from __future__ import annotations

import math

from pooltune.recommend.model import (
    Fit,
    LevelStats,
    Recommendation,
    ServerFacts,
    Target,
    TimeoutSettings,
)
from pooltune.tune.stats import refusal_share

DEFAULT_STREAMS = 100  # what most servers advertise when the value was not seen
# Below this many requests in flight, HTTP/1.1 with a kept-alive connection per request is as
# fast or faster in Python clients: their HTTP/2 stacks pay CPU per stream, and on loopback a
# 20-stream h2 connection measured a p99 three times that of 20 HTTP/1.1 connections. Above it,
# an HTTP/1.1 pool means hundreds of sockets and handshakes, and multiplexing wins.
HTTP2_WORTH_IT_AT = 100
PROBER_SATURATED = 0.9


def _round_up(value: float, step: float = 0.5) -> float:
    return max(step, math.ceil(value / step) * step)


def _level_at(levels: list[LevelStats], concurrency: int) -> LevelStats:
    """The measured level closest to ``concurrency`` without refusals if possible."""
    clean = [lv for lv in levels if refusal_share(lv) <= 0.02] or levels
    return min(clean, key=lambda lv: (abs(lv.concurrency - concurrency), -lv.concurrency))


def _tail(levels: list[LevelStats], phase: str) -> float | None:
    values = [lv.phases_s[phase].p99 for lv in levels if phase in lv.phases_s]
    return max(values) if values else None


def keepalive_expiry(server: ServerFacts) -> tuple[float, str]:
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


def advise(
    target: Target, server: ServerFacts, levels: list[LevelStats], fit: Fit | None
) -> tuple[Recommendation, list[str]]:
    warnings: list[str] = []
    why: dict[str, str] = {}
    advice: list[str] = []
    wanted = target.concurrency
    limit = server.concurrency_limit
    effective = wanted
    semaphore = None
    if limit is not None and server.concurrency_limit_kind == "refuses" and wanted > limit:
        effective = limit
        semaphore = limit
        warnings.append(
            f"the target concurrency {wanted} exceeds what the server takes ({limit} in flight, "
            "then 503/429): cap your own concurrency with a semaphore"
        )
    elif limit is not None and server.concurrency_limit_kind == "queues" and wanted > limit:
        warnings.append(
            f"past about {limit} concurrent requests the server queues: latency grows with "
            f"concurrency while throughput stays flat; {wanted} in flight will wait in its queue"
        )

    speaks_h2 = server.http_version == "HTTP/2"
    http2 = speaks_h2 and effective >= HTTP2_WORTH_IT_AT
    streams = server.max_concurrent_streams or DEFAULT_STREAMS
    if http2:
        connections = max(1, math.ceil(effective / streams))
        why["max_connections"] = (
            f"HTTP/2 multiplexes up to {streams} streams per connection"
            f"{'' if server.max_concurrent_streams else ' (assumed: not advertised)'}, so "
            f"{effective} concurrent requests need ceil({effective}/{streams}) = {connections}"
        )
        why["http2"] = (
            "the server negotiated HTTP/2 (ALPN h2): one connection carries many requests, "
            "so fewer TCP+TLS handshakes"
        )
    else:
        connections = effective
        why["max_connections"] = (
            f"HTTP/1.1 carries one request per connection: {effective} concurrent requests need "
            f"{effective} connections"
            + (f" (the server takes at most {limit})" if semaphore else "")
        )
        why["http2"] = (
            f"the server speaks HTTP/2, but at {effective} in flight HTTP/1.1 with a kept-alive "
            "connection per request is as fast and avoids the per-stream CPU of Python HTTP/2 "
            f"clients; HTTP/2 pays off from about {HTTP2_WORTH_IT_AT} concurrent requests"
            if speaks_h2
            else "the server offered only HTTP/1.1 in ALPN"
        )
    why["max_keepalive_connections"] = (
        f"equal to max_connections ({connections}): a smaller keep-alive pool closes and "
        "reopens connections under steady load (httpx's default of 20 churns above 20 in flight)"
    )
    expiry, why["keepalive_expiry"] = keepalive_expiry(server)
    if server.idle_timeout_s is not None and server.idle_timeout_s <= 2:
        advice.append(
            f"the server closes idle connections after {server.idle_timeout_s:g} s: raise its "
            "keep-alive timeout (e.g. uvicorn --timeout-keep-alive 30) so clients can reuse them"
        )
    if not http2 and wanted > 50:
        advice.append(
            "enable HTTP/2 on the server (or its proxy): it serves this concurrency over a few "
            "connections instead of one per request"
        )

    at_target = _level_at(levels, effective)
    timeout = _timeouts(levels, at_target, target, why)

    for level in levels:
        if level.prober_cpu is not None and level.prober_cpu >= PROBER_SATURATED:
            warnings.append(
                f"the prober used {level.prober_cpu:.0%} of a core at concurrency "
                f"{level.concurrency}: throughput there may be the client's limit, not the server's"
            )
    optimum = fit.optimal_concurrency if fit is not None and fit.fits else None
    if optimum is not None and wanted > 1.2 * optimum:
        warnings.append(
            f"throughput peaks near {optimum:.0f} concurrent requests (USL fit); at {wanted} "
            "the server does less work per second, not more"
        )
    if at_target.errors and at_target.errors / max(at_target.requests, 1) > 0.05:
        warnings.append(
            f"{at_target.errors} of {at_target.requests} requests failed at concurrency "
            f"{at_target.concurrency} ({', '.join(sorted(at_target.error_classes))})"
        )
    if semaphore:
        why["concurrency_semaphore"] = (
            f"the server refused requests beyond {limit} in flight (503/429): an "
            f"asyncio.Semaphore({limit}) keeps them from failing"
        )
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
    )
    return recommendation, warnings


def _timeouts(
    levels: list[LevelStats], at_target: LevelStats, target: Target, why: dict[str, str]
) -> TimeoutSettings:
    handshake = sum(_tail(levels, phase) or 0.0 for phase in ("connect", "tls"))
    connect = _round_up(max(1.0, 3 * handshake))
    why["timeout.connect"] = (
        f"TCP+TLS handshakes took up to {handshake * 1000:.0f} ms (p99); 3x that, at least 1 s"
    )
    if target.streaming:
        first = max(_tail(levels, "ttft") or 0.0, _tail(levels, "max_gap") or 0.0)
        read = _round_up(max(5.0, 3 * first), 1.0)
        why["timeout.read"] = (
            f"for a stream, read waits for the first token and between chunks: up to "
            f"{first * 1000:.0f} ms measured (p99 of ttft and the longest gap); 3x, at least 5 s"
        )
    else:
        wait = max(_tail(levels, "ttfb") or 0.0, at_target.latency_s.p99)
        read = _round_up(max(5.0, 3 * wait), 1.0)
        why["timeout.read"] = (
            f"responses took up to {wait * 1000:.0f} ms (p99) at concurrency "
            f"{at_target.concurrency}; 3x, at least 5 s"
        )
    write_tail = _tail(levels, "write") or 0.0
    write = _round_up(max(5.0, 10 * write_tail))
    why["timeout.write"] = (
        f"sending a request took up to {write_tail * 1000:.1f} ms (p99); 5 s leaves room for "
        "larger prompts"
    )
    pool = _round_up(max(0.5, 2 * at_target.latency_s.p99))
    why["timeout.pool"] = (
        f"a free connection appears within about one request's time; 2x the p99 latency at "
        f"concurrency {at_target.concurrency} ({at_target.latency_s.p99 * 1000:.0f} ms), so "
        "saturation fails fast as PoolTimeout instead of queueing without bound"
    )
    return TimeoutSettings(connect=connect, read=read, write=write, pool=pool)
