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


# (header, justify, width): two-line headers keep the numeric columns narrow; the widths add
# up (with a space between columns) to LIVE_WIDTH, like recommend's text report.
LIVE_WIDTH = 80
POOL_WIDTH = 22
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("in\nflight", "right", 6),
    ("queued", "right", 6),
    ("open\nact/idle", "right", 8),
    ("wait ms\np50/p99", "right", 11),
    ("new\nconn", "right", 4),
    ("requests", "right", 8),
    ("errors", "right", 7),
)


def table(snapshot: Snapshot, rates: RateTracker, title: str = "pooltune monitor") -> Any:
    """Every pool in LIVE_WIDTH columns: its name, origin and limits wrap inside the first
    column; nothing is cut with an ellipsis."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    grid = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=0,  # the box puts one space between columns
        expand=False,
    )
    grid.add_column("pool", justify="left", width=POOL_WIDTH, overflow="fold")
    for name, justify, width in COLUMNS:
        grid.add_column(name, justify=justify, width=width, no_wrap=True)  # type: ignore[arg-type]
    for pool in snapshot.pools:
        lim = pool.limits
        rate = rates.rate(pool)
        name = pool.client + (f" [{pool.name}]" if pool.name else "")
        limits = (
            f"{_limit(lim.max_connections)}/{_limit(lim.max_keepalive_connections)}/"
            f"{_limit(lim.keepalive_expiry)}s"
        )
        cell = Text(name)  # a Text, not markup: a pool name may hold [brackets]
        if pool.stuck:
            cell.append(" STUCK", style="bold red")
        cell.append(f"\n{pool.origin.split('://', 1)[-1]}\nlimits {limits}", style="dim")
        grid.add_row(
            cell,
            str(pool.in_flight),
            str(pool.waiting),
            f"{pool.open.active}/{pool.open.idle}",
            f"{_ms(pool.wait_s.p50)}/{_ms(pool.wait_s.p99)}",
            "-" if rate is None else f"{rate:.0%}",
            str(pool.requests),
            _errors(pool),
        )
    if not snapshot.pools:
        grid.add_row("(no client used yet)", *[""] * len(COLUMNS))
    return grid


def _ms(seconds: float) -> str:
    ms = seconds * 1000
    return f"{ms:.1f}" if ms < 100 else f"{ms:.0f}"


def _errors(pool: PoolSnapshot) -> str:
    """The count, then what kinds (one per line, in the column's width)."""
    lines = [str(pool.errors)]
    if pool.pool_timeouts:
        lines.append(f"{pool.pool_timeouts} pool")
    if pool.reuse_failures:
        lines.append(f"{pool.reuse_failures} reuse")
    return "\n".join(lines)


def render(snapshot: Snapshot, rates: RateTracker) -> Any:
    from rich.console import Group
    from rich.text import Text

    parts: list[Any] = [table(snapshot, rates)]
    for item in snapshot.advice:
        # wrapped by rich itself: a line the terminal wraps would throw the redraw off by one
        # and leave stale copies of the table above it
        parts.append(Text(f"! {item.pool}: {item.why}", style="yellow"))
    return Group(*parts)
