"""Code that runs now and then by what it is: one verdict each, made in phase one on `ast`.

Two classes (design.md section 1, POOL102), each a shape of code rather than a package:

- a function whose name says it is an occasional step (an account step: login, OAuth,
  onboarding, a device-flow poll, a token refresh, an API-key check; a model or quota listing;
  a version check): matched on the words of its name (``snake_case`` and ``camelCase`` split),
  each step a list of word sets the name must all meet;
- a polling loop that sleeps for seconds on every pass (`slow_poll_seconds`): the handshake a
  shared client would save is small next to the sleep.

Phase one also knows occasions by shape (`summaries.CLI_COMMAND`, `START_UP`: a CLI command, a
lifespan or startup hook); :func:`sets_up` names a client's set-up
method (`connect`), which is not its hot path.

Neither is evidence against a request path: the join lets a handler, a task or a loop that
reaches such code win over its name (:meth:`pooltune.lint.summaries.ProjectIndex.occasional`).
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable, Collection

from pooltune.lint.catalog import OccasionalStep

_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def name_words(name: str) -> frozenset[str]:
    """`requestDeviceAuthorization` -> {request, device, authorization}; `_validate_api_key`
    -> {validate, api, key}."""
    return frozenset(word.lower() for word in _WORDS.findall(name))


class StepNames:
    """A catalog's occasional steps, matched on names; one per catalog (:func:`step_names`),
    each name's verdict kept (names repeat: `get`, `run`, `__init__`)."""

    def __init__(self, steps: tuple[OccasionalStep, ...]) -> None:
        self._steps = [(step.kind, [frozenset(words) for words in step.words]) for step in steps]
        self._vocabulary = frozenset(word for _, sets in self._steps for s in sets for word in s)
        self._kinds: dict[str, str | None] = {}

    def kind(self, name: str) -> str | None:
        """The kind of occasional step a function's name says it is (the first that matches)."""
        if name in self._kinds:
            return self._kinds[name]
        words = name_words(name)
        found = None
        if not words.isdisjoint(self._vocabulary):
            found = next(
                (kind for kind, sets in self._steps if all(not words.isdisjoint(s) for s in sets)),
                None,
            )
        self._kinds[name] = found
        return found


@functools.lru_cache(maxsize=4)
def step_names(steps: tuple[OccasionalStep, ...]) -> StepNames:
    return StepNames(steps)


def step_kind(name: str, steps: tuple[OccasionalStep, ...]) -> str | None:
    return step_names(steps).kind(name)


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


def sets_up(method: str, setup_words: Collection[str]) -> bool:
    """A method whose name says it sets a client up (`connect`, `initialize_session`): it runs
    once per connection, not on the client's hot path."""
    return not name_words(method).isdisjoint(setup_words)
