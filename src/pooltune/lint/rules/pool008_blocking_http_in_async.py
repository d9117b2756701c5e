"""POOL008 blocking-http-in-async: synchronous HTTP inside a coroutine blocks the event loop."""

from __future__ import annotations

import libcst as cst

from pooltune.lint.facts import ClientBuild
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
    fix_offered = "unsafe"

    def visit_Call(self, node: cst.Call) -> None:
        facts = self.facts
        function = facts.enclosing_function(node)
        if not (isinstance(function, cst.FunctionDef) and function.asynchronous is not None):
            return  # not directly in a coroutine (a nested def/lambda runs elsewhere)
        if facts.offloaded(node) or facts.offloaded_callable(node) is not None:
            return  # `await asyncio.to_thread(...)`, `sync_to_async(f)(...)`: on a worker thread
        qualname = self.call_qualname(node)
        if qualname is not None:
            if facts.local_url_only(node):
                return  # `urlopen("data:...")`: decoded in memory, no network
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
            if build.uses and all(self._offloaded_use(use) for use in build.uses):
                return  # every request it makes runs on a worker thread
            if facts.dead_for_flags(node):
                return  # the sync branch of a factory whose every caller asks for the async one
            self._sync_build(
                node,
                not build.surely_sync,
                build.spec.kind,
                build.spec.display,
                build.inprocess,
                build.via,
                self._async_twin(build),
            )
            return
        self._sync_client_call(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        build = self.facts.build_for_expr(node)
        if build is None or build.node is not node or build.origin != "property":
            return
        function = self.facts.enclosing_function(node)
        if (
            isinstance(function, cst.FunctionDef)
            and function.asynchronous is not None
            and not self.facts.offloaded(node)
        ):
            self._sync_build(
                node,
                not build.surely_sync,
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
        fix: Fix | None = None,
    ) -> None:
        if is_async or kind not in ("pool", "sdk") or inprocess:
            return
        by = f" (by {via})" if via else ""
        self.report(
            node,
            f"sync client `{display}` built inside `async def`{by}: its requests block the "
            "event loop; use the async client",
            fix=fix,
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
        if held.declared and isinstance(self.facts.parent(node), cst.Await):
            return  # only an annotation says sync; awaiting the call says the client is async
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

    def _offloaded_use(self, use: cst.Name) -> bool:
        """`sync_to_async(client.chat.completions.create)(...)`: the client's method is handed
        to a thread offloader (or the use is inside one's arguments)."""
        return self.facts.offloaded(use)

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

    def _async_twin(self, build: ClientBuild) -> Fix | None:
        """``with httpx.Client() as c:`` in a coroutine becomes ``async with
        httpx.AsyncClient() as c:``, each ``c.get(...)`` becoming ``await c.get(...)``. Only
        when the client is local to a `with`, spelled ``module.Client`` (the twin is then
        ``module.AsyncClient``), and every use is a request call (a stream is a context manager
        of its own). Unsafe: another client class (its transports, hooks and auth are async)."""
        facts = self.facts
        call, twin = build.call, build.spec.entry.async_twin
        func = call.func if call is not None else None
        item = facts.parent(call) if call is not None else None
        statement = facts.parent(item) if item is not None else None
        if (
            call is None
            or twin is None
            or build.binding != "with"
            or build.spec.kind != "pool"
            or not isinstance(func, cst.Attribute)
            or not isinstance(item, cst.WithItem)
            or not isinstance(statement, cst.With)
            or statement.asynchronous is not None
            or len(statement.items) != 1
            or twin.rsplit(".", 1)[0] != build.spec.display.rsplit(".", 1)[0]
        ):
            return None
        methods = set(build.spec.library.request_methods) - set(build.spec.library.stream_methods)
        calls: set[int] = set()
        for use in build.uses:
            attribute = facts.parent(use)
            request = facts.parent(attribute) if attribute is not None else None
            if (
                not isinstance(attribute, cst.Attribute)
                or attribute.attr.value not in methods
                or not isinstance(request, cst.Call)
                or request.func is not attribute
                or facts.enclosing_function(use) is not build.function
            ):
                return None
            calls.add(id(request))
        inside = _calls_in(statement)
        if not calls <= {id(c) for c in inside}:
            return None  # used after the block: that call would not be awaited
        bare = {
            id(c)
            for c in inside
            if id(c) in calls and isinstance(facts.parent(c), _BARE_AWAIT_PARENTS)
        }
        new_func = func.with_changes(attr=cst.Name(twin.rsplit(".", 1)[1]))
        rewritten = statement.visit(_AwaitRequests(calls, bare, call, new_func))
        assert isinstance(rewritten, cst.With)
        rewritten = rewritten.with_changes(asynchronous=cst.Asynchronous())
        return self.replacement(
            statement, rewritten, f"Use `{twin}` with `async with` and `await`", "unsafe"
        )

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


def _calls_in(node: cst.CSTNode) -> list[cst.Call]:
    finder = _Calls()
    node.visit(finder)
    return finder.calls


class _Calls(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(node)


class _AwaitRequests(cst.CSTTransformer):
    """Await the request calls (by identity), parenthesized unless ``bare``; the constructor
    gets the async class."""

    def __init__(
        self, calls: set[int], bare: set[int], constructor: cst.Call, func: cst.BaseExpression
    ) -> None:
        super().__init__()
        self.calls, self.bare, self.constructor, self.func = calls, bare, constructor, func

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if original_node is self.constructor:
            return updated_node.with_changes(func=self.func)
        if id(original_node) not in self.calls:
            return updated_node
        awaited = cst.Await(updated_node)
        if id(original_node) in self.bare:
            return awaited
        return awaited.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
