"""The one orchestrator of `pooltune recommend`: `run(settings) -> Report` (bench/ calls it too).

Stages, in order, inside one request budget and one deadline:

1. preflight (one request; UsageError on a bad target), ALPN and HTTP/2 SETTINGS, DNS timing;
2. the discovery engine's ceiling against an in-process null server (nothing sent to the
   target);
3. the sweep over HTTP/1.1 on the discovery engine (the fastest installed, over as many
   processes as a level needs), with nothing else running beside it, and the refusing level
   run again for the limit's spread; a suspected queue is cross-checked over two processes;
4. the protocol comparison at the target (or the server's limit): HTTP/1.1 and HTTP/2 as the
   server allows, on the user's library;
5. connection lifetime on the protocol that measured better;
6. the idle keep-alive probe, alone after every stage with load;
7. analysis and advice (pooltune.tune decides; values that fail their checks are named in
   `inconclusive`), then the optional A/B;
8. one Report, built once at the end.

Heavy imports (httpx, scipy, hypercorn) stay inside the function bodies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pooltune.recommend.settings import RecommendSettings, UsageError, resolve_client

if TYPE_CHECKING:
    from pooltune.model import (
        ClientInfo,
        LevelSamples,
        LevelStats,
        PoolSettings,
        ProtocolRun,
        Report,
        ServerFacts,
        Target,
    )
    from pooltune.probe.session import ProbeSession
    from pooltune.probe.target import ProbeRequest
    from pooltune.tune.limits import Limit

DEMO_BODY = b'{"model": "sim", "stream": true, "messages": [{"role": "user", "content": "hi"}]}'
DEMO_MAX_DURATION_S = 24.0  # the demo's time budget unless --max-duration says otherwise
# Shares of --max-duration. The idle probe runs alone after every stage with load, and needs
# about three times the server's idle timeout (coarse gaps up to the first close, a fine round
# between, the edge again on new connections): what the sweep, the comparison and the lifetime
# probe leave is its own (about a third).
AFTER_SWEEP_SHARE = 0.55  # what the sweep leaves for the stages after it
VALIDATION_SHARE = 0.1  # and with --validate
COMPARE_SHARE = 0.15
IDLE_SHARE = 0.3
CROSS_CHECK_SHARE = 0.15  # at most this share for the queue's cross-check
LIFETIME_SHARE = 0.1


@dataclass
class Hooks:
    """What the pipeline tells its caller while it runs (the CLI prints to stderr)."""

    status: Callable[[str], None] = lambda message: None
    stage: Callable[[str, int, int], None] = lambda name, done, total: None


@dataclass
class Prepared:
    """Everything decided before anything is sent."""

    settings: RecommendSettings
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    baseline: PoolSettings | None
    library: str
    client_source: str
    plan: Any = None
    extra_notes: list[str] = field(default_factory=list)


def prepare(settings: RecommendSettings, cwd: Path | None = None) -> Prepared:
    """Validate the input (UsageError on anything wrong) and pick the client library."""
    from pooltune.probe.target import BadInput, parse_header

    cwd = cwd or Path.cwd()
    try:
        headers = tuple(parse_header(h) for h in settings.headers)
    except BadInput as exc:
        raise UsageError(str(exc)) from None
    body = _body(settings.json_body)
    if body is None and settings.url is None:
        body = DEMO_BODY
    if body is not None and not any(k.lower() == "content-type" for k, _ in headers):
        headers += (("Content-Type", "application/json"),)
    library, source = resolve_client(settings, cwd)
    baseline = None
    if settings.baseline is not None:
        from pooltune.probe.validate import load_baseline

        try:
            baseline = load_baseline(Path(settings.baseline), library)
        except BadInput as exc:
            raise UsageError(str(exc)) from None
    return Prepared(settings, headers, body, baseline, library, source)


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


def make_plan_for(settings: RecommendSettings, arms: int = 2) -> Any:
    from pooltune.probe.plan import make_plan

    return make_plan(
        settings.target_concurrency,
        settings.max_requests,
        settings.max_duration,
        settings.validate_,
        idle_window_s=settings.idle_window,
        arms=arms,
    )


def demo_budget(settings: RecommendSettings) -> RecommendSettings:
    """Without a URL (the demo) the time budget is 24 s unless --max-duration says otherwise."""
    if settings.url is None and "max_duration" not in settings.model_fields_set:
        return settings.model_copy(update={"max_duration": DEMO_MAX_DURATION_S})
    return settings


def dry_run(settings: RecommendSettings, cwd: Path | None = None) -> list[str]:
    """The lines `--dry-run` prints; nothing is sent."""
    from pooltune.probe.preflight import check_url
    from pooltune.probe.target import BadInput

    settings = demo_budget(settings)
    prepared = prepare(settings, cwd)
    lines = []
    if settings.url is None:
        lines.append("no --url: would run against the built-in simulator (pooltune sim)")
    else:
        try:
            check_url(settings.url)
        except BadInput as exc:
            raise UsageError(str(exc)) from None
    lines.append(f"client: {prepared.library} ({prepared.client_source})")
    lines.append(make_plan_for(settings).describe())
    lines.append("dry run: nothing was sent")
    return lines


def run(settings: RecommendSettings, hooks: Hooks | None = None, cwd: Path | None = None) -> Report:
    """The whole measurement; raises UsageError for bad input (before any load is sent)."""
    hooks = hooks or Hooks()
    settings = demo_budget(settings)
    prepared = prepare(settings, cwd)
    if settings.url is None:
        return _against_sim(prepared, hooks)
    return _measure(prepared, hooks, _request(prepared, settings.url, settings.ca_bundle), False)


def _request(prepared: Prepared, url: str, ca_bundle: str | None) -> ProbeRequest:
    from pooltune.probe.target import ProbeRequest, streaming_body

    return ProbeRequest(
        url=url,
        method=prepared.settings.method.upper(),
        headers=prepared.headers,
        body=prepared.body,
        ca_bundle=ca_bundle,
        insecure=prepared.settings.insecure,
        streaming=streaming_body(prepared.body),
    )


def _against_sim(prepared: Prepared, hooks: Hooks) -> Report:
    from pooltune.sim import SimSettings, start_sim_process

    hooks.status("no --url given: running against the built-in simulator (pooltune sim)")
    with start_sim_process(SimSettings.llm_demo()) as sim:
        request = _request(prepared, f"{sim.url}/v1/chat/completions", sim.ca_bundle)
        return _measure(prepared, hooks, request, True)


def _sim_stats_url(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/_sim/stats"


# -- the measurement --------------------------------------------------------------------------


@dataclass
class _Run:
    """What the stages found, gathered until the report is built at the end."""

    session: ProbeSession
    settings: RecommendSettings
    target: Target
    client: ClientInfo
    server: ServerFacts
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    partial: bool = False
    levels: list[LevelStats] = field(default_factory=list)
    repeats: list[LevelStats] = field(default_factory=list)
    protocols: list[ProtocolRun] = field(default_factory=list)
    bound_levels: list[int] = field(default_factory=list)
    cross_checks: list[LevelStats] = field(default_factory=list)  # suspect levels, split
    inconclusive: dict[str, str] = field(default_factory=dict)
    idle_reserve_s: float | None = None  # seconds kept for the idle probe (set after the sweep)


def _measure(prepared: Prepared, hooks: Hooks, request: ProbeRequest, simulator: bool) -> Report:
    from pooltune.model import ClientInfo, ServerFacts, Target
    from pooltune.probe.engines import (
        EngineUnavailable,
        discovery_library,
        get_engine,
        library_version,
    )
    from pooltune.probe.preflight import check_url
    from pooltune.probe.session import ProbeSession
    from pooltune.probe.target import BadInput, redact_url

    settings = prepared.settings
    if settings.insecure:
        hooks.status("warning: --insecure: TLS certificates are NOT verified")
    try:
        check_url(request.url)
        engine = get_engine(prepared.library)
    except BadInput as exc:
        raise UsageError(str(exc)) from None
    except EngineUnavailable as exc:
        raise UsageError(str(exc)) from None
    plan = make_plan_for(settings)
    session = ProbeSession(
        request, plan, prepared.library, discovery_library=discovery_library(prepared.library)
    )
    try:
        session.preflight()
    except BadInput as exc:
        raise UsageError(request.scrub(str(exc))) from None
    # now that ALPN is known, size the comparison for the arms it will really run
    arms = 1 + (session.offers_http2 and engine.supports_http2)
    arms += prepared.library == "httpx" and library_version("httpx").startswith("0.")
    session.plan = plan = make_plan_for(settings, arms)
    stats_url = _sim_stats_url(request.url)
    session.stats_url = stats_url
    if session.sim_counters() is not None:
        simulator = True
    else:
        session.stats_url = None
    version = library_version(prepared.library)
    hooks.status(f"client: {prepared.library} {version} ({prepared.client_source})")
    hooks.status(plan.describe())
    target = Target(
        url=redact_url(request.url),
        concurrency=plan.target,
        method=request.method,
        streaming=request.streaming,
        simulator=simulator,
    )
    state = _Run(
        session=session,
        settings=settings,
        target=target,
        client=ClientInfo(library=prepared.library, version=version, source=prepared.client_source),  # type: ignore[arg-type]
        server=ServerFacts(http_version="HTTP/2" if session.offers_http2 else "HTTP/1.1"),
    )
    session.fill_protocol(state.server)
    try:
        _stages(state, prepared, hooks)
    except KeyboardInterrupt:
        state.partial = True
        state.warnings.append("interrupted: this report is partial")
        if session.idle is not None:
            session.idle.stop()
            _finish_idle(state, 2.0)
    return _report(state, prepared, hooks)


def _stages(state: _Run, prepared: Prepared, hooks: Hooks) -> None:
    from pooltune.probe.discover import rate_limit as parse_rate_limit
    from pooltune.tune.health import at_own_limit
    from pooltune.tune.limits import server_limit
    from pooltune.tune.stats import summarize_levels

    session, settings = state.session, prepared.settings
    plan = session.plan
    state.server.dns = session.time_dns()
    hooks.stage("calibrating the prober", 0, 1)
    ceiling = session.calibrate(min(plan.target, 100))
    reserve_s = _after_sweep_s(settings, session.time_left())
    total = len(plan.levels)
    done = [0]

    def on_level(c: int, level: Any) -> None:
        done[0] += 1
        hooks.stage(f"concurrency {c}", done[0], total)

    sweep = session.sweep(
        on_level,
        reserve_s=reserve_s,
        reserve_requests=plan.after_sweep_requests + plan.idle_requests,
        is_bound=lambda level: at_own_limit(level, ceiling),
    )
    state.partial = state.partial or sweep.partial
    state.warnings.extend(sweep.warnings)
    if not state.partial:
        _fault(state, "sweep", sweep.levels)
    state.levels = summarize_levels(sweep.levels, ceiling)
    state.repeats = summarize_levels(sweep.repeats, ceiling)
    state.bound_levels = [lv.concurrency for lv in state.levels if lv.prober_bound]
    headers = sweep.headers | {k.lower(): v for k, v in session.first_headers().items()}
    state.server.rate_limit = parse_rate_limit(headers)
    wanted_top = plan.levels[-1] if plan.levels else 0
    limit = server_limit(state.levels, state.repeats, state.server.rate_limit, wanted_top)
    if limit.kind == "queues" and limit.value is not None and not state.partial:
        limit = _cross_check(state, limit, sweep.levels, ceiling)
    # -- bursts (issue 17): requests released at once, beside nothing else ---------------------
    if state.levels and not state.partial and state.server.rate_limit is None:
        from pooltune.tune import burst

        rounds = session.bursts(
            burst.first_size(state.target.concurrency, limit, max(plan.levels, default=None)),
            burst.next_size,
            reserve_s=reserve_s,
            reserve_requests=plan.after_sweep_requests + plan.idle_requests,
        )
        state.server.burst = burst.facts(rounds)
        limit = burst.with_bursts(limit, state.server.burst)
    # -- end bursts ----------------------------------------------------------------------------
    _record_limit(state, limit)
    if state.partial or not state.levels:
        _finish_idle(state, 0.0)
        return
    keeps = _check_keep_alive(state, sweep.levels)
    effective = _effective(state, settings)
    hooks.stage("protocol comparison", 0, 1)
    chosen_pool = _compare(state, prepared, effective)
    if state.partial:
        _drop_idle(session)  # what idle connections saw of a failing server is no timeout
        return
    hooks.stage("connection lifetime", 0, 1)
    if keeps:
        _lifetime(state, chosen_pool, effective)
    if state.partial:
        _drop_idle(session)
        return
    if keeps:
        # The idle probe runs alone, after every stage with load: a server at its limit refuses
        # or resets connections, and those closes are not idle closes.
        session.start_idle_probe()
        state.notes.append(
            "the idle keep-alive probe ran alone after the other stages, with no other load in "
            "flight (refusals and resets under load are not idle closes)"
        )
    hooks.stage("idle keep-alive probe", 0, 1)
    _finish_idle(state, session.time_left() - _validation_s(settings))


def _finish_idle(state: _Run, wait_s: float) -> None:
    """Wait (bounded) for the idle probe; tune reads the timeout from what it saw."""
    from pooltune.tune.idle import idle_timeout

    if state.session.finish_idle(state.server, wait_s) is None:
        return
    found = idle_timeout(state.server)
    state.server.idle_timeout_s = found.timeout_s
    if found.inconclusive:
        state.inconclusive["idle_timeout_s"] = found.inconclusive


def _fault(state: _Run, stage: str, levels: list[LevelSamples]) -> bool:
    """A stage whose server stopped answering, went away or redirected: the report becomes
    partial, with the sentence of pooltune.recommend.faults."""
    from pooltune.recommend.faults import stage_fault

    warning = stage_fault(stage, levels, state.session.reachable, state.session.still_answers)
    if warning is None:
        return False
    state.partial = True
    state.warnings.append(warning)
    return True


def _check_keep_alive(state: _Run, levels: list[LevelSamples]) -> bool:
    """Whether the server reuses connections; when it never does, say so (no idle timeout or
    lifetime is measured for it)."""
    from pooltune.tune.keep_alive import NO_KEEP_ALIVE, keeps_alive

    state.server.keeps_alive = keeps_alive(levels)
    if state.server.keeps_alive is False:
        state.warnings.append(NO_KEEP_ALIVE)
        return False
    return True


def _drop_idle(session: ProbeSession) -> None:
    if session.idle is not None:
        session.idle.stop()
        session.idle.join(2.0)


def _cross_check(
    state: _Run, limit: Limit, levels: list[LevelSamples], ceiling: float | None
) -> Limit:
    """Run the suspect (top) level again split over more processes; tune decides."""
    from pooltune.tune.limits import cross_check
    from pooltune.tune.stats import summarize_levels

    session = state.session
    top = max(levels, key=lambda lv: lv.concurrency)
    original = next(lv for lv in state.levels if lv.concurrency == top.concurrency)
    deadline = max(1.0, min(top.wall_s * 2 + 2.0, CROSS_CHECK_SHARE * session.plan.max_duration_s))
    split = session.split_level(top, deadline)
    split_stats = summarize_levels([split], ceiling)[0] if split is not None else None
    if split_stats is not None:
        state.cross_checks.append(split_stats)
    return cross_check(limit, original, split_stats)


def _record_limit(state: _Run, limit: Limit) -> None:
    server = state.server
    server.concurrency_limit = limit.value
    server.concurrency_limit_kind = limit.kind if limit.value is not None else None
    server.concurrency_limit_runs = limit.runs
    server.concurrency_limit_note = limit.note if limit.value is not None else None
    if limit.source == "burst" and server.burst is not None:
        server.concurrency_limit_note = server.burst.evidence
    if limit.inconclusive:
        state.inconclusive["concurrency_limit"] = limit.inconclusive
    elif limit.note and limit.value is None:
        state.notes.append(limit.note)


def _after_sweep_s(settings: RecommendSettings, left_s: float) -> float:
    """Seconds the sweep leaves for the comparison, lifetime, idle probe and validation: a
    share of what preflight and calibration left (slow on a busy machine), not of the budget."""
    share = AFTER_SWEEP_SHARE + (VALIDATION_SHARE if settings.validate_ else 0.0)
    return share * min(settings.max_duration, max(0.0, left_s))


def _idle_reserve_s(state: _Run) -> float:
    """The time kept for the idle probe, which runs last and alone: IDLE_SHARE of what the
    sweep left (AFTER_SWEEP_SHARE), at most its window; fixed once the sweep ends."""
    if state.idle_reserve_s is None:
        left = max(0.0, state.session.time_left() - _validation_s(state.settings))
        share = IDLE_SHARE / AFTER_SWEEP_SHARE
        state.idle_reserve_s = min(state.session.plan.idle_window_s, share * left)
    return state.idle_reserve_s


def _validation_s(settings: RecommendSettings) -> float:
    return min(0.3 * settings.max_duration, 15.0) if settings.validate_ else 0.5


def _effective(state: _Run, settings: RecommendSettings) -> int:
    from pooltune.tune.advise import effective_concurrency

    return effective_concurrency(state.target.concurrency, state.server, settings.replicas)


def _compare(state: _Run, prepared: Prepared, effective: int) -> PoolSettings:
    """Run the target concurrency each way the server and the library allow."""
    from pooltune.model import PoolSettings, ProtocolRun
    from pooltune.probe.engines import get_engine
    from pooltune.tune import protocols as proto
    from pooltune.tune.stats import summarize

    session = state.session
    engine = get_engine(prepared.library)
    cands = proto.candidates(
        prepared.library,
        state.client.version,
        effective,
        session.offers_http2,
        engine.supports_http2,
        state.server.max_concurrent_streams,
    )
    plan = session.plan
    per_arm = max(effective, plan.compare_requests // max(1, len(cands)))
    budget = session.plan.max_duration_s
    left = session.time_left() - _idle_reserve_s(state) - _validation_s(state.settings)
    deadline = max(1.0, min(0.6 * left, COMPARE_SHARE * budget, 20.0))
    result = session.arms(
        {label: pool for label, (pool, _) in cands.items()}, effective, per_arm, deadline
    )
    if result is None:
        state.warnings.append(
            "no budget left for the protocol comparison: the recommendation uses the sweep"
        )
        return PoolSettings.probing(effective)
    if _fault(state, "protocol comparison", [arm.samples for arm in result.values()]):
        return PoolSettings.probing(effective)
    runs: dict[str, ProtocolRun] = {}
    for label, arm in result.items():
        pool, connections = cands[label]
        stats = summarize(arm.samples)
        cpu = arm.samples.prober_cpu_s or 0.0
        runs[label] = ProtocolRun(
            http_version="HTTP/2" if pool.http2 else "HTTP/1.1",
            connections=connections,
            requests=stats.requests,
            errors=stats.errors,
            new_connections=stats.new_connections,
            latency_s=stats.latency_s,
            client_cpu_ms_per_request=round(1000 * cpu / max(1, stats.requests), 3),
            label=proto.label_of(label, connections, effective),
            candidate=label,
            concurrency=effective,
            max_keepalive_connections=pool.max_keepalive_connections,
            throughput_rps=round(stats.throughput_rps, 1),
            phases_s=stats.phases_s,
            error_classes=stats.error_classes,
        )
    best = proto.choose(runs)
    if best is None:
        state.warnings.append(
            "the protocol comparison completed no request within its time: the recommendation "
            "uses the sweep (raise --max-duration)"
        )
        return PoolSettings.probing(effective)
    runs[best].chosen = True
    state.protocols = list(runs.values())
    return cands[best][0]


def _lifetime(state: _Run, pool: PoolSettings, effective: int) -> None:
    from pooltune.model import PoolSettings
    from pooltune.tune.lifetime import connection_lifetime, lifetime_inconclusive

    session = state.session
    http2 = pool.http2
    conns = 1 if http2 else max(1, min(4, effective))
    concurrency = min(effective, 8) if http2 else conns
    # over HTTP/2 one connection carries the load; a second slot lets its replacement open
    # while a retired one (GOAWAY) drains, as an application's pool would
    life_pool = PoolSettings.probing(conns + 1 if http2 else conns, http2=http2)
    if http2:
        # httpx keeps a GOAWAY'd idle connection in its pool until it expires
        life_pool = life_pool.model_copy(update={"keepalive_expiry": 1.0})
    left = session.time_left() - _idle_reserve_s(state) - _validation_s(state.settings)
    deadline = max(1.0, min(left, LIFETIME_SHARE * session.plan.max_duration_s, 6.0))
    # requests per connection are the server's: over HTTP/1.1 the discovery engine finds them
    library = session.library if http2 else session.discovery_library
    level = session.lifetime(
        life_pool, concurrency, session.plan.lifetime_requests, deadline, library
    )
    if level is None or _fault(state, "connection lifetime probe", [level]):
        return
    closes, n = connection_lifetime(level, "HTTP/2" if http2 else "HTTP/1.1")
    state.server.closes = closes
    why = None if http2 else lifetime_inconclusive(closes.closed_runs)
    state.server.max_requests_per_connection = None if why else n
    if why:
        state.inconclusive["max_requests_per_connection"] = why
    if n is None:
        state.notes.append(
            f"connection lifetime: {closes.requests} requests on {conns} long-lived "
            f"{'HTTP/2' if http2 else 'HTTP/1.1'} connection{'s' * (conns != 1)}, up to "
            f"{closes.longest_run} on one, without a close by the server"
        )


def _report(state: _Run, prepared: Prepared, hooks: Hooks) -> Report:
    from pooltune.model import Discovery, PoolSettings, ProberInfo, Report
    from pooltune.probe.engines import get_engine, library_version
    from pooltune.probe.watch import cores
    from pooltune.tune.advise import Evidence, advise
    from pooltune.tune.fit import fit_usl
    from pooltune.tune.health import headroom, machine

    session, settings = state.session, prepared.settings
    warnings, notes = list(state.warnings), list(state.notes)
    usable = [lv for lv in state.levels if not lv.prober_bound]
    fit = fit_usl(usable) if len(usable) >= 3 else None
    ceiling = session.ceiling_rps
    engine_name = session.discovery_library
    engine_label = f"{engine_name} {library_version(engine_name)}"
    baseline = prepared.baseline or PoolSettings.library_defaults(prepared.library)
    recommendation = None
    if state.levels:
        engine = get_engine(prepared.library)
        evidence = Evidence(
            target=state.target,
            server=state.server,
            levels=state.levels,
            fit=fit,
            protocols=state.protocols,
            library=prepared.library,
            version=state.client.version,
            replicas=settings.replicas,
            baseline=baseline,
            offers_http2=session.offers_http2,
            supports_http2=engine.supports_http2,
            inconclusive=state.inconclusive,
        )
        recommendation, advice_warnings = advise(evidence)
        warnings.extend(advice_warnings)
    else:
        warnings.append("no level completed: nothing to recommend")
    validation = None
    if settings.validate_ and recommendation is not None and not state.partial:
        hooks.status(f"validating at concurrency {state.target.concurrency} ...")
        try:
            validation = _validate(state, recommendation.pool(), baseline, prepared, warnings)
        except KeyboardInterrupt:
            state.partial = True
            warnings.append("interrupted during validation: no A/B result")
    saturated = [lv.concurrency for lv in state.levels if lv.prober and lv.prober.saturated]
    return Report(
        target=state.target,
        client=state.client,
        server=state.server,
        levels=state.levels,
        protocols=state.protocols,
        recommendation=recommendation,
        validation=validation,
        fit=fit,
        prober=ProberInfo(
            engine=state.client.library,
            workers=session.workers_used,
            ceiling_rps=round(ceiling, 1) if ceiling else None,
            ceiling_note=(
                f"requests/s one {engine_label} process drives against a null server here"
                if ceiling
                else None
            ),
            bound_levels=state.bound_levels,
            saturated_levels=saturated,
            max_cpu=round(session.max_cpu, 3) if session.max_cpu is not None else None,
            headroom=headroom(state.levels + state.cross_checks, ceiling, engine_label),
        ),
        requests_sent=session.total_sent,
        duration_s=round(session.elapsed(), 3),
        partial=state.partial,
        warnings=warnings,
        notes=notes,
        inconclusive=state.inconclusive,
        machine=machine(cores(), state.levels + state.repeats + state.cross_checks),
        discovery=Discovery(engine=engine_label, processes=session.workers_used),
    )


def _validate(
    state: _Run,
    recommended: PoolSettings,
    baseline: PoolSettings,
    prepared: Prepared,
    warnings: list[str],
) -> Any:
    from pooltune.model import Validation
    from pooltune.tune.stats import summarize

    session = state.session
    concurrency = state.target.concurrency
    per_arm = session.plan.validation_requests // 2
    arms = {"baseline": baseline, "recommended": recommended}
    result = session.arms(
        arms, concurrency, per_arm, max(1.0, session.time_left() - 1.0), with_counters=True
    )
    if result is None:
        warnings.append("no budget left for --validate: raise --max-requests")
        return None
    if _fault(state, "validation", [arm.samples for arm in result.values()]):
        warnings.append(state.warnings.pop())
        return None
    counters = None
    agree = None
    if all(r.counters is not None for r in result.values()):
        counters = {name: dict(r.counters or {}) for name, r in result.items()}
        agree = all(
            (r.counters or {}).get("connections_opened")
            == sum(1 for s in r.samples.samples if s.new_connection)
            for r in result.values()
        )
    if agree is False:
        warnings.append(
            "the server's count of new connections differs from the client's during validation"
        )
    name = f"{prepared.library} defaults" if prepared.baseline is None else "--baseline"
    summaries = {arm: summarize(r.samples) for arm, r in result.items()}
    starved = [
        f"{arm}: {level.prober.reason}"
        for arm, level in summaries.items()
        if level.prober is not None and level.prober.saturated
    ]
    inconclusive = None
    if starved:
        # a starved client starts requests late and holds its connections idle longer: the
        # arms' new connections and latencies then measure the machine, not the two pools
        inconclusive = (
            f"the prober was saturated during the A/B ({'; '.join(starved)}): the comparison "
            "measures this machine's load, not the pools; run it again on a quieter machine"
        )
    return Validation(
        concurrency=concurrency,
        baseline=summaries["baseline"],
        recommended=summaries["recommended"],
        inconclusive=inconclusive,
        baseline_name=name,
        server_counters=counters,
        counters_agree=agree,
        baseline_settings=baseline,
        recommended_settings=recommended,
    )


__all__ = ["Hooks", "dry_run", "prepare", "run"]


def scrubber(settings: RecommendSettings) -> Callable[[str], str]:
    """The secret scrub every output format goes through (secret header values -> ***)."""
    from pooltune.probe.target import BadInput, ProbeRequest, parse_header

    try:
        headers = tuple(parse_header(h) for h in settings.headers)
    except BadInput:
        headers = ()
    return ProbeRequest(url="", headers=headers).scrub
