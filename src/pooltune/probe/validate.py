"""The A/B check of `--validate`: the recommended pool against a baseline, interleaved.

Each arm keeps one client for the whole run (that is how an application uses its pool), and the
arms take turns in short blocks at the target concurrency so both see the same server moments.
Against `pooltune sim`, the server's own counters are read between blocks and credited to the
arm that just ran.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pooltune._toml import tomllib
from pooltune.probe.runner import ClientSettings, LevelJob, make_client, run_on_client
from pooltune.probe.target import BadInput, ProbeRequest
from pooltune.recommend.model import LevelSamples

# `requests` may include the counter readings themselves (one per block), depending on the server.
# httpx's own defaults: Limits(100, 20, 5.0), Timeout(5.0), HTTP/1.1.
HTTPX_DEFAULTS = ClientSettings(100, 20, 5.0, http2=False, timeout=5.0)
COUNTERS = ("connections_opened", "requests")


def load_baseline(path: Path) -> ClientSettings:
    """`--baseline FILE.toml`: a `[tool.pooltune.profile]` table (what `--format toml` writes)
    or top-level keys; unknown keys are an error."""
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BadInput(f"--baseline {path}: cannot read TOML ({type(exc).__name__})") from None
    table: Any = data.get("tool", {}).get("pooltune", {}).get("profile", data)
    allowed = {"max_connections", "max_keepalive_connections", "keepalive_expiry", "http2"}
    timeouts = table.get("timeout")
    unknown = set(table) - allowed - {"timeout"}
    if unknown:
        raise BadInput(f"--baseline {path}: unknown key {sorted(unknown)[0]!r}")
    try:
        parsed = None
        if isinstance(timeouts, dict):
            parsed = tuple(float(timeouts[k]) for k in ("connect", "read", "write", "pool"))
        return ClientSettings(
            table.get("max_connections", 100),
            table.get("max_keepalive_connections", 20),
            table.get("keepalive_expiry", 5.0),
            http2=bool(table.get("http2", False)),
            timeout=float(timeouts) if isinstance(timeouts, (int, float)) else 5.0,
            timeouts=parsed,  # type: ignore[arg-type]
        )
    except (KeyError, TypeError, ValueError):
        raise BadInput(f"--baseline {path}: timeout needs connect, read, write and pool") from None


@dataclass
class ArmResult:
    samples: LevelSamples
    counters: dict[str, int] | None
    started: int  # requests sent by this arm


async def _stats(client: Any, stats_url: str | None) -> dict[str, int] | None:
    if stats_url is None:
        return None
    try:
        response = await client.get(stats_url)
        data = response.json()
        return {k: int(data[k]) for k in COUNTERS}
    except Exception:
        return None


async def run_ab(
    request: ProbeRequest,
    engine: str,
    concurrency: int,
    arms: dict[str, ClientSettings],
    requests_per_arm: int,
    deadline_s: float,
    epoch: float,
    stats_url: str | None = None,
    blocks: int = 4,
) -> dict[str, ArmResult]:
    """Warm each arm up, then alternate them in `blocks` rounds; never more than
    `requests_per_arm` requests each (warm-up included)."""
    per_block = max(1, (requests_per_arm - min(concurrency, requests_per_arm // 4)) // blocks)
    stop_at = time.perf_counter() + deadline_s
    samples: dict[str, list[Any]] = {name: [] for name in arms}
    walls = dict.fromkeys(arms, 0.0)
    cpus: dict[str, list[float]] = {name: [] for name in arms}
    counters: dict[str, dict[str, int] | None] = {
        name: (dict.fromkeys(COUNTERS, 0) if stats_url else None) for name in arms
    }
    spent = dict.fromkeys(arms, 0)
    async with contextlib.AsyncExitStack() as stack:
        clients = {
            name: await stack.enter_async_context(make_client(engine, request, settings))
            for name, settings in arms.items()
        }
        # The counters' own client opens its connection before the first reading.
        stats_client = await stack.enter_async_context(
            make_client(
                engine,
                ProbeRequest(request.url, "GET", (), None, request.ca_bundle, request.insecure),
                ClientSettings(1, 1, 60.0),
            )
        )
        # Warm-up: one request per worker on each arm, not measured. Both pools start the way a
        # running application's pool is, so one-off first handshakes do not decide the p99.
        for name, settings in arms.items():
            warm = min(concurrency, requests_per_arm // 4)
            if warm <= 0:
                continue
            job = LevelJob(request, engine, concurrency, warm, deadline_s / 4, settings, 0, epoch)
            spent[name] += (await run_on_client(clients[name], job)).started
        before = await _stats(stats_client, stats_url)
        for _ in range(blocks):
            for name, settings in arms.items():
                left = min(per_block, requests_per_arm - spent[name])
                remaining = stop_at - time.perf_counter()
                if left <= 0 or remaining <= 0:
                    continue
                job = LevelJob(
                    request, engine, concurrency, left, remaining, settings, concurrency, epoch
                )
                run = await run_on_client(clients[name], job)
                level = run.level
                spent[name] += run.started
                samples[name].extend(level.samples)
                walls[name] += level.wall_s
                if level.prober_cpu is not None:
                    cpus[name].append(level.prober_cpu)
                after = await _stats(stats_client, stats_url)
                arm_counters = counters[name]
                if before is not None and after is not None and arm_counters is not None:
                    for key in COUNTERS:
                        arm_counters[key] += after[key] - before[key]
                before = after
    return {
        name: ArmResult(
            LevelSamples(
                concurrency=concurrency,
                wall_s=walls[name],
                samples=samples[name],
                prober_cpu=max(cpus[name]) if cpus[name] else None,
            ),
            counters[name],
            spent[name],
        )
        for name in arms
    }
