"""POOL008 blocking-http-in-async: synchronous HTTP inside a coroutine blocks the event loop."""

from __future__ import annotations

import libcst as cst

from pooltune.lint.rule import Rule


class BlockingHttpInAsync(Rule):
    code = "POOL008"
    name = "blocking-http-in-async"
    message = "synchronous HTTP inside `async def` blocks the event loop"

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
                )
            return
        build = facts.build_for_expr(node)
        if build is not None and build.node is node:
            if build.uses and all(self._offloaded_use(use) for use in build.uses):
                return  # every request it makes runs on a worker thread
            self._sync_build(
                node,
                not build.surely_sync,
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
            )

    def _offloaded_use(self, use: cst.Name) -> bool:
        """`sync_to_async(client.chat.completions.create)(...)`: the client's method is handed
        to a thread offloader (or the use is inside one's arguments)."""
        return self.facts.offloaded(use)

    @staticmethod
    def _is_self_attr(expr: cst.BaseExpression) -> bool:
        return (
            isinstance(expr, cst.Attribute)
            and isinstance(expr.value, cst.Name)
            and expr.value.value in ("self", "cls")
        )
