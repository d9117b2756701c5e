"""Code that runs now and then by what it is: one verdict each, made in phase one on `ast`.

Two classes (design.md section 1, POOL102), each a shape of code rather than a package:

- a function whose name says it is an occasional step (an account step: login, OAuth,
  onboarding, a device-flow poll, a token refresh, an API-key check; a model or quota listing;
  a version check): matched on the words of its name (``snake_case`` and ``camelCase`` split),
  each step a list of word sets the name must all meet;
- a polling loop that sleeps for seconds on every pass (`slow_poll_seconds`): the handshake a
  shared client would save is small next to the sleep.

Neither is evidence against a request path: the join lets a handler, a task or a loop that
reaches such code win over its name (:meth:`pooltune.lint.summaries.ProjectIndex.occasional`).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Collection, Iterable

from pooltune.lint.catalog import OccasionalStep

_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def name_words(name: str) -> frozenset[str]:
    """`requestDeviceAuthorization` -> {request, device, authorization}; `_validate_api_key`
    -> {validate, api, key}."""
    return frozenset(
        word.lower() for part in name.split("_") if part for word in _CAMEL.findall(part)
    )


def step_kind(name: str, steps: Iterable[OccasionalStep]) -> str | None:
    """The kind of occasional step a function's name says it is (the first that matches)."""
    words = name_words(name)
    for step in steps:
        if all(words & set(alternatives) for alternatives in step.words):
            return step.kind
    return None


def poll_sleep_seconds(
    loop: ast.For | ast.AsyncFor | ast.While,
    resolve: Callable[[ast.expr], str | None],
    sleeps: Collection[str],
) -> float | None:
    """The shortest literal sleep a polling loop takes as a statement of its own body on every
    pass (`time.sleep(5)`, `await asyncio.sleep(2.0)`); None when any such sleep is not a
    literal number (then how long it waits is unknown)."""
    seconds: list[float] = []
    for stmt in loop.body:
        if not isinstance(stmt, ast.Expr):
            continue
        call = stmt.value.value if isinstance(stmt.value, ast.Await) else stmt.value
        if not (isinstance(call, ast.Call) and resolve(call.func) in sleeps):
            continue
        arg = call.args[0] if call.args else None
        if not (
            isinstance(arg, ast.Constant)
            and isinstance(arg.value, (int, float))
            and not isinstance(arg.value, bool)
        ):
            return None
        seconds.append(float(arg.value))
    return min(seconds) if seconds else None
