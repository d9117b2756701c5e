"""The simulator's own counters: what tests and `recommend --validate` compare against."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

CloseReason = Literal["idle", "max_requests", "client", "reset", "shutdown"]


@dataclass
class Connection:
    """One TCP connection. It counts in the stats once it carries an API request, so the
    /_sim/* control calls of tests and `recommend --validate` never skew the counters."""

    peer: tuple[str, int]
    counted: bool = False
    http_version: str = "HTTP/1.1"
    requests: int = 0
    in_flight: int = 0
    close_reason: CloseReason | None = None
    retire: bool = False  # max requests reached: close once idle


@dataclass
class SimStats:
    connections_opened: int = 0
    connections_closed_idle: int = 0
    connections_closed_max_requests: int = 0
    connections_closed_by_client: int = 0
    connections_reset: int = 0
    requests: int = 0
    status: dict[str, int] = field(default_factory=dict)
    peak_in_flight: int = 0
    peak_connections: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    in_flight: int = 0
    open: dict[tuple[str, int], Connection] = field(default_factory=dict)

    def accepted(self, peer: tuple[str, int]) -> Connection:
        conn = Connection(peer)
        self.open[peer] = conn
        return conn

    def count(self, conn: Connection) -> None:
        """The connection's first API request: from now on it is in the counters."""
        if not conn.counted:
            conn.counted = True
            self.connections_opened += 1
            live = sum(1 for c in self.open.values() if c.counted)
            self.peak_connections = max(self.peak_connections, live)

    def closed(self, conn: Connection) -> None:
        self.open.pop(conn.peer, None)
        if not conn.counted:
            return
        reason = conn.close_reason or "client"
        if reason == "idle":
            self.connections_closed_idle += 1
        elif reason == "max_requests":
            self.connections_closed_max_requests += 1
        elif reason == "reset":
            self.connections_reset += 1
        elif reason == "client":
            self.connections_closed_by_client += 1

    def answered(self, status: int) -> None:
        key = str(status)
        self.status[key] = self.status.get(key, 0) + 1

    def reset(self) -> None:
        """Counters to zero; open connections and requests in flight stay as they are."""
        fresh = SimStats(in_flight=self.in_flight, open=self.open)
        fresh.peak_in_flight = self.in_flight
        for conn in self.open.values():
            conn.counted = False  # re-counted when they carry their next request
        self.__dict__.update(fresh.__dict__)

    def snapshot(self) -> dict[str, object]:
        return {
            "connections_opened": self.connections_opened,
            "connections_closed_idle": self.connections_closed_idle,
            "connections_closed_max_requests": self.connections_closed_max_requests,
            "connections_closed_by_client": self.connections_closed_by_client,
            "connections_reset": self.connections_reset,
            "connections_open": sum(1 for c in self.open.values() if c.counted),
            "requests": self.requests,
            "status": dict(self.status),
            "peak_in_flight": self.peak_in_flight,
            "peak_connections": self.peak_connections,
            "faults": dict(self.faults),
        }
