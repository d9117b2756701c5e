"""POOL008 blocking-http-in-async: synchronous HTTP inside a coroutine blocks the event loop."""

from __future__ import annotations

import libcst as cst

from pooltune.lint.findings import Edit, Fix, Location
from pooltune.lint.rule import Rule

# Where the awaited call needs no parentheses of its own: `await f(x).json()` would await the
# `.json()` call, so anywhere else the rewrite is parenthesized.
_BARE_AWAIT_PARENTS = (
    cst.Assign,
    cst.AnnAssign,
    cst.AugAssign,
    cst.Expr,
    cst.Return,
    cst.Arg,
    cst.WithItem,
)


class BlockingHttpInAsync(Rule):
    code = "POOL008"
    name = "blocking-http-in-async"
    message = "synchronous HTTP inside `async def` blocks the event loop"

    def visit_Call(self, node: cst.Call) -> None:
        facts = self.facts
        function = facts.enclosing_function(node)
        if not (isinstance(function, cst.FunctionDef) and function.asynchronous is not None):
            return  # not directly in a coroutine (a nested def/lambda runs elsewhere)
        qualname = self.call_qualname(node)
        if qualname is not None:
            if self.context.catalog.calls[qualname].blocking:
                self.report(
                    node,
                    f"`{qualname}()` blocks the event loop inside `async def`: use an async "
                    "client, or `await asyncio.to_thread(...)`",
                    fix=self._to_thread(node),
                )
            return
        build = facts.build_for_expr(node)
        if build is not None and build.node is node:
            self._sync_build(
                node,
                build.spec.is_async,
                build.spec.kind,
                build.spec.display,
                build.inprocess,
                build.via,
            )
            return
        self._sync_client_call(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        build = self.facts.build_for_expr(node)
        if build is None or build.node is not node or build.origin != "property":
            return
        function = self.facts.enclosing_function(node)
        if isinstance(function, cst.FunctionDef) and function.asynchronous is not None:
            self._sync_build(
                node,
                build.spec.is_async,
                build.spec.kind,
                build.spec.display,
                build.inprocess,
                build.via,
            )

    def _sync_build(
        self,
        node: cst.CSTNode,
        is_async: bool,
        kind: str,
        display: str,
        inprocess: bool,
        via: str | None,
    ) -> None:
        if is_async or kind not in ("pool", "sdk") or inprocess:
            return
        by = f" (by {via})" if via else ""
        self.report(
            node,
            f"sync client `{display}` built inside `async def`{by}: its requests block the "
            "event loop; use the async client",
        )

    def _sync_client_call(self, node: cst.Call) -> None:
        """`sync_client.post(...)` on a sync client that outlives this coroutine: a module-level
        client (this module's or an imported one), `self.session` however it was set, a
        parameter annotated with a sync client class."""
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        chain: list[str] = []
        root: cst.BaseExpression = func.value
        while isinstance(root, cst.Attribute) and not self._is_self_attr(root):
            chain.append(root.attr.value)
            root = root.value
        chain.reverse()
        held = self.facts.held(root)
        if held is None or held.where == "build" or held.inprocess:
            return
        if held.where == "local" and held.build is not None:
            return  # built in this coroutine: reported where it is built
        spec = held.spec
        if spec.is_async or spec.kind not in ("pool", "sdk"):
            return
        method = func.attr.value
        if spec.kind == "pool":
            is_request = not chain and method in spec.library.request_methods
        elif held.resource:
            is_request = True  # `self.client = SDK().chat.completions`; `self.client.create()`
        else:
            is_request = bool(chain) and chain[0] in spec.library.resources
        if is_request:
            self.report(
                node,
                f"sync client `{held.name}` ({spec.display}) called inside `async def` blocks "
                "the event loop; use the async client",
                fix=self._to_thread(node),
            )

    # -- the fix (unsafe: the call now runs on a worker thread) -------------------------------

    def _to_thread(self, node: cst.Call) -> Fix | None:
        """``f(*args, **kwargs)`` becomes ``await asyncio.to_thread(f, *args, **kwargs)``, and
        ``import asyncio`` is added when the module has no name for it. Unsafe: the call runs
        on another thread (thread-local state, a session shared across threads)."""
        facts = self.facts
        for _, parent in facts.ancestors(node):
            if isinstance(parent, (cst.GeneratorExp, cst.Lambda)):
                return None  # `await` there would change what the expression is
            if isinstance(parent, cst.FunctionDef):
                break
        to_thread, import_edit = self._to_thread_name()
        if to_thread is None:
            return None
        between = node.whitespace_before_args  # one argument per line stays so
        if not isinstance(between, cst.ParenthesizedWhitespace):
            between = cst.SimpleWhitespace(" ")
        func = cst.Arg(
            node.func,
            comma=cst.Comma(whitespace_after=between) if node.args else cst.MaybeSentinel.DEFAULT,
        )
        awaited = cst.Await(
            cst.Call(
                func=cst.parse_expression(to_thread),
                args=[func, *node.args],
                whitespace_before_args=node.whitespace_before_args,
            )
        )
        if not isinstance(facts.parent(node), _BARE_AWAIT_PARENTS):
            awaited = awaited.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        fix = self.replacement(
            node, awaited, f"Run it in a thread: `await {to_thread}(...)`", "unsafe"
        )
        if fix is None or import_edit is None:
            return fix
        return Fix(fix.message, (*fix.edits, import_edit), fix.applicability)

    def _to_thread_name(self) -> tuple[str | None, Edit | None]:
        """How this module spells `asyncio.to_thread`, and the edit that imports asyncio when
        it does not (before the first statement that is not the docstring or a __future__
        import)."""
        module = self.context.module
        first: cst.BaseStatement | None = None
        for index, stmt in enumerate(module.body):
            small = stmt.body[0] if isinstance(stmt, cst.SimpleStatementLine) else None
            if isinstance(small, cst.Import):
                for alias in small.names:
                    if module.code_for_node(alias.name) == "asyncio":
                        as_name = alias.asname.name if alias.asname else None
                        name = as_name.value if isinstance(as_name, cst.Name) else "asyncio"
                        return f"{name}.to_thread", None
            if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                source = module.code_for_node(small.module) if small.module else ""
                for alias in small.names:
                    if source == "asyncio" and module.code_for_node(alias.name) == "to_thread":
                        as_name = alias.asname.name if alias.asname else None
                        return (
                            as_name.value if isinstance(as_name, cst.Name) else "to_thread"
                        ), None
            docstring = (
                index == 0
                and isinstance(small, cst.Expr)
                and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString))
            )
            future = isinstance(small, cst.ImportFrom) and source_is_future(module, small)
            if first is None and not docstring and not future:
                first = stmt
        if first is None:
            return None, None
        start = self.facts.position(first).start
        newline = module.default_newline
        edit = Edit(f"import asyncio{newline}", Location(start.line, 1), Location(start.line, 1))
        return "asyncio.to_thread", edit

    @staticmethod
    def _is_self_attr(expr: cst.BaseExpression) -> bool:
        return (
            isinstance(expr, cst.Attribute)
            and isinstance(expr.value, cst.Name)
            and expr.value.value in ("self", "cls")
        )


def source_is_future(module: cst.Module, node: cst.ImportFrom) -> bool:
    return node.module is not None and module.code_for_node(node.module) == "__future__"
