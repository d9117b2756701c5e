"""How many requests a connection carries before the server closes it.

Measured on long-lived connections of the recommended protocol (one client, a pool that never
closes a connection itself): over HTTP/1.1 a response carrying `Connection: close` ends its
connection's run; over HTTP/2 a connection replaced by a new one was retired by the server
(GOAWAY). Either is a response, never an error.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict

from pooltune.model import ConnectionCloses, HttpVersion, LevelSamples


def connection_lifetime(
    level: LevelSamples, protocol: HttpVersion
) -> tuple[ConnectionCloses, int | None]:
    per_conn: dict[int, int] = defaultdict(int)
    first_seen: dict[int, float] = {}
    closed_runs: list[int] = []
    for sample in sorted(level.samples, key=lambda s: s.started_s):
        if sample.conn is None or sample.status is None:
            continue
        per_conn[sample.conn] += 1
        first_seen.setdefault(sample.conn, sample.started_s)
        if sample.closed:
            closed_runs.append(per_conn[sample.conn])
    goaway = 0
    if protocol == "HTTP/2":
        # every connection but the newest `pool size` ones was retired under us
        order = sorted(per_conn, key=lambda c: first_seen[c])
        kept = max(1, len({s.conn for s in level.samples[-level.concurrency :] if s.conn}))
        retired = order[: max(0, len(order) - kept)]
        goaway = len(retired)
        runs = [per_conn[c] for c in retired]
        if len(runs) >= 2:
            # streams in flight when the server retired it finish on it or fail, so runs vary
            # by up to the streams in flight: the median is the server's number, about
            return _closes(level, protocol, goaway, per_conn), round(statistics.median(runs))
        closed_runs += runs
    closes = _closes(level, protocol, goaway, per_conn)
    closes.closed_runs = sorted(closed_runs)
    return closes, max_requests(closed_runs)


def _closes(
    level: LevelSamples, protocol: HttpVersion, goaway: int, per_conn: dict[int, int]
) -> ConnectionCloses:
    return ConnectionCloses(
        connection_close=sum(1 for s in level.samples if s.closed),
        goaway=goaway,
        requests=len(level.samples),
        protocol=protocol,
        longest_run=max(per_conn.values(), default=0),
    )


def max_requests(closed_runs: list[int]) -> int | None:
    """The run length at which connections were closed most often, seen at least twice (one
    close may have other reasons)."""
    if not closed_runs:
        return None
    value, times = Counter(closed_runs).most_common(1)[0]
    return value if times >= 2 else None


AGREE_SHARE = 0.5  # at least half the closes at one count, else the count is not the server's


def lifetime_inconclusive(closed_runs: list[int]) -> str | None:
    """Why the closes seen name no count of requests per connection (None: they do, or there
    were none)."""
    if not closed_runs:
        return None
    value, times = Counter(closed_runs).most_common(1)[0]
    if times < 2:
        return (
            f"one close after {closed_runs[0]} requests, not seen again on another connection"
            if len(closed_runs) == 1
            else f"closes after differing counts ({', '.join(map(str, sorted(closed_runs)))})"
        )
    if times < AGREE_SHARE * len(closed_runs):
        return (
            f"only {times} of {len(closed_runs)} closes came after {value} requests: the others "
            "are not the server's count"
        )
    return None
