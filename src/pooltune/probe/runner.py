"""Bounded load at one concurrency level, in this process or spread over worker processes.

Every loop stops by itself: a level ends when its request budget is spent or its deadline
passes. The runner measures its own CPU (process time / wall time) so a plateau caused by the
prober is never reported as the server's. Levels run on the user's client library (an engine,
`pooltune.probe.engines`), with the one `PoolSettings` type.
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from pooltune.model import REFUSAL_STATUSES, LevelSamples, PoolSettings, RequestSample
from pooltune.probe.engines import EngineClient, get_engine
from pooltune.probe.target import ProbeRequest
from pooltune.probe.watch import LoopLag

STALL_MIN_S = 0.5  # a level is stalled when nothing finished for this long ...
STALL_FACTOR = 4.0  # ... and for this many times its slowest answer, with requests in flight
STALL_CHECK_S = 0.25  # how often a running level looks for a stall
DEADLINE_GRACE_S = 1.0  # how long a level's requests in flight may finish after its deadline


@dataclass(frozen=True)
class LevelJob:
    request: ProbeRequest
    library: str
    concurrency: int
    max_requests: int
    deadline_s: float  # seconds from the start of the job
    pool: PoolSettings
    level: int
    epoch: float  # perf_counter of the probe start, for RequestSample.started_s (same host)
    honour_retry_after: bool = True


@dataclass
class LevelRun:
    level: LevelSamples
    headers: dict[str, str]  # rate-limit headers seen (the last of each)
    started: int  # requests sent, including any cut off at the deadline
    quiet_s: float = 0.0  # seconds before the end with requests in flight and none finishing


def is_stalled(unanswered: int, quiet_s: float, samples: list[RequestSample]) -> bool:
    """The server stopped answering: requests were left waiting far longer than the level's
    own requests took to come back, or none came back at all. A request that failed fast
    (refused, reset) came back: a server that refuses every connection has gone away, not
    stopped answering, whether or not requests are in flight when the level is looked at (on
    a busy machine they usually are). One that timed out waited for nothing."""
    if not unanswered:
        return False
    came_back = [s.total_s for s in samples if s.status is not None or not _timed_out(s)]
    if not came_back:
        return True
    return quiet_s >= max(STALL_MIN_S, STALL_FACTOR * max(came_back))


def _timed_out(sample: RequestSample) -> bool:
    return sample.error is not None and "timeout" in sample.error


async def run_level_async(job: LevelJob) -> LevelRun:
    """Run `job.concurrency` workers until the budget or the deadline on a fresh client."""
    engine = get_engine(job.library)
    async with engine.client(job.request, job.pool) as client:
        return await run_on_client(client, job)


async def run_on_client(client: EngineClient, job: LevelJob) -> LevelRun:
    """Bounded load on an open client (the A/B and the lifetime probe keep one client)."""
    samples: list[RequestSample] = []
    headers: dict[str, str] = {}
    budget = [job.max_requests]
    start = time.perf_counter()
    deadline = start + job.deadline_s
    cpu0 = time.process_time()
    lag = LoopLag().start()

    in_flight = [0]
    last_done = [start]

    async def worker() -> None:
        while budget[0] > 0 and time.perf_counter() < deadline:
            budget[0] -= 1
            in_flight[0] += 1
            try:
                sent = await client.send(job.request, job.level, job.epoch)
            finally:
                in_flight[0] -= 1
            last_done[0] = time.perf_counter()
            samples.append(sent.sample)
            headers.update(sent.headers)
            retry_after = sent.headers.get("retry-after")
            if job.honour_retry_after and sent.sample.status in REFUSAL_STATUSES and retry_after:
                # Honour Retry-After, within the level's own deadline.
                wait = _retry_after_s(retry_after)
                await asyncio.sleep(max(0.0, min(wait, deadline - time.perf_counter())))

    remaining = max(0.1, deadline - time.perf_counter())
    # stragglers past the deadline are dropped; the budget still holds
    tasks = [asyncio.ensure_future(worker()) for _ in range(job.concurrency)]
    end_by = time.perf_counter() + remaining + DEADLINE_GRACE_S
    try:
        pending = set(tasks)
        while pending and (left := end_by - time.perf_counter()) > 0:
            _, pending = await asyncio.wait(pending, timeout=min(STALL_CHECK_S, left))
            # a server that stopped answering ends the level now, not at its deadline
            # (only while the budget still has requests for the blocked workers: stragglers at
            # the end of a level are its tail, not a stall)
            quiet = time.perf_counter() - last_done[0]
            if pending and samples and budget[0] > 0 and is_stalled(in_flight[0], quiet, samples):
                break
    finally:
        # every worker is ended and awaited here, also on Ctrl-C (asyncio.run cancels this
        # task): none is left with an exception nobody retrieves
        cut_off = in_flight[0]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    end = time.perf_counter()
    wall = end - start
    cpu_s = time.process_time() - cpu0
    level = LevelSamples(
        concurrency=job.concurrency,
        wall_s=wall,
        samples=samples,
        prober_cpu=cpu_s / wall if wall > 0 else None,
        prober_cpu_s=cpu_s,
        loop_lag_p99_ms=await lag.stop(),
        unanswered=cut_off,
    )
    quiet = end - last_done[0] if cut_off else 0.0
    level.stalled = is_stalled(cut_off, quiet, samples)
    return LevelRun(level, headers, job.max_requests - budget[0], quiet)


def _retry_after_s(value: str) -> float:
    try:
        return min(float(value), 30.0)
    except ValueError:
        return 1.0


def _run_part(job: LevelJob) -> LevelRun:
    return asyncio.run(run_level_async(job))


def _share(value: int | None, part: int, whole: int) -> int | None:
    return None if value is None else max(1, math.ceil(value * part / whole))


def split_job(job: LevelJob, workers: int) -> list[LevelJob]:
    """Share concurrency, budget and pool over `workers` processes (never more than
    concurrency)."""
    workers = max(1, min(workers, job.concurrency))
    jobs = []
    for i in range(workers):
        c = job.concurrency // workers + (1 if i < job.concurrency % workers else 0)
        n = job.max_requests // workers + (1 if i < job.max_requests % workers else 0)
        pool = job.pool.model_copy(
            update={
                "max_connections": _share(job.pool.max_connections, c, job.concurrency),
                "max_keepalive_connections": _share(
                    job.pool.max_keepalive_connections, c, job.concurrency
                ),
            }
        )
        jobs.append(
            LevelJob(
                job.request,
                job.library,
                c,
                n,
                job.deadline_s,
                pool,
                job.level,
                job.epoch,
                job.honour_retry_after,
            )
        )
    return jobs


def merge(concurrency: int, parts: list[LevelRun]) -> LevelRun:
    samples = [s for part in parts for s in part.level.samples]
    wall = max((p.level.wall_s for p in parts), default=0.0)
    # CPU as the busiest worker's share of its core: that is what saturates first.
    cpus = [p.level.prober_cpu for p in parts if p.level.prober_cpu is not None]
    headers: dict[str, str] = {}
    for part in parts:
        headers |= part.headers
    lags = [p.level.loop_lag_p99_ms for p in parts if p.level.loop_lag_p99_ms is not None]
    level = LevelSamples(
        concurrency=concurrency,
        wall_s=wall,
        samples=samples,
        prober_cpu=max(cpus) if cpus else None,
        prober_cpu_s=sum(p.level.prober_cpu_s or 0.0 for p in parts),
        workers=len(parts),
        loop_lag_p99_ms=max(lags) if lags else None,  # the laggiest process, as for CPU
        unanswered=sum(p.level.unanswered for p in parts),
        stalled=any(p.level.stalled for p in parts),
    )
    quiet = max((p.quiet_s for p in parts), default=0.0)
    return LevelRun(level, headers, sum(p.started for p in parts), quiet)


class Runner:
    """Runs levels in-process, or over worker processes when one core is not enough.

    The process pool starts on first need, with `spawn`: the parent may have threads running,
    and forking a threaded process can copy a held lock into the child.
    """

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self.broken = False  # the worker processes failed and levels ran in-process
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def run(self, job: LevelJob, workers: int = 1) -> LevelRun:
        workers = min(workers, self.workers, job.concurrency)
        if workers <= 1:
            return _run_part(job)
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        parts = split_job(job, workers)
        try:
            futures = [self._pool.submit(_run_part, part) for part in parts]
            return merge(job.concurrency, [f.result() for f in futures])
        except BrokenProcessPool:
            # Workers could not start or died (e.g. an unguarded __main__): carry on in-process;
            # the CPU watch then flags the levels one core cannot drive.
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            self.workers = 1
            self.broken = True
            return _run_part(job)
