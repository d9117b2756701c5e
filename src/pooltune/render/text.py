"""The human report, as plain text: readable at 80 columns and in a file (no cell is ever cut),
every phase column with `wide=True`."""

from __future__ import annotations

import io
import textwrap

from rich import box
from rich.console import Console
from rich.table import Table

from pooltune.model import LevelStats, ProtocolRun, Report


def _ms(value: float | None) -> str:
    return (
        "-" if value is None else f"{value * 1000:,.1f}" if value < 10 else f"{value * 1000:,.0f}"
    )


def _phase(level: LevelStats | ProtocolRun, phase: str) -> str:
    stats = level.phases_s.get(phase)
    return _ms(stats.p50) if stats else "-"


NARROW = ("conc.", "in flight", "requests", "errors", "new conns", "p50 ms", "p99 ms", "req/s")
WIDE_EXTRA = ("p90 ms", "pool wait", "connect", "tls", "ttfb", "ttft", "max gap", "CPU")


def _table(title: str, first: str | None = None) -> Table:
    table = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    if first is not None:
        table.add_column(first, no_wrap=True)
    return table


def _levels_table(title: str, rows: list[LevelStats], wide: bool) -> Table:
    table = _table(title)
    for header in NARROW + (WIDE_EXTRA if wide else ()):
        table.add_column(header, justify="right", no_wrap=True)
    for lv in rows:
        flight = "-" if lv.in_flight is None else f"{lv.in_flight.mean:.1f}"
        mark = "*" if lv.prober_bound else ""
        cells = [
            f"{lv.concurrency}{mark}",
            flight,
            str(lv.requests),
            str(lv.errors),
            str(lv.new_connections),
            _ms(lv.latency_s.p50),
            _ms(lv.latency_s.p99),
            f"{lv.throughput_rps:,.0f}",
        ]
        if wide:
            cells += [_ms(lv.latency_s.p90)] + [
                _phase(lv, p) for p in ("pool_wait", "connect", "tls", "ttfb", "ttft", "max_gap")
            ]
            cells.append("-" if lv.prober_cpu is None else f"{lv.prober_cpu:.0%}")
        table.add_row(*cells)
    return table


def _validation_table(title: str, rows: list[tuple[str, LevelStats]], wide: bool) -> Table:
    table = _table(title, "")
    headers = ("requests", "errors", "new conns", "p50 ms", "p90 ms", "p99 ms", "req/s")
    for header in headers + (("pool wait", "connect", "tls", "ttfb") if wide else ()):
        table.add_column(header, justify="right", no_wrap=True)
    for name, lv in rows:
        cells = [
            name,
            str(lv.requests),
            str(lv.errors),
            str(lv.new_connections),
            _ms(lv.latency_s.p50),
            _ms(lv.latency_s.p90),
            _ms(lv.latency_s.p99),
            f"{lv.throughput_rps:,.0f}",
        ]
        if wide:
            cells += [_phase(lv, p) for p in ("pool_wait", "connect", "tls", "ttfb")]
        table.add_row(*cells)
    return table


def _protocols_table(runs: list[ProtocolRun], wide: bool) -> Table:
    table = _table(f"protocols at {runs[0].concurrency} in flight (interleaved)", "")
    for header in ("conns", "requests", "errors", "new", "p50 ms", "p99 ms", "CPU ms/req"):
        table.add_column(header, justify="right", no_wrap=True)
    if wide:
        table.add_column("p90 ms", justify="right", no_wrap=True)
    for run in runs:
        name = ("> " if run.chosen else "  ") + (
            run.http_version if run.candidate != "HTTP/1.1 small pool" else "HTTP/1.1 small"
        )
        cells = [
            name,
            str(run.connections),
            str(run.requests),
            str(run.errors),
            str(run.new_connections),
            _ms(run.latency_s.p50),
            _ms(run.latency_s.p99),
            f"{run.client_cpu_ms_per_request:.2f}",
        ]
        if wide:
            cells.append(_ms(run.latency_s.p90))
        table.add_row(*cells)
    return table


def _wrap(console: Console, text: str, indent: str = "") -> None:
    width = max(40, console.width)
    for line in textwrap.wrap(
        text, width, initial_indent=indent, subsequent_indent=indent + "  ", break_on_hyphens=False
    ):
        console.print(line, markup=False, highlight=False, soft_wrap=True)


def print_report(report: Report, console: Console, wide: bool = False) -> None:
    def say(text: str, indent: str = "") -> None:
        _wrap(console, text, indent)

    if report.partial:
        say("PARTIAL REPORT: the run stopped early; values below are what was measured so far.")
    target, server = report.target, report.server
    say(
        f"pooltune recommend {target.url}, target concurrency {target.concurrency}"
        + ("  (built-in simulator)" if target.simulator else "")
    )
    if report.client is not None:
        say(f"client: {report.client.library} {report.client.version} ({report.client.source})")
    if report.discovery is not None:
        d = report.discovery
        say(
            f"discovery: {d.engine} over {d.processes} process{'es' * (d.processes != 1)} "
            "(the server's limits, queues and lifetime)"
        )
    if report.prober is not None and report.prober.headroom:
        say(report.prober.headroom)
    if report.machine is not None:
        m = report.machine
        load = "-" if m.load_1m is None else f"{m.load_1m:.2f}"
        steal = "" if not m.steal_share else f", CPU steal up to {m.steal_share:.0%}"
        say(f"machine: {m.cores} cores, load (1 min) up to {load}{steal}")
    idle = "-" if server.idle_timeout_s is None else f"{server.idle_timeout_s:g} s"
    if server.idle_timeout_s is None and server.idle_timeout_window_s:
        idle = f"longer than {server.idle_timeout_window_s:g} s (probe window)"
    if server.keeps_alive is False:
        idle = "none: the server does not keep connections alive"
    streams = server.max_concurrent_streams
    limit = server.concurrency_limit
    facts = [server.http_version + (f", {streams} streams per connection" if streams else "")]
    facts.append(f"idle keep-alive timeout {idle}")
    if limit:
        runs = server.concurrency_limit_runs
        spread = f" (runs: {', '.join(map(str, runs))})" if len(runs) > 1 else ""
        facts.append(
            f"takes {limit} requests in flight, then {server.concurrency_limit_kind}{spread}"
        )
    if server.max_requests_per_connection:
        facts.append(f"closes a connection after {server.max_requests_per_connection} requests")
    say("server: " + "; ".join(facts))
    for name, why in report.inconclusive.items():
        say(f"inconclusive: {name}: {why}")
    if server.burst is not None and server.burst.evidence:
        say("bursts: " + server.burst.evidence)
    if server.rate_limit is not None and server.rate_limit.limit_requests:
        say(
            f"rate limit: {server.rate_limit.limit_requests} requests per minute "
            f"(remaining {server.rate_limit.remaining_requests})"
        )
    if server.dns is not None:
        say(f"dns: {server.dns.host} resolves in {server.dns.lookup_s * 1000:.2f} ms")
    if report.levels:
        console.print(
            _levels_table(
                "sweep (HTTP/1.1, ms; * = prober-bound)"
                if not wide
                else "sweep (HTTP/1.1; p50 of each phase, ms; * = prober-bound)",
                report.levels,
                wide,
            )
        )
    for note in report.notes:
        say(f"note: {note}")
    if report.fit is not None:
        fit = report.fit
        line = f"fit: {fit.reason}"
        if fit.optimal_concurrency_ci:
            low, high = fit.optimal_concurrency_ci
            line += f" (95% CI {low:.0f}-{high:.0f})"
        if fit.little_law_max_error is not None:
            line += f"; Little's law holds within {fit.little_law_max_error:.0%}"
        say(line)
    if report.protocols:
        console.print(_protocols_table(report.protocols, wide))
    rec = report.recommendation
    if rec is not None:
        console.print("")
        say(
            f"recommendation for {rec.library}"
            + (f", {rec.replicas} replicas" if rec.replicas > 1 else "")
        )
        t = rec.timeout
        rows: list[tuple[str, object]] = [
            ("max_connections", rec.max_connections),
            ("max_keepalive_connections", rec.max_keepalive_connections),
            ("keepalive_expiry", f"{rec.keepalive_expiry:g} s"),
            ("http2", rec.http2),
            ("timeout.connect", f"{t.connect:g} s"),
            ("timeout.read", f"{t.read:g} s"),
            ("timeout.write", f"{t.write:g} s"),
            ("timeout.pool", f"{t.pool:g} s"),
            ("concurrency_semaphore", rec.concurrency_semaphore),
            ("rate_limit_rps", rec.rate_limit_rps),
            (
                "retry",
                None
                if rec.retry is None
                else f"{rec.retry.max_attempts}x, {rec.retry.backoff_s:g} s",
            ),
            (
                "tcp_keepalive",
                None if rec.tcp_keepalive is None else f"{rec.tcp_keepalive.idle_s} s",
            ),
            ("ttl_dns_cache", None if rec.ttl_dns_cache is None else f"{rec.ttl_dns_cache} s"),
        ]
        for key, value in rows:
            if value is None:
                continue
            say(f"{key} = {value}", "  ")
            if key in rec.why:
                say(rec.why[key], "      ")
        for advice in rec.client_advice:
            say(f"client: {advice}")
        for advice in rec.server_advice:
            say(f"server-side: {advice}")
        say(f"paste-ready {rec.library} code with these values: --format snippet")
    if report.validation is not None:
        v = report.validation
        console.print(
            _validation_table(
                f"validation at concurrency {v.concurrency} (interleaved)",
                [("baseline", v.baseline), ("recommended", v.recommended)],
                wide,
            )
        )
        base = v.baseline_settings
        say(f"baseline: {v.baseline_name}" + (f" ({base.describe()})" if base else ""))
        if v.counters_agree is not None:
            say(
                "server counters agree with the client's new-connection counts"
                if v.counters_agree
                else "server counters differ from the client's counts"
            )
        if v.inconclusive is not None:
            say(f"validation inconclusive: {v.inconclusive}")
    for warning in report.warnings:
        say(f"warning: {warning}")
    say(f"{report.requests_sent} requests in {report.duration_s:.1f} s")


def render_text(report: Report, width: int = 80, wide: bool = False) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer, width=width, color_system=None, force_terminal=False, highlight=False
    )
    print_report(report, console, wide)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"
