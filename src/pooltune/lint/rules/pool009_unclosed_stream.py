"""POOL009 unclosed-stream: a streamed response that may never give its connection back."""

from __future__ import annotations

import libcst as cst

from pooltune.lint.args import keyword, literal
from pooltune.lint.closefix import (
    escapes,
    name_uses,
    region_after,
    region_fix,
    try_finally,
    with_statement,
)
from pooltune.lint.findings import Fix
from pooltune.lint.rule import Rule


class UnclosedStream(Rule):
    code = "POOL009"
    name = "unclosed-stream"
    message = "streamed response is never closed: its connection is not returned to the pool"
    fix_offered = "safe"

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        qualname = self.call_qualname(node)
        send = False
        is_async = False
        if qualname is not None:
            library = self.context.catalog.calls[qualname].library
            if qualname.rsplit(".", 1)[-1] not in library.stream_methods:
                return
            label = f"{qualname}()"
        elif isinstance(func, cst.Attribute):
            spec = self.facts.spec_for_expr(func.value)
            if spec is None:
                return
            method = func.attr.value
            is_async = spec.is_async
            send = method in spec.library.send_methods
            if method not in spec.library.stream_methods and not send:
                return
            label = f"{spec.display}.{method}()"
        else:
            return
        if send:
            if literal(getattr(keyword(node, "stream"), "value", cst.Name("False"))) is True:
                self._check_send(node, label)
            return
        parent = self.facts.parent(node)
        if isinstance(parent, cst.WithItem):
            return
        if isinstance(parent, (cst.Return, cst.Arg)):
            return  # handed on: the receiver owns it
        self.report(
            node,
            f"`{label}` outside `with`/`async with`: the response (and its connection) is "
            "never closed; write `async with client.stream(...) as response:`",
            fix=self._with_fix(node, is_async),
        )

    def _with_fix(self, node: cst.Call, is_async: bool) -> Fix | None:
        """``r = client.stream(...)`` and what follows become ``with client.stream(...) as r:``.
        Safe when nothing leaves the block: the response is then closed when it ends."""
        facts = self.facts
        assign = facts.parent(node)
        function = facts.enclosing_function(node)
        if (
            not isinstance(assign, cst.Assign)
            or assign.value is not node
            or not isinstance(function, cst.FunctionDef)
            or (is_async and function.asynchronous is None)
        ):
            return None
        target = assign.targets[0].target
        if not isinstance(target, cst.Name):
            return None
        uses = name_uses(facts, target)
        region = region_after(facts, target, uses) if uses is not None else None
        if region is None:
            return None
        verb = "async with" if is_async else "with"
        return region_fix(
            facts,
            self.context.module,
            region,
            with_statement(region, node, target.value, is_async),
            keep_line=False,
            message=f"Use `{verb}` so that `{target.value}` is closed",
            applicability="unsafe" if escapes(region.statements) else "safe",
        )

    def _finally_fix(self, target: cst.Name, awaited: bool) -> Fix | None:
        """``r = await client.send(..., stream=True)``: what follows goes in a ``try`` whose
        ``finally`` closes it. Safe when nothing leaves the block."""
        facts = self.facts
        uses = name_uses(facts, target)
        region = region_after(facts, target, uses) if uses is not None else None
        if region is None:
            return None
        close = f"await {target.value}.aclose()" if awaited else f"{target.value}.close()"
        return region_fix(
            facts,
            self.context.module,
            region,
            try_finally(region, cst.parse_expression(close)),
            keep_line=True,
            message=f"Close `{target.value}` in a `finally` block",
            applicability="unsafe" if escapes(region.statements) else "safe",
        )

    def _check_send(self, node: cst.Call, label: str) -> None:
        facts = self.facts
        expr: cst.CSTNode = node
        parent = facts.parent(expr)
        if isinstance(parent, cst.Await):
            expr, parent = parent, facts.parent(parent)
        if isinstance(parent, (cst.WithItem, cst.Return, cst.Arg)):
            return
        if not isinstance(parent, cst.Assign) or len(parent.targets) != 1:
            if isinstance(parent, cst.Expr):
                self.report(node, f"`{label}` with stream=True: the response is dropped unclosed")
            return
        target = parent.targets[0].target
        if not isinstance(target, cst.Name):
            return
        scope = facts.scope(target)
        if scope is None:
            return
        mine = [a for a in scope.assignments[target.value] if getattr(a, "node", None) is target]
        if not mine:
            return
        for access in mine[0].references:
            use = facts.parent(access.node)
            if isinstance(use, cst.Attribute) and use.attr.value in ("aclose", "close"):
                return
            if not isinstance(use, cst.Attribute):
                return  # returned, passed on, used in `with`: someone else may close it
        self.report(
            node,
            f"`{label}` with stream=True: `{target.value}` is never closed; call "
            f"`await {target.value}.aclose()` in a finally block",
            fix=self._finally_fix(target, expr is not node),
        )
