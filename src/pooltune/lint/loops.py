"""What a loop repeats, by its shape: one verdict per loop, made in phase one on `ast`.

The rules read it by the loop's first line (:class:`pooltune.lint.summaries.ModuleView`), so the
`ast` pass and the libcst rules can never disagree about a loop. A loop's counter's name says
nothing (`retry_count` and `n` poll alike); what it does on each turn says what it is.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Collection, Iterator
from enum import Enum


class LoopKind(str, Enum):
    WORK = "work"  # many units of work (`for url in urls`): a client used there is reused
    POLL = "poll"  # one request again and again until a condition holds, sleeping each turn
    RETRY = "retry"  # one unit of work tried again after a failure


Loop = ast.For | ast.AsyncFor | ast.While
_OWN_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)


def loop_kind(
    node: Loop, resolve: Callable[[ast.expr], str | None], sleeps: Collection[str]
) -> LoopKind:
    """A `while` or `for ... in range(...)` loop that stops once its work succeeds (`break`,
    `return`, or setting the flag its `while` tests): RETRY when it tries again only after a
    failure (in an `except` handler, or after a sleep taken on some paths only: a back-off on a
    bad status); POLL when it sleeps on every turn. A `for` over alternatives that leaves from
    inside a `try` (a fallback over base URLs) is RETRY too. Anything else repeats work. ``resolve``
    names a call's function (through the module's imports); ``sleeps`` are the sleep calls."""
    if isinstance(node, (ast.For, ast.AsyncFor)) and not (
        isinstance(node.iter, ast.Call)
        and isinstance(node.iter.func, ast.Name)
        and node.iter.func.id == "range"
    ):
        return LoopKind.RETRY if _fallback(node) else LoopKind.WORK
    exits = handles = backoff = every_turn = False
    flags = (
        {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)}
        if isinstance(node, ast.While)
        else set()
    )
    for sub in _body_nodes(node.body):
        if isinstance(sub, (ast.Break, ast.Return)) or (
            isinstance(sub, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id in flags for t in sub.targets)
        ):
            exits = True
        elif isinstance(sub, ast.Try) and sub.handlers:
            handles = True
        elif isinstance(sub, ast.Call) and resolve(sub.func) in sleeps:
            if any(_is_statement_of(stmt, sub) for stmt in node.body):
                every_turn = True
            else:
                backoff = True
    if not exits:
        return LoopKind.WORK
    if handles or (backoff and not every_turn):
        return LoopKind.RETRY
    return LoopKind.POLL if every_turn else LoopKind.WORK


def _fallback(node: ast.For | ast.AsyncFor) -> bool:
    """`for base_url in urls: try: ...; return result  except ...: continue`: one unit of
    work tried on each alternative until one succeeds (it leaves the loop from inside a `try`
    whose failure moves on to the next), not one unit per item."""
    return any(
        isinstance(sub, ast.Try) and sub.handlers and _leaves(sub.body)
        for sub in _block_statements(node.body)
    )


def _leaves(body: list[ast.stmt]) -> bool:
    """A `break` or `return` among what :func:`_body_nodes` yields for ``body``."""
    for stmt in _block_statements(body):
        if isinstance(stmt, (ast.Break, ast.Return)):
            return True
        if isinstance(stmt, _LOOPS) and any(isinstance(n, ast.Return) for n in ast.walk(stmt)):
            return True
    return False


# The fields that hold blocks of statements (an `except` handler's and a `case`'s too).
_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")


def _block_statements(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """The statements :func:`_body_nodes` reaches (and the handlers and cases on the way),
    without the expressions: a statement is only ever inside another's block, so a `try`,
    `break` or `return` is found without walking every expression of a long loop body."""
    todo: list[ast.AST] = list(body)
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, (*_OWN_SCOPES, *_LOOPS)):
            continue
        for name in _BLOCKS:
            todo.extend(getattr(node, name, ()))


def _body_nodes(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """The nodes of a loop body, not those of nested functions, classes or loops (their
    `break` and sleeps are their own; a `return` leaves this loop too)."""
    todo: list[ast.AST] = list(body)
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, _OWN_SCOPES):
            continue
        if isinstance(node, _LOOPS):
            todo.extend(n for n in ast.walk(node) if isinstance(n, ast.Return))
            continue
        todo.extend(ast.iter_child_nodes(node))


def _is_statement_of(stmt: ast.stmt, call: ast.Call) -> bool:
    """`time.sleep(1)` / `await asyncio.sleep(1)` as a statement of its own."""
    return isinstance(stmt, ast.Expr) and (
        stmt.value is call or (isinstance(stmt.value, ast.Await) and stmt.value.value is call)
    )
