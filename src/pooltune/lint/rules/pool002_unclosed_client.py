"""POOL002 unclosed-client: a client whose pool (and sockets) is never closed."""

from __future__ import annotations

import libcst as cst

from pooltune.lint.facts import ClientBuild
from pooltune.lint.rule import Rule
from pooltune.lint.rules.pool001_client_per_request import unclosed_local


class UnclosedClient(Rule):
    code = "POOL002"
    name = "unclosed-client"
    message = "HTTP client is never closed: use `with`/`async with` or call close()/aclose()"

    def visit_Module(self, node: cst.Module) -> None:
        facts = self.facts
        for build in facts.builds:
            if build.spec.kind == "sdk":
                continue  # the SDK clients close their pool themselves
            if unclosed_local(build):
                if self.enabled("POOL001") and facts.per_call(build):
                    continue  # one problem, one finding: POOL001 says it is never closed
                close = build.spec.close_methods[0]
                verb = "async with" if build.spec.is_async else "with"
                self.report(
                    build.node,
                    f"`{build.spec.display}` bound to `{build.name}` is never closed: "
                    f"use `{verb}` or call `{build.name}.{close}()` in a finally block",
                )
            elif build.binding == "self" and not self._class_closes(build):
                self.report(
                    build.node,
                    f"`self.{build.name}` holds a `{build.spec.display}` that no method of the "
                    f"class closes: add a close/aclose (or __aexit__) that calls "
                    f"`self.{build.name}.{build.spec.close_methods[0]}()`",
                )

    def _class_closes(self, build: ClientBuild) -> bool:
        function = build.function
        if not isinstance(function, cst.FunctionDef):
            return True
        facts = self.facts
        cls = facts.enclosing_class(function)
        if cls is None:
            return True  # `self` outside a class: not ours to judge
        attr = build.name
        if attr in facts.view.class_closes.get(facts.class_qualname(cls), ()):
            return True  # closed here or by a base class in the tree
        closers = set(build.spec.close_methods) | {"close", "aclose", "__aexit__", "__exit__"}
        finder = _CloseFinder(attr, closers)
        cls.visit(finder)
        return finder.found


class _CloseFinder(cst.CSTVisitor):
    """Whether a class closes `self.<attr>`, enters it with `with`, or hands it on."""

    def __init__(self, attr: str | None, closers: set[str]) -> None:
        super().__init__()
        self.attr = attr
        self.closers = closers
        self.found = False

    def _is_self_attr(self, expr: cst.BaseExpression) -> bool:
        return (
            isinstance(expr, cst.Attribute)
            and isinstance(expr.value, cst.Name)
            and expr.value.value == "self"
            and expr.attr.value == self.attr
        )

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.found = self.found or (
            self._is_self_attr(node.value) and node.attr.value in self.closers
        )

    def visit_WithItem(self, node: cst.WithItem) -> None:
        self.found = self.found or self._is_self_attr(node.item)

    def visit_Arg(self, node: cst.Arg) -> None:
        # Handed to an exit stack or any other owner: lifetime is managed elsewhere.
        self.found = self.found or self._is_self_attr(node.value)
