"""The probe plan: which concurrency levels, how many requests each, and what it will cost.

Printed before anything is sent; the orchestrator never spends more than `max_requests` or
`max_duration_s`, whatever the plan estimated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pooltune.probe.burst import BURST_ROUNDS
from pooltune.probe.discover import COARSE_GAPS

IDLE_FINE_PROBES = 16
PREFLIGHT_REQUESTS = 1
PLAN_WIDTH = 88  # the plan's lines fit a terminal of 80-100 columns


@dataclass(frozen=True)
class Plan:
    target: int
    levels: tuple[int, ...]
    requests_per_level: tuple[int, ...]
    idle_window_s: float
    idle_requests: int
    validation_requests: int  # both arms together
    compare_requests: int  # the protocol comparison, all arms together
    lifetime_requests: int  # long-lived connections, for requests per connection
    max_requests: int
    max_duration_s: float
    estimated_s: float

    @property
    def truncated(self) -> bool:
        """The request budget could not pay for every level up to 1.5x the target."""
        return not self.levels or self.levels[-1] < sweep_levels(self.target)[-1]

    @property
    def sweep_requests(self) -> int:
        return sum(self.requests_per_level)

    @property
    def total_requests(self) -> int:
        return (
            PREFLIGHT_REQUESTS
            + self.sweep_requests
            + self.idle_requests
            + self.validation_requests
            + self.compare_requests
            + self.lifetime_requests
        )

    @property
    def after_sweep_requests(self) -> int:
        """What the sweep must leave for the stages after it."""
        return self.compare_requests + self.lifetime_requests + self.validation_requests

    def describe(self, width: int = PLAN_WIDTH) -> str:
        """The plan in a few lines of at most `width` columns (stderr, before anything runs)."""
        import textwrap

        levels = ", ".join(str(c) for c in self.levels)
        total = min(self.total_requests, self.max_requests)
        parts = [
            f"plan: at most {total} requests (budget {self.max_requests}) and "
            f"{self.max_duration_s:g} s; estimated {self.estimated_s:.0f} s",
            f"sweep: concurrency levels {levels} {_whole(f'(up to 1.5x target {self.target})')}, "
            f"{self.sweep_requests} requests",
            f"then: protocol comparison at the target, {self.compare_requests} requests; "
            f"connection lifetime, {self.lifetime_requests} requests; bursts of up to "
            f"{self.levels[-1] if self.levels else self.target} released at once "
            f"({BURST_ROUNDS} rounds a size, from what the sweep leaves); idle keep-alive probe "
            f"up to {self.idle_window_s:g} s, {self.idle_requests} requests"
            + (
                f"; validation, {self.validation_requests} requests"
                if self.validation_requests
                else ""
            ),
        ]
        lines = [parts[0]]
        for part in parts[1:]:
            lines += textwrap.wrap(
                part, width, initial_indent="  ", subsequent_indent="    ", break_on_hyphens=False
            )
        return "\n".join(lines).replace(NO_BREAK, " ")


NO_BREAK = "\u00a0"  # textwrap splits on ASCII whitespace only


def _whole(phrase: str) -> str:
    """A phrase wrapping never cuts."""
    return phrase.replace(" ", NO_BREAK)


def sweep_levels(target: int) -> list[int]:
    """1, 2, 4 then about ten even steps up to 1.5x the target (5-10% steps near the top are
    added later by bisection when the server starts refusing)."""
    top = max(2, math.ceil(1.5 * target))
    step = max(1, round(top / 10))
    levels = {c for c in (1, 2, 4) if c < step}
    levels.update(range(step, top + 1, step))
    levels.add(top)
    return sorted(levels)


def level_requests(concurrency: int) -> int:
    """Three requests per worker: the first opens a connection, the others reuse it."""
    return max(12, 3 * concurrency)


def validation_requests(target: int) -> int:
    return 2 * max(200, 4 * target)


def compare_requests(target: int, arms: int) -> int:
    return arms * max(100, 4 * target)


LIFETIME_REQUESTS = 300


def make_plan(
    target: int,
    max_requests: int,
    max_duration_s: float,
    validate: bool,
    latency_s: float = 0.05,
    idle_window_s: float = 60.0,
    arms: int = 2,
) -> Plan:
    """Fit the sweep into the budget: validation and the idle probe are reserved first, then
    per-level requests shrink (never below one per worker), then the top levels go."""
    levels = sweep_levels(target)
    window = max(1.0, min(idle_window_s, 0.8 * max_duration_s))
    coarse = len([g for g in COARSE_GAPS if g <= window])
    idle = 2 * (2 * coarse + IDLE_FINE_PROBES)  # each coarse gap twice (confirmed)
    idle = min(idle, (max_requests - PREFLIGHT_REQUESTS) // 3 // 2 * 2)  # at most a third
    val = validation_requests(target) if validate else 0
    fixed = PREFLIGHT_REQUESTS + idle
    cmp = compare_requests(target, arms)
    life = LIFETIME_REQUESTS
    # the comparison and the lifetime probe get at most a third of the budget each
    cmp = min(cmp, max(0, max_requests - fixed) // 3)
    life = min(life, max(0, max_requests - fixed) // 6)
    room = max_requests - fixed - val - cmp - life
    if val and room < sum(levels):
        val = max(0, max_requests - fixed - cmp - life - sum(levels)) // 2 * 2
        room = max_requests - fixed - val - cmp - life
    if room < sum(levels[:3]):
        cmp = life = 0
        room = max_requests - fixed - val
    wanted = [level_requests(c) for c in levels]
    scale = min(1.0, room / sum(wanted)) if sum(wanted) else 1.0
    # never fewer requests than workers: a level must really run at its concurrency
    per_level = [max(c, min(w, int(w * scale))) for c, w in zip(levels, wanted, strict=True)]
    while levels and sum(per_level) > room:  # too small a budget: drop the top levels
        levels.pop()
        per_level.pop()
    rounds = sum(n / c for n, c in zip(per_level, levels, strict=True))
    # each level: its rounds of requests plus a connection set-up; validation: both arms
    sweep_s = rounds * latency_s + len(levels) * (latency_s + 0.3)
    val_s = (val / max(1, target)) * latency_s + (2.0 if val else 0.0)
    cmp_s = (cmp / max(1, target)) * latency_s + 1.0
    life_s = life / 4 * latency_s
    estimated = min(max_duration_s, sweep_s + val_s + cmp_s + max(life_s, min(window, 10.0)) + 2.5)
    return Plan(
        target=target,
        levels=tuple(levels),
        requests_per_level=tuple(per_level),
        idle_window_s=window,
        idle_requests=idle,
        validation_requests=val,
        compare_requests=cmp,
        lifetime_requests=life,
        max_requests=max_requests,
        max_duration_s=max_duration_s,
        estimated_s=estimated,
    )
