"""What the server does, beside the load: protocol (ALPN) and HTTP/2 stream limit, the idle
keep-alive timeout, requests per connection, and rate-limit headers."""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
import ssl
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from pooltune.model import PoolSettings, RateLimit
from pooltune.probe.engines import get_engine
from pooltune.probe.target import ProbeRequest


@dataclass(frozen=True)
class ProtocolFacts:
    alpn: str | None
    tls_version: str | None
    max_concurrent_streams: int | None


def _ssl_context(request: ProbeRequest) -> ssl.SSLContext:
    verify = request.ssl_context()
    if isinstance(verify, ssl.SSLContext):
        return verify
    ctx = ssl.create_default_context()
    if verify is False:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


async def probe_protocol(request: ProbeRequest, timeout: float = 5.0) -> ProtocolFacts:
    """Offer h2 and http/1.1 by ALPN; on h2, read the server's SETTINGS frame with `h2`."""
    import h2.config
    import h2.connection
    import h2.events
    import h2.settings

    parts = urlsplit(request.url)
    if parts.scheme != "https":
        return ProtocolFacts(None, None, None)
    ctx = _ssl_context(request)
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    host = parts.hostname or "localhost"
    port = parts.port or 443
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(host, port, ssl=ctx, server_hostname=host), timeout
    )
    try:
        sslobj = writer.get_extra_info("ssl_object")
        alpn = sslobj.selected_alpn_protocol() if sslobj else None
        tls = sslobj.version() if sslobj else None
        streams: int | None = None
        if alpn == "h2":
            conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
            conn.initiate_connection()
            writer.write(conn.data_to_send())
            await writer.drain()
            deadline = time.monotonic() + timeout
            while streams is None and time.monotonic() < deadline:
                data = await asyncio.wait_for(reader.read(65536), timeout)
                if not data:
                    break
                for event in conn.receive_data(data):
                    if isinstance(event, h2.events.RemoteSettingsChanged):
                        setting = h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS
                        changed = event.changed_settings.get(setting)
                        # Absent from SETTINGS means unlimited (RFC 9113 6.5.2): keep None.
                        streams = changed.new_value if changed else None
                        break
                else:
                    continue
                break
        return ProtocolFacts(alpn, tls, streams)
    finally:
        writer.close()
        with contextlib.suppress(OSError, asyncio.TimeoutError, ssl.SSLError):
            await asyncio.wait_for(writer.wait_closed(), 1.0)


_KEEP_ALIVE_TIMEOUT = re.compile(r"timeout\s*=\s*(\d+(?:\.\d+)?)", re.IGNORECASE)


def keep_alive_header_timeout(value: str | None) -> float | None:
    """`Keep-Alive: timeout=5, max=100` -> 5.0."""
    if not value:
        return None
    match = _KEEP_ALIVE_TIMEOUT.search(value)
    return float(match.group(1)) if match else None


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    match = re.match(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?", value)
    if not match:
        return None
    number = float(match.group(1))
    unit = match.group(2)
    return number / 1000 if unit == "ms" else number * 60 if unit == "m" else number


def rate_limit(headers: dict[str, str]) -> RateLimit | None:
    """x-ratelimit-* (OpenAI), anthropic-ratelimit-*, Retry-After, as seen."""
    seen = {
        k.lower(): v
        for k, v in headers.items()
        if "ratelimit" in k.lower() or k.lower() == "retry-after"
    }
    if not seen:
        return None

    def first(*names: str) -> str | None:
        return next((seen[n] for n in names if n in seen), None)

    limit = _number(first("x-ratelimit-limit-requests", "anthropic-ratelimit-requests-limit"))
    remaining = _number(
        first("x-ratelimit-remaining-requests", "anthropic-ratelimit-requests-remaining")
    )
    return RateLimit(
        limit_requests=int(limit) if limit is not None else None,
        remaining_requests=int(remaining) if remaining is not None else None,
        reset_requests_s=_number(first("x-ratelimit-reset-requests")),
        retry_after_s=_number(first("retry-after")),
        headers=seen,
    )


# -- idle keep-alive timeout -----------------------------------------------------------------

# Half-second steps up to 3 s, then 1 s to 5 s: short timeouts (gunicorn 2 s, uvicorn set to
# 3 s) are placed within 15% by the first round alone, which a busy machine's short budget may
# be all it gets.
COARSE_GAPS = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 8.0, 12.0, 18.0, 25.0, 35.0, 45.0, 60.0)


@dataclass
class IdleResult:
    """What the idle probe saw; pooltune.tune.idle decides what timeout it shows."""

    window_s: float = 0.0
    observations: list[tuple[float, bool]] = field(default_factory=list)  # (idle s, survived)
    # the edge gaps again, each on another connection: (idle s, survived)
    confirmations: list[tuple[float, bool]] = field(default_factory=list)
    # connections that could not show an idle close, by why (never observations)
    discarded: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    keep_alive_header_s: float | None = None

    def discard(self, why: str) -> None:
        self.discarded[why] = self.discarded.get(why, 0) + 1


def coarse_gaps(window_s: float) -> list[float]:
    gaps = [g for g in COARSE_GAPS if g <= window_s]
    return gaps or [max(0.5, window_s)]


FINE_STEP_S = 0.5  # the fine round's gaps are about this far apart


def fine_gaps(survived: float, closed: float, max_probes: int = 16) -> list[float]:
    """Gaps strictly between the last survivor and the first closed, about 0.5 s apart."""
    count = min(max_probes, max(0, math.ceil((closed - survived) / FINE_STEP_S - 1e-9) - 1))
    step = (closed - survived) / (count + 1)
    return [round(survived + step * (i + 1), 3) for i in range(count)]


class IdleProber:
    """Idle several connections in parallel for different gaps; did each survive the gap?

    One client per connection (max_connections=1, long client-side expiry) so our own pool
    never drops it; a connection survived when the second request did not open a new one.
    Only an idle connection can show an idle close: a connection whose first response was a
    refusal (429/503) or carried `Connection: close`, or whose second request was refused, is
    discarded with its reason, never counted as closed. Each coarse gap runs on two connections
    at once (the second is the confirmation); a fine round then narrows the edge. Runs in its own
    thread and event loop, alone (the pipeline starts it when no other load is in flight);
    every wait is bounded.
    """

    def __init__(
        self,
        request: ProbeRequest,
        library: str,
        http2: bool,
        window_s: float,
        max_requests: int,
        epoch: float,
    ) -> None:
        self.request = request
        self.library = library
        self.http2 = http2
        self.window_s = window_s
        self.max_requests = max_requests
        self.epoch = epoch
        self.result = IdleResult(window_s=window_s)
        self._reserved = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, name="idle-prober", daemon=True)

    def start(self) -> IdleProber:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float) -> IdleResult:
        self._thread.join(timeout)
        return self.result

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    @property
    def connections(self) -> int:
        """Idle connections it may hold open at once (two per coarse gap)."""
        return 2 * len(coarse_gaps(self.window_s))

    def _main(self) -> None:
        with contextlib.suppress(Exception):
            asyncio.run(self._probe())

    def _budget(self, n: int) -> bool:
        """Reserve requests for one idle connection (counted in `result.requests` once sent)."""
        if self._reserved + n > self.max_requests:
            return False
        self._reserved += n
        return True

    async def _idle_once(self, gap: float) -> tuple[float, bool] | None:
        pool = PoolSettings.probing(1, http2=self.http2, timeout_s=10.0)
        req = self.request
        async with get_engine(self.library).client(req, pool) as client:
            self.result.requests += 1
            first = await client.send(req, 0, self.epoch)
            ka = keep_alive_header_timeout(first.headers.get("keep-alive"))
            if ka is not None:
                self.result.keep_alive_header_s = ka
            if first.sample.status is None:
                self.result.discard("no response")
                return None
            if first.sample.refused:
                self.result.discard("refused (429/503)")
                return None
            if first.sample.closed:
                self.result.discard("Connection: close on the first response")
                return None
            idle_from = time.perf_counter()
            while time.perf_counter() - idle_from < gap:
                if self._stop.is_set():
                    return None
                await asyncio.sleep(min(0.1, gap - (time.perf_counter() - idle_from)))
            idled = time.perf_counter() - idle_from
            self.result.requests += 1
            second = (await client.send(req, 0, self.epoch)).sample
            if second.refused:
                self.result.discard("refused (429/503)")
                return None
            if second.status is None:
                # Failing on the kept connection: the server had closed it (a reuse race).
                # Failing to open a new one: the server is gone, which says nothing about idling.
                return None if second.new_connection else (idled, False)
            return (idled, not second.new_connection)

    async def _round(self, gaps: list[float], confirm: bool = False) -> list[tuple[float, bool]]:
        """Idle one connection per gap in parallel (with ``confirm``, a second one per gap,
        recorded as confirmations); once one is closed, longer gaps add nothing, so they are
        cancelled (the round ends at the first closed gap). Returns the first connections'."""
        runs = [(g, False) for g in gaps] + ([(g, True) for g in gaps] if confirm else [])
        runs = [run for run in runs if self._budget(2)]
        tasks = {asyncio.ensure_future(self._idle_once(g)): (g, twin) for g, twin in runs}
        found: list[tuple[float, bool]] = []
        pending = set(tasks)
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task.cancelled() or task.exception() is not None:
                    continue
                result = task.result()
                if result is None:
                    continue
                gap, twin = tasks[task]
                (self.result.confirmations if twin else found).append(result)
                if not result[1]:
                    for other in list(pending):
                        if tasks[other][0] > gap:
                            other.cancel()
        self.result.observations.extend(found)
        return found

    async def _probe(self) -> None:
        # every coarse gap on two connections at once: the edge is confirmed on a second
        # connection in the same time, which a busy machine's short budget may not leave later
        coarse = await self._round(coarse_gaps(self.window_s), confirm=True)
        bounds = self._bounds(coarse)
        if bounds is None or self._stop.is_set():
            return
        survived, closed = bounds
        if closed - survived > FINE_STEP_S:
            await self._round(fine_gaps(survived, closed))

    @staticmethod
    def _bounds(obs: list[tuple[float, bool]]) -> tuple[float, float] | None:
        """(longest gap survived below the shortest closed one, the shortest closed gap)."""
        closed = [g for g, ok in obs if not ok]
        if not closed:
            return None
        first_closed = min(closed)
        alive = [g for g, ok in obs if ok and g < first_closed]
        return (max(alive) if alive else 0.0, first_closed)
