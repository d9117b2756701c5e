"""POOL004 no-pool-timeout: the wait for a pooled connection is unbounded."""

from __future__ import annotations

import libcst as cst

from pooltune.lint.args import has_star_args, is_none, keyword, literal, positional
from pooltune.lint.rule import Rule


class NoPoolTimeout(Rule):
    code = "POOL004"
    name = "no-pool-timeout"
    message = "no pool timeout: waiting for a free connection can block forever"

    def visit_Call(self, node: cst.Call) -> None:
        if has_star_args(node):
            return
        for name in self.qualnames(node.func):
            library = self.context.catalog.timeout_classes.get(name)
            if library is None:
                continue
            if library.name in ("httpx", "httpx2"):
                self._httpx(node, name)
            elif library.name == "aiohttp":
                self._aiohttp(node, name)
            return

    def _httpx(self, node: cst.Call, name: str) -> None:
        pool = keyword(node, "pool")
        if pool is not None and is_none(pool.value):
            others = [a for a in node.args if a is not pool]
            if any(not is_none(a.value) for a in others):
                self.report(
                    pool,
                    f"`{name}(..., pool=None)`: waiting for a free pooled connection never "
                    "times out; set pool= (e.g. the p99 latency at your concurrency)",
                )
            return
        args = positional(node)
        default = keyword(node, "timeout")
        default_value = args[0].value if args else (default.value if default else None)
        if default_value is None or not is_none(default_value) or pool is not None:
            return
        others = [a for a in node.args if a.keyword is not None and a.keyword.value != "timeout"]
        if others and any(not is_none(a.value) for a in others):
            self.report(
                node,
                f"`{name}(None, ...)` without pool=: the wait for a free pooled connection is "
                "unbounded; add pool=",
            )

    def _aiohttp(self, node: cst.Call, name: str) -> None:
        if positional(node):
            return
        total, connect = keyword(node, "total"), keyword(node, "connect")
        if any(arg is not None and literal(arg.value) is not None for arg in (total, connect)):
            return
        others = [keyword(node, "sock_read"), keyword(node, "sock_connect")]
        if any(arg is not None and not is_none(arg.value) for arg in others):
            self.report(
                node,
                f"`{name}` with total and connect unset: aiohttp's connect covers the wait for a "
                "pooled connection, which is now unbounded; set connect= or total=",
            )
