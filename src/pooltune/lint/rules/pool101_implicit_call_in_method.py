"""POOL101 implicit-call-in-method (opt-in): `requests.get` & co. in a method of an ordinary class.

The weak twin of POOL001: the call builds and drops a pool, but nothing in the tree shows the
method to run per request or in a loop (an agent tool, a value object fetching its own URL).
Split off as ruff splits a rule whose evidence differs, so POOL001 keeps only what the code
proves; not selected by default.
"""

from __future__ import annotations

import libcst as cst

from pooltune.lint.facts import Evidence
from pooltune.lint.rule import Rule


class ImplicitCallInMethod(Rule):
    code = "POOL101"
    name = "implicit-call-in-method"
    message = "implicit client call in a method: a new connection pool per call"

    def visit_Call(self, node: cst.Call) -> None:
        qualname = self.call_qualname(node)
        if qualname is None or not self.context.catalog.calls[qualname].implicit:
            return
        place = self.facts.implicit_call_place(node)
        if place is None or place.evidence is not Evidence.METHOD_ONLY:
            return
        self.report(
            node,
            f"`{qualname}()` {place.where} builds and drops a connection pool on each call; "
            "if the method runs often, give the object one client (a session) to reuse",
        )
