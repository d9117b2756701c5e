"""`pooltune recommend`: probe a live API (or the built-in simulator) and recommend pool settings.

The flow: settings -> preflight (one request; exit 2 on a bad target) -> plan on stderr -> sweep
with the idle probe beside it -> summarize/fit/advise (pooltune.tune) -> optional A/B validation
-> render (pooltune.render) -> stdout. Heavy imports stay inside the function bodies.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from pydantic import BaseModel, ConfigDict, Field, ValidationError

if TYPE_CHECKING:
    from rich.console import Console

    from pooltune.probe.session import ProbeOutcome, ProbeSession
    from pooltune.recommend.model import Recommendation, Report, Target

Format = Literal["text", "json", "httpx", "aiohttp", "openai", "toml"]
FORMATS = ("text", "json", "httpx", "aiohttp", "openai", "toml")


class RecommendSettings(BaseModel):
    """`[tool.pooltune.recommend]` in the nearest pyproject.toml (flags override it)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    url: str | None = None
    method: str = "POST"
    headers: list[str] = Field(default_factory=list, alias="header")
    json_body: str | None = Field(default=None, alias="json")
    ca_bundle: str | None = Field(default=None, alias="ca-bundle")
    insecure: bool = False
    target_concurrency: int = Field(default=50, ge=1, le=10_000, alias="target-concurrency")
    max_requests: int = Field(default=3000, ge=10, alias="max-requests")
    max_duration: float = Field(default=55.0, gt=0, le=3600, alias="max-duration")
    idle_window: float = Field(default=60.0, gt=0, le=3600, alias="idle-window")
    validate_: bool = Field(default=False, alias="validate")
    baseline: str | None = None
    format: Format = "text"
    output: str | None = None
    plot: str | None = None


class UsageError(Exception):
    """Bad flags or configuration: one line on stderr, exit 2."""


def _pyproject_settings(start: Path) -> dict[str, Any]:
    from pooltune._toml import tomllib

    for folder in (start, *start.parents):
        path = folder / "pyproject.toml"
        if path.is_file():
            try:
                data = tomllib.loads(path.read_text())
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise UsageError(f"{path}: cannot read TOML ({exc})") from None
            table = data.get("tool", {}).get("pooltune", {}).get("recommend", {})
            if not isinstance(table, dict):
                raise UsageError(f"{path}: [tool.pooltune.recommend] must be a table")
            return {str(k).replace("_", "-"): v for k, v in table.items()}
    return {}


def load_settings(flags: dict[str, Any], cwd: Path) -> RecommendSettings:
    merged = _pyproject_settings(cwd)
    merged.update({k: v for k, v in flags.items() if v is not None})
    try:
        return RecommendSettings.model_validate(merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "settings"
        if err["type"] == "extra_forbidden":
            raise UsageError(f"[tool.pooltune.recommend]: unknown key {where!r}") from None
        raise UsageError(f"{where}: {err['msg']}") from None


def _body(json_arg: str | None) -> bytes | None:
    if json_arg is None:
        return None
    import json

    text = json_arg
    if json_arg.startswith("@"):
        try:
            text = Path(json_arg[1:]).read_text()
        except OSError as exc:
            raise UsageError(f"--json {json_arg}: cannot read it ({exc.strerror})") from None
    try:
        json.loads(text)
    except ValueError:
        raise UsageError("--json: not valid JSON") from None
    return text.encode()


def _status(console: Console, message: str) -> None:
    console.print(message, markup=False, highlight=False, soft_wrap=True)


def recommend(
    url: Annotated[
        str | None, typer.Option("--url", help="The API endpoint (default: pooltune sim).")
    ] = None,
    method: Annotated[
        str | None, typer.Option("--method", help="HTTP method (default POST).")
    ] = None,
    header: Annotated[
        list[str] | None,
        typer.Option(
            "--header", help="'Name: value', repeatable; $VAR expands from the environment."
        ),
    ] = None,
    json_body: Annotated[
        str | None, typer.Option("--json", help="Request body: JSON or @file.")
    ] = None,
    ca_bundle: Annotated[
        str | None, typer.Option("--ca-bundle", help="PEM CA file to trust.")
    ] = None,
    insecure: Annotated[
        bool | None, typer.Option("--insecure", help="Skip TLS verification (warns).")
    ] = None,
    target_concurrency: Annotated[
        int | None,
        typer.Option(
            "--target-concurrency", help="Concurrent requests your app needs (default 50)."
        ),
    ] = None,
    max_requests: Annotated[
        int | None, typer.Option("--max-requests", help="Hard budget of requests (default 3000).")
    ] = None,
    max_duration: Annotated[
        float | None,
        typer.Option("--max-duration", help="Hard time budget in seconds (default 55)."),
    ] = None,
    validate: Annotated[
        bool | None, typer.Option("--validate", help="A/B the recommendation against the baseline.")
    ] = None,
    baseline: Annotated[
        str | None,
        typer.Option("--baseline", help="TOML of your current settings (default: httpx defaults)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan and send nothing.")
    ] = False,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="text|json|httpx|aiohttp|openai|toml (default text)."),
    ] = None,
    output: Annotated[
        str | None, typer.Option("--output", help="Write the output to this file.")
    ] = None,
    plot: Annotated[str | None, typer.Option("--plot", help="Draw the curves to this PNG.")] = None,
) -> None:
    """Probe a live API and recommend HTTP connection-pool settings, with evidence."""
    from rich.console import Console

    console = Console(stderr=True, highlight=False)
    flags = {
        "url": url,
        "method": method,
        "header": header or None,
        "json": json_body,
        "ca-bundle": ca_bundle,
        "insecure": insecure,
        "target-concurrency": target_concurrency,
        "max-requests": max_requests,
        "max-duration": max_duration,
        "validate": validate,
        "baseline": baseline,
        "format": fmt,
        "output": output,
        "plot": plot,
    }
    try:
        settings = load_settings(flags, Path.cwd())
        code = run(settings, console, dry_run=dry_run)
    except UsageError as exc:
        _status(console, f"pooltune recommend: error: {exc}")
        raise typer.Exit(2) from None
    raise typer.Exit(code)


def run(settings: RecommendSettings, console: Console, dry_run: bool = False) -> int:
    """The whole command; returns the exit code. Raises UsageError for bad input."""
    from pooltune.probe.plan import make_plan
    from pooltune.probe.target import BadInput, ProbeRequest, parse_header, streaming_body

    try:
        headers = tuple(parse_header(h) for h in settings.headers)
    except BadInput as exc:
        raise UsageError(str(exc)) from None
    body = _body(settings.json_body)
    if body is None and settings.url is None:
        body = b'{"model": "sim", "messages": [{"role": "user", "content": "hi"}]}'
    if body is not None and not any(k.lower() == "content-type" for k, _ in headers):
        headers += (("Content-Type", "application/json"),)
    baseline_settings = None
    if settings.baseline is not None:
        from pooltune.probe.validate import load_baseline

        try:
            baseline_settings = load_baseline(Path(settings.baseline))
        except BadInput as exc:
            raise UsageError(str(exc)) from None
    target = settings.target_concurrency
    plan = make_plan(
        target,
        settings.max_requests,
        settings.max_duration,
        settings.validate_,
        idle_window_s=settings.idle_window,
    )
    if settings.url is None and not dry_run:
        return _run_against_sim(settings, console, plan, headers, body, baseline_settings)
    if settings.url is None:
        _status(console, "no --url: would run against the built-in simulator (pooltune sim)")
    request = ProbeRequest(
        url=settings.url or "https://127.0.0.1/v1/chat/completions",
        method=settings.method.upper(),
        headers=headers,
        body=body,
        ca_bundle=settings.ca_bundle,
        insecure=settings.insecure,
        streaming=streaming_body(body),
    )
    if dry_run:
        from pooltune.probe.errors import check_url

        try:
            check_url(request.url)
        except BadInput as exc:
            raise UsageError(str(exc)) from None
        _status(console, plan.describe())
        _status(console, "dry run: nothing was sent")
        return 0
    return _probe_and_report(settings, console, plan, request, baseline_settings, simulator=False)


def _run_against_sim(
    settings: RecommendSettings,
    console: Console,
    plan: Any,
    headers: tuple[tuple[str, str], ...],
    body: bytes | None,
    baseline_settings: Any,
) -> int:
    from pooltune.probe.target import ProbeRequest, streaming_body
    from pooltune.sim import SimSettings, start_sim_process

    _status(console, "no --url given: running against the built-in simulator (pooltune sim)")
    with start_sim_process(SimSettings()) as sim:
        request = ProbeRequest(
            url=f"{sim.url}/v1/chat/completions",
            method=settings.method.upper(),
            headers=headers,
            body=body,
            ca_bundle=sim.ca_bundle,
            insecure=settings.insecure,
            streaming=streaming_body(body),
        )
        return _probe_and_report(
            settings, console, plan, request, baseline_settings, simulator=True
        )


def _probe_and_report(
    settings: RecommendSettings,
    console: Console,
    plan: Any,
    request: Any,
    baseline_settings: Any,
    simulator: bool,
) -> int:
    from pooltune.probe.errors import check_url
    from pooltune.probe.runner import pick_engine
    from pooltune.probe.session import ProbeSession
    from pooltune.probe.target import BadInput, redact_url
    from pooltune.recommend.model import Target

    if settings.insecure:
        _status(console, "warning: --insecure: TLS certificates are NOT verified")
    try:
        check_url(request.url)
    except BadInput as exc:
        raise UsageError(str(exc)) from None
    stats_url = _sim_stats_url(request.url)
    session = ProbeSession(request, plan, pick_engine(), stats_url=None)
    try:
        session.preflight()
    except BadInput as exc:
        raise UsageError(request.scrub(str(exc))) from None
    if _is_sim(session, stats_url, request):
        session.stats_url = stats_url
        simulator = True
    _status(console, plan.describe())
    target = Target(
        url=redact_url(request.url),
        concurrency=plan.target,
        method=request.method,
        streaming=request.streaming,
        simulator=simulator,
    )
    report = _measure(session, settings, console, target, baseline_settings)
    return _emit(report, settings, console, request)


def _sim_stats_url(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/_sim/stats"


def _is_sim(session: ProbeSession, stats_url: str, request: Any) -> bool:
    """A `pooltune sim` answers /_sim/stats with its counters (one GET, counted)."""
    import asyncio

    from pooltune.probe.runner import ClientSettings, make_client
    from pooltune.probe.target import ProbeRequest

    if session.requests_left() < 20:
        return False

    async def fetch() -> bool:
        probe = ProbeRequest(stats_url, "GET", (), None, request.ca_bundle, request.insecure)
        async with make_client(session.engine, probe, ClientSettings(1, 1)) as client:
            response = await client.get(stats_url)
            return response.status_code == 200 and "connections_opened" in response.json()

    session.sent += 1
    try:
        return asyncio.run(fetch())
    except Exception:
        return False


def _measure(
    session: ProbeSession,
    settings: RecommendSettings,
    console: Console,
    target: Target,
    baseline_settings: Any,
) -> Report:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from pooltune.recommend.model import Report

    plan = session.plan
    session.start_idle_probe()
    total_levels = len(plan.levels)
    with Progress(
        TextColumn("probing"),
        BarColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=total_levels)

        def on_level(c: int, level: Any) -> None:
            progress.update(task, advance=1, description=f"concurrency {c}")

        outcome = session.sweep(on_level)
        progress.update(task, description="idle keep-alive probe")
        # The idle probe may still be idling: give it what the time budget allows.
        interrupted = False
        try:
            session.finish_idle(outcome.server, session.time_left() - _validation_time(session))
        except KeyboardInterrupt:
            interrupted = True
            if session.idle is not None:
                session.idle.stop()
                session.finish_idle(outcome.server, 2.0)
    if interrupted and not outcome.partial:
        outcome.partial = True
        outcome.warnings.append("interrupted: this report is partial")
    session.fill_protocol(outcome.server)
    report = _analyse(outcome, target)
    report.duration_s = round(session.elapsed(), 3)
    report.requests_sent = session.total_sent
    if settings.validate_ and report.recommendation is not None and not outcome.partial:
        _status(console, f"validating at concurrency {target.concurrency} ...")
        try:
            _validate(session, report, baseline_settings)
        except KeyboardInterrupt:
            report.partial = True
            report.warnings.append("interrupted during validation: no A/B result")
        report.duration_s = round(session.elapsed(), 3)
        report.requests_sent = session.total_sent
    assert isinstance(report, Report)
    return report


def _validation_time(session: ProbeSession) -> float:
    return session._validation_reserve_s() if session.plan.validation_requests else 0.5


def _analyse(outcome: ProbeOutcome, target: Target) -> Report:
    """Summaries, the concurrency limit, the fit and the advice: pooltune.tune's pure functions."""
    from pooltune.recommend.model import Report
    from pooltune.tune.advise import advise
    from pooltune.tune.fit import fit_usl
    from pooltune.tune.limits import concurrency_limit
    from pooltune.tune.stats import summarize

    levels = [summarize(level) for level in outcome.levels if level.samples]
    warnings = list(outcome.warnings)
    server = outcome.server
    limit, kind = concurrency_limit(levels) if levels else (None, None)
    if limit is None and outcome.refusal_limit is not None:
        limit, kind = outcome.refusal_limit, "refuses"
    server.concurrency_limit = limit
    server.concurrency_limit_kind = kind
    fit = fit_usl(levels) if len(levels) >= 3 else None
    recommendation = None
    if levels:
        recommendation, advice_warnings = advise(target, server, levels, fit)
        warnings.extend(advice_warnings)
    else:
        warnings.append("no level completed: nothing to recommend")
    return Report(
        target=target,
        server=server,
        levels=levels,
        recommendation=recommendation,
        fit=fit,
        prober=outcome.prober,
        requests_sent=0,
        duration_s=0.0,
        partial=outcome.partial,
        warnings=warnings,
    )


def recommended_client(rec: Recommendation) -> Any:
    from pooltune.probe.runner import ClientSettings

    t = rec.timeout
    return ClientSettings(
        rec.max_connections,
        rec.max_keepalive_connections,
        rec.keepalive_expiry,
        http2=rec.http2,
        timeouts=(t.connect, t.read, t.write, t.pool),
    )


def _validate(session: ProbeSession, report: Report, baseline_settings: Any) -> None:
    from pooltune.probe.validate import HTTPX_DEFAULTS
    from pooltune.recommend.model import Validation
    from pooltune.tune.stats import summarize

    assert report.recommendation is not None
    baseline = baseline_settings or HTTPX_DEFAULTS
    arms = {"baseline": baseline, "recommended": recommended_client(report.recommendation)}
    concurrency = report.target.concurrency
    result = session.validate(concurrency, arms)
    if result is None:
        report.warnings.append("no budget left for --validate: raise --max-requests")
        return
    counters = None
    agree = None
    if all(r.counters is not None for r in result.values()):
        counters = {name: dict(r.counters or {}) for name, r in result.items()}
        agree = all(
            (r.counters or {}).get("connections_opened")
            == sum(1 for s in r.samples.samples if s.new_connection)
            for r in result.values()
        )
    report.validation = Validation(
        concurrency=concurrency,
        baseline=summarize(result["baseline"].samples),
        recommended=summarize(result["recommended"].samples),
        baseline_name="httpx defaults" if baseline_settings is None else "--baseline",
        server_counters=counters,
        counters_agree=agree,
    )
    if agree is False:
        report.warnings.append(
            "the server's count of new connections differs from the client's during validation"
        )


def _emit(report: Report, settings: RecommendSettings, console: Console, request: Any) -> int:
    if settings.plot:
        try:
            from pooltune.render.plot import plot_report

            plot_report(report, Path(settings.plot))
        except ImportError:
            _status(console, "warning: --plot needs matplotlib (pip install 'pooltune[plot]')")
    if settings.format == "text":
        from rich.console import Console as RichConsole

        if settings.output:
            with open(settings.output, "w") as fh:
                from pooltune.render.text import print_report

                print_report(report, RichConsole(file=fh, width=110))
        else:
            from pooltune.render.text import print_report

            print_report(report, RichConsole(file=sys.stdout))
        return 0
    from pooltune.render import render

    text = request.scrub(render(report, settings.format))
    if settings.output:
        Path(settings.output).write_text(text if text.endswith("\n") else text + "\n")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


__all__ = ["RecommendSettings", "recommend", "run"]
