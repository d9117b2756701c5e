"""One probe run inside one request budget and one deadline: preflight, protocol, DNS, the
prober's ceiling, the sweep, the protocol comparison, connection lifetime, the idle probe and
the A/B validation. It measures; it never recommends (pooltune.tune does, and the pipeline in
pooltune.recommend decides the order)."""

from __future__ import annotations

import asyncio
import ipaddress
import math
import os
import socket
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from pooltune.model import BurstRound, DnsTiming, LevelSamples, PoolSettings, ServerFacts
from pooltune.probe.burst import BURST_ROUNDS, BurstJob, run_bursts
from pooltune.probe.discover import IdleProber, IdleResult, ProtocolFacts, probe_protocol
from pooltune.probe.discover import rate_limit as parse_rate_limit
from pooltune.probe.plan import Plan
from pooltune.probe.preflight import Preflight, preflight
from pooltune.probe.runner import LevelJob, LevelRun, Runner
from pooltune.probe.target import ProbeRequest
from pooltune.probe.validate import ArmResult, run_ab
from pooltune.probe.watch import MachineWatch

SPLIT_PROCESSES = 2  # the cross-check splits a suspect level over (at least) this many
MAX_PROCESSES = 4  # processes a level may be spread over
LIMIT_RUNS = 3  # runs of the refusing level, for the limit's spread
BOUND_STREAK = 3  # prober-bound levels in a row after which the sweep stops raising load
PREFLIGHT_TIMEOUT_S = 10.0  # the first request's timeout (less when --max-duration is shorter)
CALIBRATION_COST = 3.0  # the calibration's wall time in units of its duration (warm-up, TLS)
CALIBRATION_SHARE = 0.25  # at most this share of the time left goes to the calibration
STALL_CONFIRM_MIN_S = 2.0  # the confirming requests of a suspected stall wait at least this
STALL_CONFIRMS = 2  # sent at once: the stall is confirmed only when neither is answered
STATS_TIMEOUT_S = 2.0  # one read of the simulator's /_sim/stats
BURST_SIZES = 6  # burst sizes tried at most (the first, then each the last result suggests)
BURST_SIZE_S = 5.0  # seconds at most for the rounds of one burst size
BURST_SHARE = 0.15  # of --max-duration, at most, for all bursts (the idle probe needs its time)


@dataclass
class SweepOutcome:
    levels: list[LevelSamples]
    headers: dict[str, str] = field(default_factory=dict)
    partial: bool = False
    warnings: list[str] = field(default_factory=list)
    refusing: list[int] = field(default_factory=list)  # levels where the server refused
    repeats: list[LevelSamples] = field(default_factory=list)  # extra runs of a refusing level


def refused(level: LevelSamples) -> int:
    """Requests the server turned away at this level (RequestSample.refused)."""
    return sum(1 for s in level.samples if s.refused)


def no_response(level: LevelSamples) -> int:
    return sum(1 for s in level.samples if s.status is None)


def server_gone(level: LevelSamples) -> bool:
    """Every request failed without any response: the server died or stopped listening."""
    return bool(level.samples) and all(s.status is None for s in level.samples)


def stalled_warning(where: str, run: LevelRun) -> str:
    waiting = run.level.unanswered
    return (
        f"the server stopped answering {where}: {waiting} request{'s' * (waiting != 1)} got "
        f"no response in {run.quiet_s:.1f} s; this report is partial"
    )


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class ProbeSession:
    def __init__(
        self,
        request: ProbeRequest,
        plan: Plan,
        library: str = "httpx",
        max_workers: int | None = None,
        stats_url: str | None = None,
        discovery_library: str | None = None,
    ) -> None:
        self.request = request
        self.plan = plan
        self.library = library
        # the server's facts (the sweep, its repeats, the cross-check) are found with the
        # fastest engine here; the user's library runs the comparison, the A/B, the idle probe
        self.discovery_library = discovery_library or library
        # As many processes as a level needs (Runner: none runs above ~70% of its ceiling), at
        # least two so a suspect level can be split for the cross-check.
        cores = os.cpu_count() or 1
        self.max_workers = max_workers or max(SPLIT_PROCESSES, min(MAX_PROCESSES, cores))
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

    # -- budget ---------------------------------------------------------------------------------
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def time_left(self) -> float:
        return self.plan.max_duration_s - self.elapsed()

    def requests_left(self) -> int:
        """What the budget still allows, less what the idle probe has reserved."""
        idle_spent = self.idle.result.requests if self.idle else 0
        idle_reserved = self.idle.max_requests - idle_spent if self.idle else 0
        return self.plan.max_requests - self.sent - idle_spent - max(0, idle_reserved)

    def request_timeout_s(self, longest: float = PREFLIGHT_TIMEOUT_S) -> float:
        """A single request's timeout: never past the run's deadline (--max-duration)."""
        return max(0.1, min(longest, self.time_left()))

    def _stats_timeout_s(self) -> float:
        """A few times the first request's latency: a target that is no simulator may never
        answer the stats path, and a short --max-duration is not spent waiting for it."""
        latency = self.first.latency_s if self.first else STATS_TIMEOUT_S
        return self.request_timeout_s(min(STATS_TIMEOUT_S, max(0.5, 10 * latency)))

    @property
    def total_sent(self) -> int:
        return self.sent + (self.idle.result.requests if self.idle else 0)

    # -- stages ---------------------------------------------------------------------------------
    def preflight(self) -> Preflight:
        """Raises BadInput (one line) when the target is not usable; sends one request."""
        self.first = asyncio.run(preflight(self.request, self.request_timeout_s()))
        self.sent += 1
        try:
            self.protocol = asyncio.run(probe_protocol(self.request))
        except (OSError, asyncio.TimeoutError):
            self.protocol = ProtocolFacts(None, None, None)
        return self.first

    @property
    def offers_http2(self) -> bool:
        return self.protocol.alpn == "h2"

    def first_headers(self) -> dict[str, str]:
        return self.first.headers if self.first else {}

    def time_dns(self, lookups: int = 3) -> DnsTiming | None:
        """For a host name (not an IP literal), time a few lookups of it (no request sent)."""
        host = urlsplit(self.request.url).hostname
        if not host or is_ip(host):
            return None
        port = urlsplit(self.request.url).port or 443
        times = []
        count = 0
        for _ in range(lookups):
            t0 = time.perf_counter()
            try:
                count = len(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
            except OSError:
                return None
            times.append(time.perf_counter() - t0)
        return DnsTiming(host=host, lookup_s=statistics.median(times), addresses=count)

    def calibrate(self, concurrency: int, duration_s: float = 1.0) -> float | None:
        """The prober's requests/s against an in-process null server (nothing sent to the
        target); None if it could not be measured."""
        from pooltune.probe.ceiling import measure_ceiling

        if CALIBRATION_COST * duration_s > CALIBRATION_SHARE * self.time_left():
            return None  # a short --max-duration keeps its seconds for the target
        try:
            ceiling = asyncio.run(
                measure_ceiling(
                    self.discovery_library, self.request, concurrency, duration_s, self.epoch
                )
            )
        except Exception:
            return None
        self.ceiling_rps = ceiling.rps or None
        return self.ceiling_rps

    def sweep(
        self,
        on_level: Callable[[int, LevelSamples | None], None] | None = None,
        reserve_s: float = 0.0,
        reserve_requests: int = 0,
        is_bound: Callable[[LevelSamples], bool] = lambda level: False,
    ) -> SweepOutcome:
        """Raise concurrency through the plan (HTTP/1.1, a kept-alive connection per worker, a
        fresh client per level); stop raising at the first 429/503 and bisect down to ~5%; run
        the lowest refusing level again for the limit's spread; stop at the budget, the
        deadline, Ctrl-C or a dead server. ``is_bound`` (pooltune.tune.health) says whether a
        level measured the prober: BOUND_STREAK of them in a row stop the raising."""
        outcome = SweepOutcome(levels=[])
        if self.plan.truncated:
            top = self.plan.levels[-1] if self.plan.levels else 0
            outcome.warnings.append(
                f"the request budget ({self.plan.max_requests}) only pays for levels up to "
                f"concurrency {top}: raise --max-requests to sweep up to 1.5x the target"
            )
        planned = dict(zip(self.plan.levels, self.plan.requests_per_level, strict=True))
        queue = list(self.plan.levels)
        good: int | None = None
        bad: int | None = None
        bound_streak = 0
        try:
            with Runner(self.max_workers) as runner:
                while queue:
                    c = queue.pop(0)
                    n = min(planned.get(c, max(12, 3 * c)), self.requests_left() - reserve_requests)
                    budget_s = self.time_left() - reserve_s
                    if n < c or budget_s < 1.0:
                        outcome.warnings.append(
                            f"stopped the sweep at concurrency {c}: the request or time budget "
                            "ran out (raise --max-requests or --max-duration)"
                        )
                        outcome.partial = outcome.partial or not outcome.levels
                        break
                    slice_s = max(1.0, budget_s / max(1, len(queue) + 1))
                    run = self._level(runner, c, n, slice_s, outcome)
                    level = run.level
                    outcome.levels.append(level)
                    if on_level:
                        on_level(c, level)
                    if level.stalled:
                        if not self.still_answers(level):
                            outcome.partial = True
                            outcome.warnings.append(stalled_warning(f"at concurrency {c}", run))
                            break
                        level.stalled = False  # some requests stalled, not the server
                    if server_gone(level) or (no_response(level) and not self.reachable()):
                        outcome.partial = True
                        outcome.warnings.append(
                            f"the server stopped answering at concurrency {c} (no responses): "
                            "this report is partial"
                        )
                        break
                    if is_bound(level):
                        bound_streak += 1
                        if bound_streak >= BOUND_STREAK and queue and bad is None:
                            outcome.warnings.append(
                                f"stopped raising load at concurrency {c}: {BOUND_STREAK} levels "
                                f"in a row ran at the prober's own limit ({self.discovery_library} "
                                "on this machine), so higher levels would measure the prober"
                            )
                            break
                    else:
                        bound_streak = 0
                    if refused(level):
                        outcome.refusing.append(c)
                        bad = c if bad is None else min(bad, c)
                        self._honour_retry_after(run.headers, reserve_s)
                    else:
                        good = c if good is None else max(good, c)
                    queue = self._next_levels(queue, good, bad)
                if bad is not None and not outcome.partial:
                    self._repeat(runner, bad, planned, outcome, reserve_s, reserve_requests)
                if runner.broken:
                    outcome.warnings.append(
                        "worker processes failed to start; the sweep ran in one process"
                    )
        except KeyboardInterrupt:
            outcome.partial = True
            outcome.warnings.append("interrupted: this report is partial")
        outcome.levels.sort(key=lambda lv: lv.concurrency)
        return outcome

    def _level(
        self, runner: Runner, c: int, n: int, deadline_s: float, outcome: SweepOutcome
    ) -> LevelRun:
        job = LevelJob(
            self.request,
            self.discovery_library,
            c,
            n,
            deadline_s,
            PoolSettings.probing(c),
            c,
            self.epoch,
        )
        workers = self._workers_for(c, outcome.levels)
        machine = MachineWatch().start()
        run = runner.run(job, workers)
        run.level.load_1m, run.level.steal_share = machine.stop()
        self.workers_used = max(self.workers_used, run.level.workers)
        outcome.headers |= run.headers
        self.sent += run.started
        self._note_cpu(run.level)
        return run

    def _repeat(
        self,
        runner: Runner,
        c: int,
        planned: dict[int, int],
        outcome: SweepOutcome,
        reserve_s: float,
        reserve_requests: int,
    ) -> None:
        """Run the lowest refusing level again (LIMIT_RUNS in all), for the limit's spread."""
        for _ in range(LIMIT_RUNS - 1):
            n = min(planned.get(c, max(12, 3 * c)), self.requests_left() - reserve_requests)
            budget_s = self.time_left() - reserve_s
            if n < c or budget_s < 2.0:
                return
            run = self._level(runner, c, n, max(1.0, budget_s / 4), outcome)
            outcome.repeats.append(run.level)
            if refused(run.level):
                self._honour_retry_after(run.headers, reserve_s)

    def still_answers(self, level: LevelSamples) -> bool:
        """After a stalled level: does either of two more requests (counted) get an answer
        within a few times the level's slowest one? A server that stalls some requests (the
        sim's --fault-stall) answers; one that stopped answering does not."""
        answered = [s.total_s for s in level.samples if s.status is not None]
        wait = self.request_timeout_s(max(STALL_CONFIRM_MIN_S, 4 * max(answered, default=0.0)))
        if self.requests_left() < 1 or wait < STALL_CONFIRM_MIN_S / 2:
            return False
        from pooltune.probe.engines import get_engine

        count = min(STALL_CONFIRMS, self.requests_left())  # the budget is never exceeded

        async def any_answer() -> bool:
            engine = get_engine(self.library)
            async with engine.client(self.request, PoolSettings.probing(count)) as client:
                tasks = [
                    asyncio.ensure_future(client.send(self.request, 0, self.epoch))
                    for _ in range(count)
                ]
                try:
                    for next_done in asyncio.as_completed(tasks, timeout=wait):
                        if (await next_done).sample.status is not None:
                            return True
                    return False
                finally:
                    for task in tasks:
                        task.cancel()
                    await asyncio.gather(*tasks, return_exceptions=True)

        self.sent += count
        try:
            return asyncio.run(any_answer())
        except (asyncio.TimeoutError, OSError):
            return False

    def reachable(self) -> bool:
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
        """Enough processes that none runs above ~70% of its ceiling at this level's rate."""
        if self.ceiling_rps is None or not done or self.max_workers <= 1:
            return 1
        low = [s.total_s for s in done[0].samples if s.status is not None]
        if not low:
            return 1
        latency = sorted(low)[len(low) // 2]
        expected_rps = c / max(latency, 1e-4)
        return max(1, min(self.max_workers, c, math.ceil(expected_rps / (0.7 * self.ceiling_rps))))

    def _note_cpu(self, level: LevelSamples) -> None:
        if level.prober_cpu is not None:
            self.max_cpu = max(self.max_cpu or 0.0, level.prober_cpu)

    def split_level(self, level: LevelSamples, deadline_s: float) -> LevelSamples | None:
        """Run ``level`` again with the same load (concurrency and requests) split over twice
        its processes (at least SPLIT_PROCESSES): the cross-check of a suspected queue. None
        when the budget cannot pay for it."""
        c = level.concurrency
        n = min(len(level.samples), self.requests_left())
        workers = min(c, max(SPLIT_PROCESSES, 2 * level.workers))
        if n < c or deadline_s < 1.0 or workers < 2:
            return None
        job = LevelJob(
            self.request,
            self.discovery_library,
            c,
            n,
            deadline_s,
            PoolSettings.probing(c),
            c,
            self.epoch,
        )
        machine = MachineWatch().start()
        with Runner(workers) as runner:
            run = runner.run(job, workers)
        run.level.load_1m, run.level.steal_share = machine.stop()
        self.sent += run.started
        self.workers_used = max(self.workers_used, run.level.workers)
        return run.level if run.level.workers >= 2 else None

    def bursts(
        self,
        first: int | None,
        next_size: Callable[[list[BurstRound]], int | None],
        reserve_s: float = 0.0,
        reserve_requests: int = 0,
    ) -> list[BurstRound]:
        """Release `first` requests at once (BURST_ROUNDS rounds), then each size `next_size`
        asks for after reading the rounds so far, within the budget left after the reserve."""
        rounds: list[BurstRound] = []
        size = first
        ends = self.elapsed() + BURST_SHARE * self.plan.max_duration_s
        for _ in range(BURST_SIZES):
            if not size:
                break
            budget_s = min(BURST_SIZE_S, self.time_left() - reserve_s, ends - self.elapsed())
            if self.requests_left() - reserve_requests < BURST_ROUNDS * size or budget_s < 1.0:
                break
            job = BurstJob(self.request, size, BURST_ROUNDS, budget_s)
            got, sent = asyncio.run(run_bursts(job))
            self.sent += sent
            if not got:
                break
            rounds += got
            size = next_size(rounds)
        return rounds

    # -- beside or after the sweep -----------------------------------------------------------
    def start_idle_probe(self, http2: bool | None = None) -> IdleProber:
        window = max(1.0, min(self.plan.idle_window_s, self.time_left() - 1.0))
        budget = max(0, min(self.plan.idle_requests, self.plan.max_requests - self.sent))
        self.idle = IdleProber(
            self.request,
            self.library,
            self.offers_http2 if http2 is None else http2,
            window,
            budget,
            self.epoch,
        ).start()
        return self.idle

    def finish_idle(self, server: ServerFacts, wait_s: float) -> IdleResult | None:
        """Wait (bounded) for the idle probe and copy what it saw into `server`
        (pooltune.tune.idle reads the timeout from it)."""
        if self.idle is None:
            return None
        result = self.idle.join(max(0.0, wait_s))
        if self.idle.is_alive():
            self.idle.stop()
            result = self.idle.join(2.0)
        server.idle_timeout_window_s = max((g for g, _ in result.observations), default=0.0)
        server.idle_observations = sorted(result.observations)
        server.idle_confirmations = sorted(result.confirmations)
        server.idle_discarded = dict(result.discarded)
        server.keep_alive_header_timeout_s = result.keep_alive_header_s
        return result

    def fill_protocol(self, server: ServerFacts) -> None:
        server.alpn = self.protocol.alpn
        server.tls_version = self.protocol.tls_version
        server.max_concurrent_streams = (
            self.protocol.max_concurrent_streams if self.offers_http2 else None
        )

    def arms(
        self,
        arms: dict[str, PoolSettings],
        concurrency: int | dict[str, int],
        requests_per_arm: int,
        deadline_s: float,
        with_counters: bool = False,
    ) -> dict[str, ArmResult] | None:
        """Interleaved arms on one client each (protocol comparison, A/B); None when the budget
        cannot pay for one request per worker and arm."""
        top = max(concurrency.values()) if isinstance(concurrency, dict) else concurrency
        readings = (len(arms) * 4 + 1) if (with_counters and self.stats_url) else 0
        per_arm = min(requests_per_arm, (self.requests_left() - readings) // max(1, len(arms)))
        if per_arm < top or deadline_s < 1.0:
            return None
        result = asyncio.run(
            run_ab(
                self.request,
                self.library,
                concurrency,
                arms,
                per_arm,
                deadline_s,
                self.epoch,
                self.stats_url if with_counters else None,
            )
        )
        self.sent += sum(r.started for r in result.values()) + readings
        return result

    def lifetime(
        self,
        pool: PoolSettings,
        concurrency: int,
        max_requests: int,
        deadline_s: float,
        library: str | None = None,
    ) -> LevelSamples | None:
        """Long-lived connections of one pool: as many requests per connection as the budget
        allows, to see the server close them after N (Connection: close, GOAWAY)."""
        n = min(max_requests, self.requests_left())
        if n < 2 * concurrency or deadline_s < 1.0:
            return None
        job = LevelJob(
            self.request, library or self.library, concurrency, n, deadline_s, pool, -1, self.epoch
        )
        from pooltune.probe.runner import run_level_async

        run = asyncio.run(run_level_async(job))
        self.sent += run.started
        return run.level

    def sim_counters(self) -> dict[str, int] | None:
        """One GET of /_sim/stats (counted), or None."""
        if self.stats_url is None or self.requests_left() < 1:
            return None
        from pooltune.probe.engines import get_engine

        stats_url = self.stats_url

        async def fetch() -> object:
            probe = ProbeRequest(
                stats_url, "GET", (), None, self.request.ca_bundle, self.request.insecure
            )
            engine = get_engine(self.library)
            async with engine.client(probe, PoolSettings.probing(1)) as client:
                return await client.get_json(stats_url)

        self.sent += 1
        try:
            data = asyncio.run(asyncio.wait_for(fetch(), self._stats_timeout_s()))
        except Exception:
            return None
        if isinstance(data, dict) and "connections_opened" in data:
            return {k: v for k, v in data.items() if isinstance(v, int)}
        return None
