"""POOL001 client-per-request: a connection pool built where it lives for one call."""

from __future__ import annotations

import libcst as cst

from pooltune.lint.facts import ClientBuild, Evidence
from pooltune.lint.rule import Rule


class ClientPerRequest(Rule):
    code = "POOL001"
    name = "client-per-request"
    message = (
        "HTTP client built per request: each call pays a new TCP+TLS handshake; "
        "create it once (app lifespan or module level) and reuse it"
    )
    fix_offered = "unsafe"  # the hoist (lint/hoist/), planned by the runner across modules

    def visit_Module(self, node: cst.Module) -> None:
        for build in self.facts.builds:
            where = self.facts.per_call(build)
            if where:
                self.report(build.node, self._build_message(build, where))

    def _build_message(self, build: ClientBuild, where: str) -> str:
        via = f" (by {build.via}, a new one on every call)" if build.via else ""
        given = " when no client is given" if build.fallback else ""
        unclosed = ""
        if unclosed_local(build) and not self.enabled("POOL002"):  # else POOL002 says it
            close = build.spec.close_methods[0]
            unclosed = (
                ", and it is never closed"  # a close of the name would close a given client too
                if build.fallback
                else f", and it is never closed (call `{build.name}.{close}()` or use `with`)"
            )
        return (
            f"{build.label} built {where}{via}{given}: every call pays a new TCP+TLS handshake "
            f"and drops its pool{unclosed}; create it once (lifespan/module level) and reuse it"
        )

    def visit_Call(self, node: cst.Call) -> None:
        qualname = self.call_qualname(node)
        if qualname is None or not self.context.catalog.calls[qualname].implicit:
            return
        place = self.facts.implicit_call_place(node)
        if place is None or place.evidence is not Evidence.PER_REQUEST:
            return  # a method nothing shows to run often: POOL101's (opt-in) business
        self.report(
            node,
            f"`{qualname}()` {place.where} builds and drops a connection pool per call; "
            "use one shared client",
        )


def unclosed_local(build: ClientBuild) -> bool:
    """A local client that is neither closed, context-managed nor handed on (POOL002's case)."""
    return (
        build.spec.kind != "sdk"
        and build.binding == "local"
        and not (build.closed or build.context_managed or build.handed_on)
    )
