"""Interleaved arms on one library: the protocol comparison and the A/B check of `--validate`.

Each arm keeps one client for the whole run (that is how an application uses its pool), and the
arms take turns in short blocks at one concurrency so both see the same server moments. Against
`pooltune sim`, the server's own counters are read between blocks and credited to the arm that
just ran.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pooltune.model import LevelSamples, PoolSettings, TimeoutSettings
from pooltune.probe.engines import EngineClient, get_engine
from pooltune.probe.runner import LevelJob, run_on_client
from pooltune.probe.target import BadInput, ProbeRequest

COUNTERS = ("connections_opened", "requests")
STATS_TIMEOUT_S = 2.0  # one read of the simulator's counters between blocks
BASELINE_KEYS = {
    "max_connections",
    "max_keepalive_connections",
    "keepalive_expiry",
    "http2",
    "max_retries",
}
# What `--format toml` also writes for `pooltune fix --profile` (not settings of the A/B arms).
PROFILE_ONLY_KEYS = {"library", "url", "http1_max_connections", "ttl_dns_cache"}


def load_baseline(path: Path, library: str = "httpx") -> PoolSettings:
    """`--baseline FILE.toml`: a `[tool.pooltune.profile]` table (what `--format toml` writes)
    or top-level keys, over the library's defaults; unknown keys are an error."""
    from pooltune.pyproject import ConfigError, read_toml

    try:
        data = read_toml(path)
    except ConfigError as exc:
        raise BadInput(f"--baseline {exc}") from None
    table: Any = data.get("tool", {}).get("pooltune", {}).get("profile", data)
    unknown = set(table) - BASELINE_KEYS - PROFILE_ONLY_KEYS - {"timeout"}
    if unknown:
        raise BadInput(f"--baseline {path}: unknown key {sorted(unknown)[0]!r}")
    base = PoolSettings.library_defaults(library)
    timeouts = table.get("timeout")
    try:
        values = {k: table[k] for k in BASELINE_KEYS if k in table}
        if isinstance(timeouts, dict):
            values["timeout"] = TimeoutSettings(
                **{k: float(timeouts[k]) for k in ("connect", "read", "write", "pool")}
            )
        elif isinstance(timeouts, (int, float)):
            values["timeout"] = TimeoutSettings.uniform(float(timeouts))
        return PoolSettings.model_validate(base.model_dump() | values)
    except (KeyError, TypeError, ValueError):
        raise BadInput(f"--baseline {path}: timeout needs connect, read, write and pool") from None


@dataclass
class ArmResult:
    samples: LevelSamples
    counters: dict[str, int] | None
    started: int  # requests sent by this arm


async def _stats(client: EngineClient, stats_url: str | None) -> dict[str, int] | None:
    if stats_url is None:
        return None
    try:
        data: Any = await asyncio.wait_for(client.get_json(stats_url), STATS_TIMEOUT_S)
        return {k: int(data[k]) for k in COUNTERS}
    except Exception:
        return None


async def run_ab(
    request: ProbeRequest,
    library: str,
    concurrency: int | dict[str, int],
    arms: dict[str, PoolSettings],
    requests_per_arm: int,
    deadline_s: float,
    epoch: float,
    stats_url: str | None = None,
    blocks: int = 4,
) -> dict[str, ArmResult]:
    """Warm each arm up, then alternate them in `blocks` rounds; never more than
    `requests_per_arm` requests each (warm-up included)."""
    engine = get_engine(library)
    conc = dict(concurrency) if isinstance(concurrency, dict) else dict.fromkeys(arms, concurrency)
    stop_at = time.perf_counter() + deadline_s
    samples: dict[str, list[Any]] = {name: [] for name in arms}
    walls = dict.fromkeys(arms, 0.0)
    cpus: dict[str, list[float]] = {name: [] for name in arms}
    lags: dict[str, list[float]] = {name: [] for name in arms}
    cpu_s = dict.fromkeys(arms, 0.0)
    counters: dict[str, dict[str, int] | None] = {
        name: (dict.fromkeys(COUNTERS, 0) if stats_url else None) for name in arms
    }
    spent = dict.fromkeys(arms, 0)
    unanswered = dict.fromkeys(arms, 0)
    stalled = dict.fromkeys(arms, False)
    async with contextlib.AsyncExitStack() as stack:
        clients = {
            name: await stack.enter_async_context(engine.client(request, settings))
            for name, settings in arms.items()
        }
        # The counters' own client opens its connection before the first reading.
        stats_request = ProbeRequest(
            request.url, "GET", (), None, request.ca_bundle, request.insecure
        )
        stats_client = await stack.enter_async_context(
            engine.client(stats_request, PoolSettings.probing(1))
        )
        # Warm-up: one request per worker on each arm, not measured. Both pools start the way a
        # running application's pool is, so one-off first handshakes do not decide the p99.
        for name, settings in arms.items():
            warm = min(conc[name], requests_per_arm // 4)
            if warm <= 0:
                continue
            job = LevelJob(request, library, conc[name], warm, deadline_s / 4, settings, 0, epoch)
            warm_run = await run_on_client(clients[name], job)
            spent[name] += warm_run.started
            unanswered[name] += warm_run.level.unanswered
            stalled[name] = stalled[name] or warm_run.level.stalled
        before = await _stats(stats_client, stats_url)
        for block in range(blocks):
            for name, settings in arms.items():
                if any(stalled.values()):
                    break  # the server stopped answering: the caller reports it
                per_block = max(1, (requests_per_arm - min(conc[name], requests_per_arm // 4)))
                per_block = max(1, per_block // blocks)
                left = min(per_block, requests_per_arm - spent[name])
                if block == blocks - 1:
                    left = requests_per_arm - spent[name]
                remaining = stop_at - time.perf_counter()
                if left <= 0 or remaining <= 0:
                    continue
                job = LevelJob(
                    request, library, conc[name], left, remaining, settings, conc[name], epoch
                )
                run = await run_on_client(clients[name], job)
                level = run.level
                spent[name] += run.started
                samples[name].extend(level.samples)
                walls[name] += level.wall_s
                cpu_s[name] += level.prober_cpu_s or 0.0
                unanswered[name] += level.unanswered
                stalled[name] = stalled[name] or level.stalled
                if level.prober_cpu is not None:
                    cpus[name].append(level.prober_cpu)
                if level.loop_lag_p99_ms is not None:
                    lags[name].append(level.loop_lag_p99_ms)
                after = await _stats(stats_client, stats_url)
                arm_counters = counters[name]
                if before is not None and after is not None and arm_counters is not None:
                    for key in COUNTERS:
                        arm_counters[key] += after[key] - before[key]
                before = after
    return {
        name: ArmResult(
            LevelSamples(
                concurrency=conc[name],
                wall_s=walls[name],
                samples=samples[name],
                prober_cpu=max(cpus[name]) if cpus[name] else None,
                prober_cpu_s=cpu_s[name],
                loop_lag_p99_ms=max(lags[name]) if lags[name] else None,  # the laggiest block
                unanswered=unanswered[name],
                stalled=stalled[name],
            ),
            counters[name],
            spent[name],
        )
        for name in arms
    }
