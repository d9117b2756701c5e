"""Which pool to measure at the target, and which measured better.

Candidates at the target concurrency, on the user's library: HTTP/1.1 with a kept-alive
connection per request; HTTP/2 with ceil(target / streams) connections when the server offers
it and the library speaks it; and, for httpx 0.x above 20 in flight, a 20-connection pool that
queues the rest (httpx 0.28 was measured spending its CPU scanning a larger keep-alive pool,
design.md section 5: the small pool is measured beside the large one on the installed version,
and advice claims the cost only when this run measured it). The better is decided by errors,
then latency (p50 + p99), then client CPU.
"""

from __future__ import annotations

import math

from pooltune.model import PoolSettings, ProtocolRun

HTTP1 = "HTTP/1.1"
HTTP2 = "HTTP/2"
HTTP1_SMALL = "HTTP/1.1 small pool"
HTTPX0_CHEAP_POOL = 20  # httpx 0.28's default keep-alive pool: where its scanning stays cheap
ERROR_MARGIN = 0.01  # one more error in a hundred decides before latency
TIE = 0.05  # latency scores within 5% are a tie, decided by CPU, then by simplicity


def httpx_scans_pool(library: str, version: str) -> bool:
    """httpx below 1.0 (0.28): its pool scan costs CPU per request per kept-alive connection."""
    return library == "httpx" and version.split(".")[0] == "0"


def candidates(
    library: str,
    version: str,
    concurrency: int,
    offers_http2: bool,
    supports_http2: bool,
    streams: int | None,
) -> dict[str, tuple[PoolSettings, int]]:
    """label -> (pool, connections) to run at ``concurrency``."""
    out: dict[str, tuple[PoolSettings, int]] = {
        HTTP1: (PoolSettings.probing(concurrency), concurrency)
    }
    if offers_http2 and supports_http2:
        n = max(1, math.ceil(concurrency / (streams or 100)))
        out[HTTP2] = (PoolSettings.probing(n, http2=True), n)
    if httpx_scans_pool(library, version) and concurrency > HTTPX0_CHEAP_POOL:
        small = HTTPX0_CHEAP_POOL
        out[HTTP1_SMALL] = (PoolSettings.probing(small), small)
    return out


def label_of(label: str, connections: int, concurrency: int) -> str:
    if label == HTTP2:
        return f"HTTP/2, {connections} connection{'s' * (connections != 1)}"
    if label == HTTP1_SMALL:
        return f"HTTP/1.1, {connections} connections kept alive (the rest of {concurrency} queue)"
    return f"HTTP/1.1, {connections} connections kept alive"


def _error_rate(run: ProtocolRun) -> float:
    return run.errors / run.requests if run.requests else 1.0


def score(run: ProtocolRun) -> float:
    return run.latency_s.p50 + run.latency_s.p99


def better(a: ProtocolRun, b: ProtocolRun) -> bool:
    """Did ``a`` measure better than ``b``? (b wins ties: pass the simpler one as b)."""
    ea, eb = _error_rate(a), _error_rate(b)
    if abs(ea - eb) > ERROR_MARGIN:
        return ea < eb
    sa, sb = score(a), score(b)
    if abs(sa - sb) > TIE * max(sa, sb):
        return sa < sb
    return a.client_cpu_ms_per_request < 0.8 * b.client_cpu_ms_per_request


def choose(runs: dict[str, ProtocolRun]) -> str | None:
    """The label of the best run; HTTP/1.1 (the simplest, first) keeps ties. Only runs that
    completed a request are compared: None when none did (nothing was measured)."""
    measured = {label: run for label, run in runs.items() if run.requests > run.errors}
    if not measured:
        return None
    best = next(iter(measured))
    for label, run in measured.items():
        if label != best and better(run, measured[best]):
            best = label
    return best
