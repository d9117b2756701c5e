"""One probe run: preflight, protocol, the sweep (with the idle probe beside it) and the A/B
validation, inside one request budget and one deadline. It measures; it never recommends."""

from __future__ import annotations

import asyncio
import math
import os
import socket
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from pooltune.probe.discover import IdleProber, IdleResult, ProtocolFacts, probe_protocol
from pooltune.probe.discover import rate_limit as parse_rate_limit
from pooltune.probe.errors import Preflight, preflight
from pooltune.probe.plan import Plan
from pooltune.probe.runner import (
    REFUSAL_STATUSES,
    ClientSettings,
    LevelJob,
    Runner,
)
from pooltune.probe.target import ProbeRequest
from pooltune.probe.validate import ArmResult, run_ab
from pooltune.recommend.model import LevelSamples, ProberInfo, ServerFacts

CPU_BUSY = 0.9  # prober CPU share past which a plateau may be the prober's own


@dataclass
class ProbeOutcome:
    server: ServerFacts
    levels: list[LevelSamples]
    prober: ProberInfo
    requests_sent: int = 0
    partial: bool = False
    warnings: list[str] = field(default_factory=list)
    refusal_limit: int | None = None  # highest level with no 429/503 when some level had them


# Over HTTP/2 a server that refuses a stream may reset it while the body is still being sent:
# httpx then reports a protocol error instead of the 503.
STREAM_REFUSALS = frozenset({"local_protocol", "remote_protocol"})


def refused(level: LevelSamples) -> int:
    """Requests the server turned away at this level (429/503, or a reset HTTP/2 stream)."""
    return sum(
        1
        for s in level.samples
        if s.status in REFUSAL_STATUSES
        or (s.http_version != "HTTP/1.1" and s.status is None and s.error in STREAM_REFUSALS)
    )


def no_response(level: LevelSamples) -> int:
    return sum(1 for s in level.samples if s.status is None)


def server_gone(level: LevelSamples) -> bool:
    """Every request failed without any response: the server died or stopped listening."""
    return bool(level.samples) and all(s.status is None for s in level.samples)


def requests_per_connection(closed_after: list[int]) -> int | None:
    """The server's max requests per connection: the count at which it said `Connection: close`
    most often, when that count was seen at least twice (one close may have other reasons)."""
    if not closed_after:
        return None
    counts = Counter(closed_after)
    value, times = counts.most_common(1)[0]
    return value if times >= 2 else None


class ProbeSession:
    def __init__(
        self,
        request: ProbeRequest,
        plan: Plan,
        engine: str,
        max_workers: int | None = None,
        stats_url: str | None = None,
    ) -> None:
        self.request = request
        self.plan = plan
        self.engine = engine
        self.max_workers = max_workers or max(1, min(4, os.cpu_count() or 1))
        self.stats_url = stats_url
        self.epoch = time.perf_counter()
        self.started = time.monotonic()
        self.sent = 0
        self.idle: IdleProber | None = None
        self.protocol = ProtocolFacts(None, None, None)
        self.first: Preflight | None = None
        self.ceiling_rps: float | None = None
        self.max_cpu: float | None = None
        self.workers_used = 1
        self.busy_levels: list[int] = []  # levels where the prober's CPU was the bottleneck

    # -- budget ---------------------------------------------------------------------------------
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def time_left(self) -> float:
        return self.plan.max_duration_s - self.elapsed()

    def requests_left(self) -> int:
        idle_spent = self.idle.result.requests if self.idle else 0
        idle_reserved = self.plan.idle_requests - idle_spent if self.idle else 0
        return self.plan.max_requests - self.sent - idle_spent - max(0, idle_reserved)

    @property
    def total_sent(self) -> int:
        return self.sent + (self.idle.result.requests if self.idle else 0)

    # -- stages ---------------------------------------------------------------------------------
    def preflight(self) -> Preflight:
        """Raises BadInput (one line) when the target is not usable; sends one request."""
        self.first = asyncio.run(preflight(self.request, self.engine))
        self.sent += 1
        try:
            self.protocol = asyncio.run(probe_protocol(self.request))
        except (OSError, asyncio.TimeoutError):
            self.protocol = ProtocolFacts(None, None, None)
        return self.first

    @property
    def http2(self) -> bool:
        return self.protocol.alpn == "h2"

    def start_idle_probe(self) -> None:
        window = self.plan.idle_window_s
        self.idle = IdleProber(
            self.request, self.engine, self.http2, window, self.plan.idle_requests, self.epoch
        ).start()

    def sweep(
        self, on_level: Callable[[int, LevelSamples | None], None] | None = None
    ) -> ProbeOutcome:
        """Raise concurrency through the plan; stop raising at the first 429/503 and bisect
        down to ~5%; stop at the budget, the deadline, Ctrl-C or a dead server."""
        outcome = ProbeOutcome(
            server=ServerFacts(http_version="HTTP/2" if self.http2 else "HTTP/1.1"),
            levels=[],
            prober=ProberInfo(engine=self.engine, workers=1),
        )
        if self.plan.truncated:
            top = self.plan.levels[-1] if self.plan.levels else 0
            outcome.warnings.append(
                f"the request budget ({self.plan.max_requests}) only pays for levels up to "
                f"concurrency {top}: raise --max-requests to sweep up to 1.5x the target"
            )
        reserve_s = self._validation_reserve_s()
        planned = dict(zip(self.plan.levels, self.plan.requests_per_level, strict=True))
        queue = list(self.plan.levels)
        good: int | None = None
        bad: int | None = None
        headers: dict[str, str] = {}
        closed_after: list[int] = []
        try:
            with Runner(self.max_workers) as runner:
                while queue:
                    c = queue.pop(0)
                    n = min(planned.get(c, max(30, 3 * c)), self.requests_left() - self._val())
                    budget_s = self.time_left() - reserve_s
                    if n < c or budget_s < 1.0:
                        outcome.warnings.append(
                            f"stopped the sweep at concurrency {c}: the request or time budget "
                            "ran out (raise --max-requests or --max-duration)"
                        )
                        outcome.partial = outcome.partial or not outcome.levels
                        break
                    slice_s = max(1.0, budget_s / max(1, len(queue) + 1))
                    job = LevelJob(
                        self.request,
                        self.engine,
                        c,
                        n,
                        slice_s,
                        ClientSettings(c, c, 5.0, http2=self.http2, timeout=30.0),
                        c,
                        self.epoch,
                    )
                    workers = self._workers_for(c, outcome.levels)
                    run = runner.run(job, workers)
                    level = run.level
                    self.workers_used = max(self.workers_used, workers)
                    headers |= run.headers
                    closed_after.extend(run.closed_after)
                    self.sent += run.started
                    outcome.levels.append(level)
                    self._note_cpu(level, workers)
                    if on_level:
                        on_level(c, level)
                    if server_gone(level) or (no_response(level) and not self._reachable()):
                        outcome.partial = True
                        outcome.warnings.append(
                            f"the server stopped answering at concurrency {c} (no responses): "
                            "this report is partial"
                        )
                        break
                    if refused(level):
                        bad = c if bad is None else min(bad, c)
                        self._honour_retry_after(run.headers, reserve_s)
                    else:
                        good = c if good is None else max(good, c)
                    queue = self._next_levels(queue, good, bad)
                if runner.broken:
                    outcome.warnings.append(
                        "worker processes failed to start; the sweep ran in one process"
                    )
        except KeyboardInterrupt:
            outcome.partial = True
            outcome.warnings.append("interrupted: this report is partial")
        outcome.levels.sort(key=lambda lv: lv.concurrency)
        if self.busy_levels:
            busy = ", ".join(str(c) for c in sorted(set(self.busy_levels)))
            outcome.warnings.append(
                f"the prober used {CPU_BUSY:.0%}+ of a core at concurrency {busy}: throughput "
                "and any limit seen there may be the prober's, not the server's"
            )
        if bad is not None:
            outcome.refusal_limit = good
        outcome.server.rate_limit = parse_rate_limit(headers | self._first_headers())
        outcome.server.max_requests_per_connection = requests_per_connection(closed_after)
        outcome.prober = self._prober_info()
        return outcome

    def _reachable(self) -> bool:
        """Does the server still accept TCP connections? (Requests that got no response may
        be a refusal, or the server dying mid-level.)"""
        parts = urlsplit(self.request.url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            socket.create_connection((parts.hostname or "localhost", port), timeout=2.0).close()
        except OSError:
            return False
        return True

    def _honour_retry_after(self, headers: dict[str, str], reserve_s: float) -> None:
        """The server asked us to wait: do so before the next level (within the budget)."""
        limits = parse_rate_limit(headers)
        wait = limits.retry_after_s if limits is not None else None
        if wait:
            time.sleep(max(0.0, min(wait, (self.time_left() - reserve_s) / 4)))

    def _val(self) -> int:
        return self.plan.validation_requests

    def _validation_reserve_s(self) -> float:
        if not self.plan.validation_requests:
            return 0.5
        return min(0.3 * self.plan.max_duration_s, 15.0)

    @staticmethod
    def _next_levels(queue: list[int], good: int | None, bad: int | None) -> list[int]:
        """After a refusal no higher level is run; bisect between the last clean level and the
        first refusing one until they are ~5% apart."""
        if bad is None:
            return queue
        lo = good or 0
        if bad - lo <= max(1, math.floor(0.05 * bad)):
            return []
        return [(lo + bad) // 2] if (lo + bad) // 2 > lo else []

    def _workers_for(self, c: int, done: list[LevelSamples]) -> int:
        """Enough processes that none runs above ~70% of a core at this level's rate."""
        if self.ceiling_rps is None or not done or self.max_workers <= 1:
            return 1
        low = [s.total_s for s in done[0].samples if s.status is not None]
        if not low:
            return 1
        latency = sorted(low)[len(low) // 2]
        expected_rps = c / max(latency, 1e-4)
        return max(1, min(self.max_workers, c, math.ceil(expected_rps / (0.7 * self.ceiling_rps))))

    def _note_cpu(self, level: LevelSamples, workers: int) -> None:
        cpu = level.prober_cpu
        if cpu is None or level.wall_s <= 0:
            return
        self.max_cpu = max(self.max_cpu or 0.0, cpu)
        rps = len(level.samples) / level.wall_s
        if cpu > 0.05 and workers == 1:
            # requests per second one core could drive at this level's mix (our own ceiling)
            ceiling = rps / cpu
            self.ceiling_rps = max(self.ceiling_rps or 0.0, ceiling)
        if cpu >= CPU_BUSY:
            self.busy_levels.append(level.concurrency)

    def _first_headers(self) -> dict[str, str]:
        return self.first.headers if self.first else {}

    def _prober_info(self) -> ProberInfo:
        return ProberInfo(
            engine=self.engine,
            workers=self.workers_used,
            ceiling_rps=round(self.ceiling_rps, 1) if self.ceiling_rps else None,
            max_cpu=round(self.max_cpu, 3) if self.max_cpu is not None else None,
        )

    def finish_idle(self, server: ServerFacts, wait_s: float) -> IdleResult | None:
        """Wait (bounded) for the idle probe and copy its findings into `server`."""
        if self.idle is None:
            return None
        result = self.idle.join(max(0.0, wait_s))
        if self.idle.is_alive():
            self.idle.stop()
            result = self.idle.join(2.0)
        server.idle_timeout_s = result.timeout_s
        server.idle_timeout_window_s = max((g for g, _ in result.observations), default=0.0)
        server.idle_observations = sorted(result.observations)
        server.keep_alive_header_timeout_s = result.keep_alive_header_s
        return result

    def fill_protocol(self, server: ServerFacts) -> None:
        server.alpn = self.protocol.alpn
        server.tls_version = self.protocol.tls_version
        server.max_concurrent_streams = self.protocol.max_concurrent_streams if self.http2 else None

    def validate(
        self, concurrency: int, arms: dict[str, ClientSettings]
    ) -> dict[str, ArmResult] | None:
        per_arm = min(self.plan.validation_requests // 2, self.requests_left() // 2)
        if per_arm < concurrency or self.time_left() < 1.0:
            return None
        readings = 2 * 4 + 1 if self.stats_url else 0
        per_arm -= readings
        if per_arm < concurrency:
            return None
        result = asyncio.run(
            run_ab(
                self.request,
                self.engine,
                concurrency,
                arms,
                per_arm,
                max(1.0, self.time_left() - 1.0),
                self.epoch,
                self.stats_url,
            )
        )
        self.sent += sum(r.started for r in result.values()) + readings
        return result
