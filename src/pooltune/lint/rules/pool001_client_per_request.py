"""POOL001 client-per-request: a connection pool built where it lives for one call."""

from __future__ import annotations

import libcst as cst

from pooltune.lint.analysis import ClientBuild
from pooltune.lint.args import keyword, keyword_literal
from pooltune.lint.rule import Rule


class ClientPerRequest(Rule):
    code = "POOL001"
    name = "client-per-request"
    message = (
        "HTTP client built per request: each call pays a new TCP+TLS handshake; "
        "create it once (app lifespan or module level) and reuse it"
    )

    def visit_Module(self, node: cst.Module) -> None:
        for build in self.analysis.builds:
            where = self._per_request(build)
            if where:
                name = build.spec.qualname
                self.report(
                    build.call,
                    f"`{name}` built {where}: every call pays a new TCP+TLS handshake and "
                    "drops its pool; create it once (lifespan/module level) and reuse it",
                )

    def visit_Call(self, node: cst.Call) -> None:
        qualname = self.call_qualname(node)
        if qualname is None or not self.context.catalog.calls[qualname].implicit:
            return
        analysis = self.analysis
        function = analysis.enclosing_function(node)
        if analysis.in_loop(node, function):
            where = "inside a loop"
        elif function is not None and analysis.is_request_handler(function):
            where = "inside a request handler or task"
        else:
            return
        self.report(
            node,
            f"`{qualname}()` {where} builds and drops a connection pool per call; "
            "use one shared client",
        )

    def _per_request(self, build: ClientBuild) -> str | None:
        analysis = self.analysis
        if build.function is None:
            return "inside a loop" if build.in_loop and not build.in_class_body else None
        if self._shares_connector(build.call):
            return None
        if build.in_loop:
            return "inside a loop"
        if analysis.is_request_handler(build.function):
            return "inside a request handler or task"
        if analysis.is_exempt_factory(build.function):
            return None
        if build.handed_on or build.binding == "self":
            return None
        if build.uses_in_loop:
            return None
        return "for a single call"

    def _shares_connector(self, call: cst.Call) -> bool:
        return keyword(call, "connector") is not None and (
            keyword_literal(call, "connector_owner") is False
        )
