"""POOL006 pool-limits: pool limits that leak sockets or keep dead connections."""

from __future__ import annotations

import libcst as cst

from pooltune.lint.args import has_star_args, is_none, keyword, literal
from pooltune.lint.rule import Rule


class PoolLimits(Rule):
    code = "POOL006"
    name = "pool-limits"
    message = "pool limits leak sockets or keep connections the server has closed"

    def visit_Call(self, node: cst.Call) -> None:
        if has_star_args(node):
            return
        for name in self.qualnames(node.func):
            if name in self.context.catalog.limits_classes:
                self._limits(node, name)
                return
        spec = self.client_spec(node)
        if spec is not None and spec.library.name == "aiohttp" and spec.kind == "connector":
            limit = keyword(node, "limit")
            if limit is not None and literal(limit.value) == 0:
                self.report(
                    limit,
                    "`TCPConnector(limit=0)` allows unbounded simultaneous connections: "
                    "set a limit (aiohttp's default is 100)",
                )

    def _limits(self, node: cst.Call, name: str) -> None:
        max_conn = keyword(node, "max_connections")
        keepalive = keyword(node, "max_keepalive_connections")
        expiry = keyword(node, "keepalive_expiry")
        if max_conn is not None and is_none(max_conn.value):
            self.report(
                max_conn,
                f"`{name}(max_connections=None)` opens unbounded sockets under load: set a bound",
            )
        if expiry is not None and is_none(expiry.value):
            self.report(
                expiry,
                f"`{name}(keepalive_expiry=None)` keeps idle connections forever; the server "
                "closes them first (5 s for uvicorn, 60 s for ALB) and reuse then fails",
            )
        if max_conn is not None and keepalive is not None:
            total, kept = literal(max_conn.value), literal(keepalive.value)
            if (
                isinstance(total, int)
                and isinstance(kept, int)
                and not isinstance(total, bool)
                and not isinstance(kept, bool)
                and kept > total
            ):
                # The pool never holds more than max_connections, so lowering the keep-alive
                # limit to it changes nothing at run time: a safe fix.
                fixed = keepalive.with_changes(value=max_conn.value)
                self.report(
                    keepalive,
                    f"max_keepalive_connections={kept} exceeds max_connections={total}: "
                    "at most max_connections can ever be kept; make them equal",
                    fix=self.replacement(
                        keepalive, fixed, f"Set max_keepalive_connections={total}"
                    ),
                )
