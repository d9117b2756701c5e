"""POOL008 blocking-http-in-async: synchronous HTTP inside a coroutine blocks the event loop."""

from __future__ import annotations

import libcst as cst

from pooltune.lint.catalog import ClientSpec
from pooltune.lint.rule import Rule


class BlockingHttpInAsync(Rule):
    code = "POOL008"
    name = "blocking-http-in-async"
    message = "synchronous HTTP inside `async def` blocks the event loop"

    def visit_Call(self, node: cst.Call) -> None:
        function = self.analysis.enclosing_function(node)
        if not (isinstance(function, cst.FunctionDef) and function.asynchronous is not None):
            return  # not directly in a coroutine (a nested def/lambda runs elsewhere)
        qualname = self.call_qualname(node)
        if qualname is not None:
            library = self.context.catalog.calls[qualname].library
            if library.name in ("requests", "httpx", "httpx2", "urllib"):
                self.report(
                    node,
                    f"`{qualname}()` blocks the event loop inside `async def`: use an async "
                    "client, or `await asyncio.to_thread(...)`",
                )
            return
        spec = self.client_spec(node)
        if spec is not None:
            if not spec.is_async and spec.kind in ("pool", "sdk"):
                self.report(
                    node,
                    f"sync client `{spec.qualname}` built inside `async def`: its requests "
                    "block the event loop; use the async client",
                )
            return
        self._module_client_call(node)

    def _module_client_call(self, node: cst.Call) -> None:
        """`sync_client.post(...)` where sync_client is a module-level sync client."""
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        root: cst.BaseExpression = func.value
        depth = 0
        while isinstance(root, cst.Attribute):
            root, depth = root.value, depth + 1
        if not isinstance(root, cst.Name):
            return
        build = self.analysis.build_for_expr(root)
        if build is None or build.binding != "module":
            return
        spec: ClientSpec = build.spec
        if spec.is_async or spec.kind not in ("pool", "sdk"):
            return
        method = func.attr.value
        is_request = (
            method in spec.library.request_methods and depth == 0
            if spec.kind == "pool"
            else depth >= 1  # client.chat.completions.create(...)
        )
        if is_request:
            self.report(
                node,
                f"module-level sync client `{build.name}` ({spec.qualname}) called inside "
                "`async def` blocks the event loop; use the async client",
            )
