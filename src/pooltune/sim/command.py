"""`pooltune sim`: flags -> SimSettings -> serve until SIGINT/SIGTERM or --duration."""

from __future__ import annotations

from typing import Annotated

import typer

ServiceDist = str  # fixed|exp|lognormal, validated by SimSettings


def sim(
    host: Annotated[
        str, typer.Option(help="Listen address (loopback unless you say so).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0 picks a free one).")] = 0,
    no_tls: Annotated[bool, typer.Option("--no-tls", help="Plain HTTP, no TLS.")] = False,
    http1_only: Annotated[
        bool, typer.Option("--http1-only", help="Offer only HTTP/1.1 in ALPN.")
    ] = False,
    h2_max_streams: Annotated[
        int, typer.Option(help="HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS.")
    ] = 100,
    rtt_ms: Annotated[float, typer.Option(help="Round-trip time added by a latency proxy.")] = 0.0,
    service_ms: Annotated[float, typer.Option(help="Service time (median), ms.")] = 20.0,
    service_dist: Annotated[str, typer.Option(help="fixed|exp|lognormal.")] = "fixed",
    service_p99_ms: Annotated[
        float | None, typer.Option(help="p99 service time for lognormal.")
    ] = None,
    ttft_ms: Annotated[
        float | None, typer.Option(help="Time to first token when streaming.")
    ] = None,
    token_ms: Annotated[float, typer.Option(help="Gap between streamed tokens, ms.")] = 10.0,
    stream_tokens: Annotated[int, typer.Option(help="Tokens per streamed answer.")] = 8,
    slots: Annotated[
        int | None, typer.Option(help="Requests in service at once; the rest queue.")
    ] = None,
    concurrency_limit: Annotated[
        int | None, typer.Option(help="503 beyond this many in flight.")
    ] = None,
    rate_limit_rpm: Annotated[
        int | None, typer.Option(help="429 beyond this many per minute.")
    ] = None,
    idle_timeout: Annotated[float, typer.Option(help="Close connections idle this long, s.")] = 5.0,
    max_requests_per_connection: Annotated[
        int | None, typer.Option(help="Close after N requests.")
    ] = None,
    fault_reset: Annotated[float, typer.Option(help="Probability of a connection reset.")] = 0.0,
    fault_5xx: Annotated[float, typer.Option(help="Probability of a 500.")] = 0.0,
    fault_stall: Annotated[float, typer.Option(help="Probability of a stalled request.")] = 0.0,
    stall_s: Annotated[float, typer.Option(help="How long a stalled request stalls, s.")] = 60.0,
    seed: Annotated[int | None, typer.Option(help="Seed for service times and faults.")] = None,
    duration: Annotated[float | None, typer.Option(help="Stop after this many seconds.")] = None,
) -> None:
    """Run a simulated OpenAI-compatible API on loopback with real TLS, HTTP/2 and keep-alive."""
    import asyncio
    import os
    import signal
    import sys

    from pydantic import ValidationError

    from pooltune.sim.server import StartupInfo, log, serve
    from pooltune.sim.settings import SimSettings

    values = {k: v for k, v in locals().items() if k in SimSettings.model_fields}
    try:
        settings = SimSettings.model_validate(values)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = "--" + "-".join(str(p) for p in err["loc"]).replace("_", "-")
        typer.echo(f"pooltune sim: error: {field}: {err['msg']}", err=True)
        raise typer.Exit(2) from None
    if not settings.is_loopback:
        log(f"warning: listening on {settings.host}, beyond loopback, because --host says so")

    def on_ready(info: StartupInfo) -> None:
        sys.stdout.write(info.line() + "\n")
        sys.stdout.flush()
        log(f"serving {info.url} (Ctrl-C to stop)")

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        stats = await serve(settings, stop, on_ready, os.getpid())
        requests, connections = stats.requests, stats.connections_opened
        log(
            f"stopped after {requests} request{'s' * (requests != 1)} on {connections} "
            f"connection{'s' * (connections != 1)}"
        )

    try:
        asyncio.run(main())
    except OSError as exc:
        typer.echo(
            f"pooltune sim: error: cannot listen on {settings.host}:{settings.port}: "
            f"{exc.strerror}",
            err=True,
        )
        raise typer.Exit(2) from None
