"""The hoists that stay in one module: a client built in a loop moves before the loop, and a
sync client built per call in a function (a Flask/Quart route, a Celery task, a helper) becomes
one module-level client closed with `atexit`.

Async clients are not moved to module level: an aiohttp session built at import raises (POOL010)
and any async client built there belongs to the first event loop (POOL013); those stay where they
are unless the app is FastAPI/Starlette (its lifespan, :mod:`pooltune.lint.hoist.plan`).
"""

from __future__ import annotations

import libcst as cst

from pooltune.lint.catalog import Catalog
from pooltune.lint.findings import Fix
from pooltune.lint.hoist.app import NotHoisted
from pooltune.lint.hoist.edits import (
    binding_count,
    block_statements,
    bound_names,
    closes_of,
    imports_edit,
    is_close_call,
    names_bound_in,
    statement_edit,
    top_statement,
)
from pooltune.lint.hoist.handler import (
    Build,
    find_build,
    imports_for,
    names_read,
    rewrite_function,
)
from pooltune.lint.hoist.parsed import ParsedModule

LOOPS = (cst.For, cst.While)
MAX_MODULE_NAMES = 9


# -- a client built in a loop ------------------------------------------------------------------


def loop_fix(
    parsed: ParsedModule, call: cst.Call, catalog: Catalog, factory_client: str | None
) -> Fix | None:
    """`c = Client()` / `with Client() as c:` directly in a loop's body, before the loop."""
    build = find_build(parsed, call, catalog, factory_client)
    statement, loop = _statement_in_loop(parsed, build)
    if statement is None or loop is None:
        return None
    if any(isinstance(node, cst.With) for node in _closes_in(loop, build)):
        return None  # `with c:` in the loop would end the client after the first pass
    bound_in_loop = names_bound_in(loop)
    if any(name.value in bound_in_loop for name in names_read(build.call)):
        return None  # its arguments change from one iteration to the next
    top = top_statement(parsed, loop)
    if top is None:
        return None
    rewrite = _LoopRewrite(build, statement, loop)
    new_top = top.visit(rewrite)
    if not rewrite.done or not isinstance(new_top, cst.CSTNode):
        return None
    return Fix(
        f"Build `{build.spec.display}` once before the loop",
        tuple(statement_edit(parsed, top, new_top)),
        "unsafe",
    )


def _closes_in(loop: cst.CSTNode, build: Build) -> list[cst.CSTNode]:
    return closes_of(loop, build.bound, build.spec.close_methods) if build.bound else []


def _statement_in_loop(
    parsed: ParsedModule, build: Build
) -> tuple[cst.BaseStatement | None, cst.For | cst.While | None]:
    if build.with_item is not None:
        statement: cst.CSTNode | None = parsed.parents.get(build.with_item)
        if not isinstance(statement, cst.With) or len(statement.items) != 1:
            return None, None
    else:
        assign = parsed.parents.get(build.call)
        if not isinstance(assign, cst.Assign) or build.bound is None:
            return None, None
        statement = parsed.parents.get(assign)
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            return None, None
    block = parsed.parents.get(statement)
    loop = parsed.parents.get(block) if isinstance(block, cst.IndentedBlock) else None
    if not isinstance(loop, LOOPS) or block is not loop.body:
        return None, None
    return statement, loop


class _LoopRewrite(cst.CSTTransformer):
    def __init__(
        self, build: Build, statement: cst.BaseStatement, loop: cst.For | cst.While
    ) -> None:
        super().__init__()
        self.build = build
        self.statement = statement
        self.loop = loop
        self.closes = set(build.spec.close_methods)
        self.removed_close: cst.SimpleStatementLine | None = None
        self.done = False

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.RemovalSentinel:
        if original is self.statement:
            return cst.RemoveFromParent()
        if self._closes(original) and self._in_loop(original):
            self.removed_close = self.removed_close or original
            return cst.RemoveFromParent()
        return updated

    def leave_With(
        self, original: cst.With, updated: cst.With
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        if original is not self.statement:
            return updated
        return cst.FlattenSentinel(block_statements(updated.body, updated.leading_lines))

    def leave_IndentedBlock(
        self, original: cst.IndentedBlock, updated: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        if updated.body:
            return updated
        return updated.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])

    def leave_For(
        self, original: cst.For, updated: cst.For
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        return self._leave_loop(original, updated)

    def leave_While(
        self, original: cst.While, updated: cst.While
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        return self._leave_loop(original, updated)

    def _leave_loop(
        self, original: cst.For | cst.While, updated: cst.For | cst.While
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        if original is not self.loop:
            return updated
        self.done = True
        leading = updated.leading_lines
        loop = updated.with_changes(leading_lines=())
        statement = self.statement
        if isinstance(statement, cst.With):
            block = statement.body
            outer = (
                block.with_changes(body=[loop])
                if isinstance(block, cst.IndentedBlock)
                else cst.IndentedBlock([loop])
            )
            return statement.with_changes(body=outer, leading_lines=leading)
        assert isinstance(statement, cst.SimpleStatementLine)
        create = statement.with_changes(leading_lines=leading)
        if self.removed_close is None:
            return cst.FlattenSentinel([create, loop])
        close = self.removed_close.with_changes(leading_lines=())
        guarded = cst.Try(
            body=cst.IndentedBlock([loop]),
            finalbody=cst.Finally(body=cst.IndentedBlock([close])),
        )
        return cst.FlattenSentinel([create, guarded])

    def _closes(self, line: cst.SimpleStatementLine) -> bool:
        return (
            len(line.body) == 1
            and isinstance(line.body[0], cst.Expr)
            and is_close_call(line.body[0].value, self.build.bound, self.closes)
        )

    def _in_loop(self, node: cst.CSTNode) -> bool:
        collector = _Contains(node)
        self.loop.visit(collector)
        return collector.found


class _Contains(cst.CSTVisitor):
    def __init__(self, target: cst.CSTNode) -> None:
        self.target = target
        self.found = False

    def on_visit(self, node: cst.CSTNode) -> bool:
        if node is self.target:
            self.found = True
        return not self.found


# -- one module-level client, closed at exit -----------------------------------------------------


def module_fix(
    parsed: ParsedModule, call: cst.Call, catalog: Catalog, factory_client: str | None
) -> Fix | None:
    """A sync client built per call in a module-level function or a method becomes a
    module-level client closed with `atexit` (one per process: a Flask/Quart worker, a Celery
    worker; one for every instance of a class)."""
    function = next((a for a in parsed.ancestors(call) if isinstance(a, cst.FunctionDef)), None)
    top = top_statement(parsed, function) if function is not None else None
    if function is None or top is None or not _only_classes_between(parsed, function, top):
        return None  # a closure reads its enclosing function's names
    build = find_build(parsed, call, catalog, factory_client)
    if build.spec.is_async or build.awaited:
        return None  # at import, an async client belongs to no loop yet (POOL010/POOL013)
    body: list[cst.CSTNode] = list(parsed.module.body)
    later = set().union(*(bound_names(s) for s in body[body.index(top) :]))
    if set(build.needed_names) & later:
        return None  # it reads names bound below
    code = build.constructor_code(parsed)
    local = names_bound_in(function)
    if build.bound and binding_count(function, build.bound) == 1:
        local.discard(build.bound)  # the module-level client may take the local's own name
    name, existing = _module_name(parsed, build, code, local)
    close = build.spec.close_methods[0]
    prefix = "" if existing else f"{name} = {code}\natexit.register({name}.{close})\n\n\n"
    new_function = rewrite_function(function, build, cst.Name(name))
    new_top = new_function if top is function else top.deep_replace(function, new_function)
    library = imports_for(parsed, build) if build.kind == "implicit" else []
    if any(parsed.import_of(line.split()[1]) != line for line in library):
        return None  # imported only where it is used (an optional dependency): leave it so
    edits = statement_edit(parsed, top, new_top, prefix)
    # a fix that creates the client always edits the import block (itself when nothing is
    # missing): two such fixes in one round overlap there, so the second is planned again and
    # sees the first's client; fixes that reuse it apply together
    edits.extend(imports_edit(parsed, {"import atexit"}, always=not existing))
    return Fix(
        f"Build `{build.spec.display}` once at module level as `{name}` (closed at exit) "
        "and reuse it",
        tuple(edits),
        "unsafe",
    )


def _only_classes_between(parsed: ParsedModule, function: cst.CSTNode, top: cst.CSTNode) -> bool:
    for ancestor in parsed.ancestors(function):
        if ancestor is top:
            return True
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda)):
            return False
    return function is top


def _module_name(
    parsed: ParsedModule, build: Build, code: str, local: set[str]
) -> tuple[str, bool]:
    """A free module-level name (not one the function binds), or the one that already holds
    this very client."""
    held = _module_values(parsed)
    taken = parsed.global_names() | local
    base = build.state_name()
    for n in range(1, MAX_MODULE_NAMES + 1):
        name = base if n == 1 else f"{base}_{n}"
        if held.get(name) == code and name not in local:
            return name, True
        if name not in taken:
            return name, False
    raise NotHoisted("no free module-level name")


def _module_values(parsed: ParsedModule) -> dict[str, str]:
    return {
        name: parsed.module.code_for_node(assign.value)
        for name, assign in parsed.module_assignments()
    }
