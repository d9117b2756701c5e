"""POOL102 client-in-occasional-step (opt-in): a pool per call in code that runs now and then.

The weak twin of POOL001 for code that says by what it is that it runs rarely, where nothing in
the tree shows it to run per request or per item: an account step (login, OAuth, onboarding, a
device-flow poll, a token refresh, an API-key check), a model or quota listing, a version check
(by the function's name, or every caller being one), a CLI command, what only start-up code
reaches, or a polling loop that sleeps for seconds on every pass. A handler, task or loop
reaching the code wins over its name: POOL001 then.
"""

from __future__ import annotations

import libcst as cst

from pooltune.lint.facts import Evidence
from pooltune.lint.rule import Rule

_ADVICE = "if it runs often, create one client and reuse it"


class ClientInOccasionalStep(Rule):
    code = "POOL102"
    name = "client-in-occasional-step"
    message = "client built per call in code that runs now and then"

    def visit_Module(self, node: cst.Module) -> None:
        for build in self.facts.builds:
            place = self.facts.build_place(build)
            if place is not None and place.evidence is Evidence.OCCASIONAL:
                self.report(
                    build.node,
                    f"{build.label} built {place.where}: each call pays a new TCP+TLS "
                    f"handshake, rarely; {_ADVICE}",
                )

    def visit_Call(self, node: cst.Call) -> None:
        qualname = self.call_qualname(node)
        if qualname is None or not self.context.catalog.calls[qualname].implicit:
            return
        place = self.facts.implicit_call_place(node)
        if place is None or place.evidence is not Evidence.OCCASIONAL:
            return
        self.report(
            node,
            f"`{qualname}()` {place.where} builds and drops a connection pool on each call, "
            f"rarely; {_ADVICE}",
        )
