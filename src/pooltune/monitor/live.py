"""`pooltune monitor --live`: a refreshing table (rich) of every pool the command uses."""

from __future__ import annotations

from typing import Any

from pooltune.monitor.advice import pool_label
from pooltune.monitor.model import PoolSnapshot, Snapshot


def _limit(value: Any) -> str:
    return "-" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


class RateTracker:
    """New-connection share over the last refresh, per pool (the totals hide changes)."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[int, int]] = {}

    def rate(self, pool: PoolSnapshot) -> float | None:
        key = pool_label(pool)
        before = self._last.get(key, (0, 0))
        self._last[key] = (pool.requests, pool.connections_opened)
        requests = pool.requests - before[0]
        if requests <= 0:
            return None
        return (pool.connections_opened - before[1]) / requests


def table(snapshot: Snapshot, rates: RateTracker, title: str = "pooltune monitor") -> Any:
    from rich.table import Table

    grid = Table(title=title, title_justify="left", expand=False)
    for name, justify in (
        ("pool", "left"),
        ("origin", "left"),
        ("in flight", "right"),
        ("waiting", "right"),
        ("active", "right"),
        ("idle", "right"),
        ("limits", "right"),
        ("wait p50", "right"),
        ("wait p99", "right"),
        ("new conn", "right"),
        ("requests", "right"),
        ("errors", "left"),
    ):
        grid.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for pool in snapshot.pools:
        lim = pool.limits
        rate = rates.rate(pool)
        errors = f"{pool.errors}"
        detail = [
            f"{pool.pool_timeouts} PoolTimeout" if pool.pool_timeouts else "",
            f"{pool.reuse_failures} reuse" if pool.reuse_failures else "",
        ]
        extra = ", ".join(d for d in detail if d)
        name = pool.client + (f" [{pool.name}]" if pool.name else "")
        grid.add_row(
            name + (" [bold red]STUCK[/]" if pool.stuck else ""),
            pool.origin.split("://", 1)[-1],
            str(pool.in_flight),
            str(pool.waiting),
            str(pool.open.active),
            str(pool.open.idle),
            f"{_limit(lim.max_connections)}/{_limit(lim.max_keepalive_connections)}/"
            f"{_limit(lim.keepalive_expiry)}",
            f"{pool.wait_s.p50 * 1000:.1f} ms",
            f"{pool.wait_s.p99 * 1000:.1f} ms",
            "-" if rate is None else f"{rate:.0%}",
            str(pool.requests),
            errors + (f" ({extra})" if extra else ""),
        )
    if not snapshot.pools:
        grid.add_row("(no HTTP client used yet)", *[""] * 11)
    return grid


def render(snapshot: Snapshot, rates: RateTracker) -> Any:
    from rich.console import Group
    from rich.text import Text

    parts: list[Any] = [table(snapshot, rates)]
    for item in snapshot.advice:
        line = Text(f"! {item.pool}: {item.why}", style="yellow")
        line.no_wrap = True
        line.overflow = "ellipsis"
        parts.append(line)
    return Group(*parts)
