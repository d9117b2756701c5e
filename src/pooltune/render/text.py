"""The human report: server facts, a table per level, the fit, the advice, validation, warnings."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from pooltune.recommend.model import LevelStats, Report


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.1f}"


def _phase(level: LevelStats, phase: str) -> str:
    stats = level.phases_s.get(phase)
    return _ms(stats.p50) if stats else "-"


def _levels_table(title: str, rows: list[tuple[str, LevelStats]]) -> Table:
    table = Table(title=title, title_justify="left")
    for header in (
        "", "conc.", "requests", "errors", "new conns", "p50 ms", "p90 ms", "p99 ms", "req/s",
        "pool wait", "connect", "tls", "ttfb", "prober CPU",
    ):  # fmt: skip
        table.add_column(header, justify="right")
    for name, lv in rows:
        table.add_row(
            name,
            str(lv.concurrency),
            str(lv.requests),
            str(lv.errors),
            str(lv.new_connections),
            _ms(lv.latency_s.p50),
            _ms(lv.latency_s.p90),
            _ms(lv.latency_s.p99),
            f"{lv.throughput_rps:.0f}",
            _phase(lv, "pool_wait"),
            _phase(lv, "connect"),
            _phase(lv, "tls"),
            _phase(lv, "ttfb"),
            "-" if lv.prober_cpu is None else f"{lv.prober_cpu:.0%}",
        )
    return table


def print_report(report: Report, console: Console) -> None:
    if report.partial:
        console.print(
            "[bold red]PARTIAL REPORT[/]: the run stopped early; values below are what "
            "was measured so far."
        )
    target, server = report.target, report.server
    console.print(
        f"[bold]pooltune recommend[/] {target.url}  target concurrency "
        f"{target.concurrency}{'  (built-in simulator)' if target.simulator else ''}"
    )
    idle = "-" if server.idle_timeout_s is None else f"{server.idle_timeout_s:g} s"
    if server.idle_timeout_s is None and server.idle_timeout_window_s:
        idle = f"longer than {server.idle_timeout_window_s:g} s (probe window)"
    streams = server.max_concurrent_streams
    limit = server.concurrency_limit
    console.print(
        f"server: {server.http_version}"
        + (f", {streams} streams per connection" if streams else "")
        + f"; idle keep-alive timeout {idle}"
        + (f"; takes {limit} in flight, then {server.concurrency_limit_kind}" if limit else "")
        + (
            f"; closes after {server.max_requests_per_connection} requests"
            if server.max_requests_per_connection
            else ""
        )
    )
    if server.rate_limit is not None and server.rate_limit.limit_requests:
        console.print(
            f"rate limit: {server.rate_limit.limit_requests} requests "
            f"(remaining {server.rate_limit.remaining_requests})"
        )
    console.print(
        _levels_table("levels (p50 of each phase, ms)", [("", lv) for lv in report.levels])
    )
    if report.fit is not None:
        fit = report.fit
        line = f"fit: {fit.reason}"
        if fit.optimal_concurrency_ci:
            low, high = fit.optimal_concurrency_ci
            line += f" (95% CI {low:.0f}-{high:.0f})"
        if fit.little_law_max_error is not None:
            line += f"; Little's law holds within {fit.little_law_max_error:.0%}"
        console.print(line)
    rec = report.recommendation
    if rec is not None:
        table = Table(title="recommendation", title_justify="left", show_lines=False)
        table.add_column("setting")
        table.add_column("value", justify="right")
        table.add_column("why")
        t = rec.timeout
        for key, value in (
            ("max_connections", rec.max_connections),
            ("max_keepalive_connections", rec.max_keepalive_connections),
            ("keepalive_expiry", f"{rec.keepalive_expiry:g} s"),
            ("http2", rec.http2),
            ("timeout.connect", f"{t.connect:g} s"),
            ("timeout.read", f"{t.read:g} s"),
            ("timeout.write", f"{t.write:g} s"),
            ("timeout.pool", f"{t.pool:g} s"),
            ("concurrency_semaphore", rec.concurrency_semaphore),
        ):
            if value is not None:
                table.add_row(key, str(value), rec.why.get(key, ""))
        console.print(table)
        for advice in rec.server_advice:
            console.print(f"server-side: {advice}")
    if report.validation is not None:
        v = report.validation
        console.print(
            _levels_table(
                f"validation at concurrency {v.concurrency} (interleaved)",
                [(v.baseline_name, v.baseline), ("recommended", v.recommended)],
            )
        )
        if v.counters_agree is not None:
            console.print(
                "server counters agree with the client's new-connection counts"
                if v.counters_agree
                else "[yellow]server counters differ from the client's counts[/]"
            )
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    console.print(f"{report.requests_sent} requests in {report.duration_s:.1f} s")
