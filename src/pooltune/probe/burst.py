"""The burst probe: N requests released at once, a few rounds per size.

A closed-loop level keeps N workers busy, but round-trip time spreads their arrivals, so a
server that counts only the requests inside it may never see N at once; an application firing
`asyncio.gather` over N calls does (over HTTP/2 its streams leave in one write). To release a
burst as tightly as that, whatever the user's library costs per request, each round opens N
HTTP/1.1 connections first (TLS done), then writes one request on each in a tight loop (a
millisecond or two for 50: a library's own send path took 40-370 ms for 50 on a busy machine,
longer than the service time, and no burst reached the server whole) and reads each status.
Every request says `Connection: close`, so a response ends where the server closes.

The next size comes from the caller's decision function (pooltune.tune.burst), the way a
profile decides the next level from the last result; this module only sends and counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from pooltune.model import REFUSAL_STATUSES, BurstRound
from pooltune.probe.target import ProbeRequest

BURST_ROUNDS = 2  # rounds per size: the server's answer to one burst varies a little
BURST_PAUSE_S = 0.05  # between rounds: the server finishes its accounting of the last one
MAX_RESPONSE_BYTES = 1 << 20  # read at most this much of a response (only its status counts)

NextSize = Callable[[list[BurstRound]], int | None]


@dataclass(frozen=True)
class BurstJob:
    request: ProbeRequest
    size: int
    rounds: int
    deadline_s: float  # seconds for all rounds of this size


def _ssl_context(request: ProbeRequest) -> ssl.SSLContext | None:
    if urlsplit(request.url).scheme != "https":
        return None
    verify = request.ssl_context()
    ctx = verify if isinstance(verify, ssl.SSLContext) else ssl.create_default_context()
    if verify is False:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


def request_bytes(request: ProbeRequest) -> bytes:
    """The probe's request as HTTP/1.1 bytes, closing its connection after the response."""
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    skip = {"host", "connection", "content-length"}
    lines = [f"{request.method} {target} HTTP/1.1", f"Host: {parts.netloc}"]
    lines += [f"{k}: {v}" for k, v in request.headers if k.lower() not in skip]
    body = request.body or b""
    if body or request.method not in ("GET", "HEAD"):
        lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _status(head: bytes) -> int | None:
    """The status of an HTTP/1.1 status line (b"HTTP/1.1 503 Service Unavailable")."""
    fields = head.split(b"\r\n", 1)[0].split(b" ", 2)
    if len(fields) < 2 or not fields[0].startswith(b"HTTP/") or not fields[1].isdigit():
        return None
    return int(fields[1])


async def _answer(reader: asyncio.StreamReader) -> int | None:
    """Read the response to its end (the server closes) and return its status."""
    head = b""
    with contextlib.suppress(OSError, asyncio.IncompleteReadError, ssl.SSLError):
        while len(head) < MAX_RESPONSE_BYTES:
            chunk = await reader.read(65536)
            if not chunk:
                break
            head += chunk if len(head) < 4096 else b""
    return _status(head)


async def release(job: BurstJob, timeout_s: float) -> BurstRound | None:
    """One round: open `size` connections, write all requests at once, read every status.
    None when the round did not finish in `timeout_s`."""
    parts = urlsplit(job.request.url)
    host = parts.hostname or "localhost"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    ctx = _ssl_context(job.request)
    payload = request_bytes(job.request)
    opened: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def burst() -> tuple[list[int | None], float]:
        tried = await asyncio.gather(
            *(
                asyncio.open_connection(host, port, ssl=ctx, server_hostname=host if ctx else None)
                for _ in range(job.size)
            ),
            return_exceptions=True,
        )
        opened.extend(c for c in tried if isinstance(c, tuple))
        started = time.perf_counter()
        for _, writer in opened:
            writer.write(payload)
        spread = time.perf_counter() - started
        return list(await asyncio.gather(*(_answer(reader) for reader, _ in opened))), spread

    try:
        statuses, spread = await asyncio.wait_for(burst(), timeout_s)
    except asyncio.TimeoutError:
        return None
    finally:
        for _, writer in opened:
            writer.close()
    return BurstRound(
        size=job.size,
        refused=sum(1 for s in statuses if s in REFUSAL_STATUSES),
        failed=job.size - len(opened) + sum(1 for s in statuses if s is None),
        release_spread_s=round(spread, 4),
    )


async def run_bursts(job: BurstJob) -> tuple[list[BurstRound], int]:
    """(the rounds that finished, requests sent)."""
    rounds: list[BurstRound] = []
    sent = 0
    deadline = time.perf_counter() + job.deadline_s
    for _ in range(job.rounds):
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            break
        sent += job.size
        found = await release(job, remaining)
        if found is None:
            break
        rounds.append(found)
        await asyncio.sleep(BURST_PAUSE_S)
    return rounds, sent
