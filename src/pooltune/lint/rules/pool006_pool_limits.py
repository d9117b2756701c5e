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
        spec = self.client_spec(node)
        if spec is not None and spec.entry.limit_param is not None:
            self._client_limit(node, spec.display, spec.entry.limit_param, spec.entry.limit_default)
            return
        if has_star_args(node):
            return
        for name in self.qualnames(node.func):
            library = self.context.catalog.limits_classes.get(name)
            if library is not None:
                self._limits(node, name, library)
                return

    def _client_limit(self, node: cst.Call, display: str, param: str, default: int | None) -> None:
        """`TCPConnector(limit=0)`, also through a `**` dict whose keys are known."""
        where: cst.CSTNode | None = keyword(node, param)
        value = where.value if isinstance(where, cst.Arg) else None
        through = ""
        if where is None:
            for star in (a for a in node.args if a.star == "**"):
                keys = self.facts.dict_keys(star.value)
                if keys is not None and param in keys:
                    where, value = star, self.facts.value_through_local(keys[param])
                    through = " (from the `**` dict)"
        if where is None or value is None or literal(value) != 0:
            return
        short = display.rsplit(".", 1)[-1]
        note = f" (the default is {default})" if default else ""
        self.report(
            where,
            f"`{short}({param}=0)`{through} allows unbounded simultaneous connections: "
            f"set a limit{note}",
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
