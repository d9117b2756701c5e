"""Bounded load at one concurrency level, in this process or spread over worker processes.

Every loop stops by itself: a level ends when its request budget is spent or its deadline
passes. The runner measures its own CPU (process time / wall time) so a plateau caused by the
prober is never reported as the server's.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import math
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from pooltune.probe.target import ProbeRequest
from pooltune.probe.trace import ChunkTimer, RequestTrace
from pooltune.recommend.model import LevelSamples, RequestSample

REFUSAL_STATUSES = frozenset({429, 503})


def pick_engine() -> str:
    """httpx2 where it installs (Python 3.11+): ~5x the requests per core of httpx 0.28 over
    HTTP/1.1 with a full keep-alive pool (bench/results/recommend.md); httpx otherwise."""
    try:
        importlib.import_module("httpx2")
    except ImportError:
        return "httpx"
    return "httpx2"


@dataclass(frozen=True)
class ClientSettings:
    """The pool a level runs with (the probe's own, or an arm of the validation A/B)."""

    max_connections: int | None
    max_keepalive_connections: int | None
    keepalive_expiry: float | None = 5.0
    http2: bool = False
    timeout: float = 30.0
    # connect, read, write, pool; None: `timeout` for all four
    timeouts: tuple[float, float, float, float] | None = None


@dataclass(frozen=True)
class LevelJob:
    request: ProbeRequest
    engine: str
    concurrency: int
    max_requests: int
    deadline_s: float  # seconds from the start of the job
    client: ClientSettings
    level: int
    epoch: float  # perf_counter of the probe start, for RequestSample.started_s (same host)


def error_class(exc: BaseException) -> str:
    """A short, secret-free name for what went wrong (never the exception text)."""
    name = type(exc).__name__
    snake = "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
    return snake.removesuffix("_error") or "error"


@dataclass
class ConnectionUse:
    """Requests per connection (keyed by our local address), and the counts at which the server
    said `Connection: close` on a successful response: its max-requests-per-connection."""

    counts: dict[Any, int] = field(default_factory=dict)
    closed_after: list[int] = field(default_factory=list)

    def note(self, response: Any) -> None:
        stream = response.extensions.get("network_stream")
        key = stream.get_extra_info("client_addr") if stream is not None else None
        if key is None:
            return
        self.counts[key] = count = self.counts.get(key, 0) + 1
        closing = response.headers.get("connection", "").lower() == "close"
        if closing and 200 <= response.status_code < 300:
            self.closed_after.append(count)


async def _one(
    client: Any, job: LevelJob, rate_limit_headers: dict[str, str], use: ConnectionUse
) -> RequestSample:
    trace = RequestTrace()
    extensions = {"trace": trace}
    req = job.request
    status: int | None = None
    error: str | None = None
    version = None
    extra: dict[str, float] = {}
    try:
        if req.streaming:
            timer = ChunkTimer(trace.started)
            async with client.stream(
                req.method, req.url, extensions=extensions, **req.send_kwargs()
            ) as response:
                async for chunk in response.aiter_raw():
                    timer.chunk(chunk)
            extra = timer.phases()
        else:
            response = await client.request(
                req.method, req.url, extensions=extensions, **req.send_kwargs()
            )
        status = response.status_code
        version = response.http_version
        use.note(response)
        if status >= 400:
            error = f"http_{status}"
        for name, value in response.headers.items():
            if "ratelimit" in name or name == "retry-after":
                rate_limit_headers[name] = value
    except Exception as exc:  # every failure is a measurement, never a crash
        error = error_class(exc)
    total = time.perf_counter() - trace.started
    phases = trace.phases() | extra
    return RequestSample(
        level=job.level,
        started_s=trace.started - job.epoch,
        total_s=total,
        status=status,
        error=error,
        new_connection=trace.new_connection,
        http_version=version if version in ("HTTP/1.1", "HTTP/2") else None,
        phases=phases,
    )


def make_client(engine: str, request: ProbeRequest, settings: ClientSettings) -> Any:
    hx = importlib.import_module(engine)
    limits = hx.Limits(
        max_connections=settings.max_connections,
        max_keepalive_connections=settings.max_keepalive_connections,
        keepalive_expiry=settings.keepalive_expiry,
    )
    if settings.timeouts is None:
        timeout = hx.Timeout(settings.timeout)
    else:
        connect, read, write, pool = settings.timeouts
        timeout = hx.Timeout(connect=connect, read=read, write=write, pool=pool)
    return hx.AsyncClient(
        http2=settings.http2,
        limits=limits,
        timeout=timeout,
        **request.client_kwargs(),
    )


@dataclass
class LevelRun:
    level: LevelSamples
    headers: dict[str, str]  # rate-limit headers seen
    started: int  # requests sent, including any cut off at the deadline
    closed_after: list[int] = field(default_factory=list)  # see ConnectionUse


async def run_level_async(job: LevelJob) -> LevelRun:
    """Run `job.concurrency` workers until the budget or the deadline on a fresh client."""
    async with make_client(job.engine, job.request, job.client) as client:
        return await run_on_client(client, job)


async def run_on_client(client: Any, job: LevelJob) -> LevelRun:
    """Bounded load on an open client (the A/B validation keeps one client per arm)."""
    samples: list[RequestSample] = []
    headers: dict[str, str] = {}
    use = ConnectionUse()
    budget = [job.max_requests]
    start = time.perf_counter()
    deadline = start + job.deadline_s
    cpu0 = time.process_time()

    async def worker() -> None:
        while budget[0] > 0 and time.perf_counter() < deadline:
            budget[0] -= 1
            sample = await _one(client, job, headers, use)
            samples.append(sample)
            if sample.status in REFUSAL_STATUSES and "retry-after" in headers:
                # Honour Retry-After, within the level's own deadline.
                wait = _retry_after_s(headers["retry-after"])
                await asyncio.sleep(max(0.0, min(wait, deadline - time.perf_counter())))

    remaining = max(0.1, deadline - time.perf_counter())
    # stragglers past the deadline are dropped; the budget still holds
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(
            asyncio.gather(*(worker() for _ in range(job.concurrency))), remaining + 1.0
        )
    wall = time.perf_counter() - start
    cpu = (time.process_time() - cpu0) / wall if wall > 0 else None
    level = LevelSamples(concurrency=job.concurrency, wall_s=wall, samples=samples, prober_cpu=cpu)
    return LevelRun(level, headers, job.max_requests - budget[0], use.closed_after)


def _retry_after_s(value: str) -> float:
    try:
        return min(float(value), 30.0)
    except ValueError:
        return 1.0


def _run_part(job: LevelJob) -> LevelRun:
    return asyncio.run(run_level_async(job))


def split_job(job: LevelJob, workers: int) -> list[LevelJob]:
    """Share concurrency and budget over `workers` processes (never more than concurrency)."""
    workers = max(1, min(workers, job.concurrency))
    jobs = []
    for i in range(workers):
        c = job.concurrency // workers + (1 if i < job.concurrency % workers else 0)
        n = job.max_requests // workers + (1 if i < job.max_requests % workers else 0)
        cap = job.client.max_connections
        share = None if cap is None else max(1, math.ceil(cap * c / job.concurrency))
        keep = job.client.max_keepalive_connections
        keep_share = None if keep is None else max(1, math.ceil(keep * c / job.concurrency))
        client = ClientSettings(
            share,
            keep_share,
            job.client.keepalive_expiry,
            job.client.http2,
            job.client.timeout,
            job.client.timeouts,
        )
        jobs.append(
            LevelJob(job.request, job.engine, c, n, job.deadline_s, client, job.level, job.epoch)
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
    level = LevelSamples(
        concurrency=concurrency,
        wall_s=wall,
        samples=samples,
        prober_cpu=max(cpus) if cpus else None,
    )
    closed = [n for p in parts for n in p.closed_after]
    return LevelRun(level, headers, sum(p.started for p in parts), closed)


class Runner:
    """Runs levels in-process, or over worker processes when one core is not enough.

    The process pool starts on first need, with `spawn`: the parent has threads running (the
    idle probe), and forking a threaded process can copy a held lock into the child.
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
