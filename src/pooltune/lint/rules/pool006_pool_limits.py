"""POOL006 pool-limits: pool limits that leak sockets or keep dead connections."""

from __future__ import annotations

import libcst as cst

from pooltune.lint.args import has_star_args, is_none, keyword, literal, positional
from pooltune.lint.catalog import LibraryEntry
from pooltune.lint.rule import Rule

MAX = "max_connections"
KEEPALIVE = "max_keepalive_connections"
EXPIRY = "keepalive_expiry"


class PoolLimits(Rule):
    code = "POOL006"
    name = "pool-limits"
    message = "pool limits leak sockets or keep connections the server has closed"
    fix_offered = "safe"

    def visit_Call(self, node: cst.Call) -> None:
        if has_star_args(node):
            return
        for name in self.qualnames(node.func):
            library = self.context.catalog.limits_classes.get(name)
            if library is not None:
                self._limits(node, name, library)
                return
        spec = self.client_spec(node)
        entry = spec.entry if spec is not None else None
        if spec is not None and entry is not None and entry.limit_param is not None:
            limit = keyword(node, entry.limit_param)
            if limit is not None and literal(limit.value) == 0:
                short = spec.display.rsplit(".", 1)[-1]
                default = f" (the default is {entry.limit_default})" if entry.limit_default else ""
                self.report(
                    limit,
                    f"`{short}({entry.limit_param}=0)` allows unbounded simultaneous "
                    f"connections: set a limit{default}",
                )

    def _limits(self, node: cst.Call, name: str, library: LibraryEntry) -> None:
        max_conn = keyword(node, MAX)
        keepalive = keyword(node, KEEPALIVE)
        expiry = keyword(node, EXPIRY)
        if max_conn is None and not positional(node):
            self._missing_max(node, name, library, keepalive)
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

    def _missing_max(
        self, node: cst.Call, name: str, library: LibraryEntry, keepalive: cst.Arg | None
    ) -> None:
        """`Limits(keepalive_expiry=30)`: the class defaults to unbounded, unlike the client."""
        default = client_default = library.limits_defaults.get(MAX)
        if default is None:
            return
        kept = literal(keepalive.value) if keepalive is not None else None
        if isinstance(kept, int) and not isinstance(kept, bool) and kept > default:
            default = kept
        arg = cst.Arg(
            keyword=cst.Name(MAX),
            value=cst.Integer(str(default)),
            equal=cst.AssignEqual(
                whitespace_before=cst.SimpleWhitespace(""),
                whitespace_after=cst.SimpleWhitespace(""),
            ),
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            if node.args
            else cst.MaybeSentinel.DEFAULT,
        )
        fixed = node.with_changes(args=[arg, *node.args])
        self.report(
            node,
            f"`{name}(...)` without max_connections opens unbounded sockets under load "
            f"(the class defaults to no limit; only the client's own default is {client_default}): "
            f"set max_connections",
            fix=self.replacement(node, fixed, f"Add max_connections={default}"),
        )
