"""POOL005 invalid-pool-config: configuration that raises when it is constructed."""

from __future__ import annotations

import libcst as cst

from pooltune.lint.args import has_star_args, keyword, keyword_literal, positional
from pooltune.lint.rule import Rule

_FOUR = ("connect", "read", "write", "pool")


class InvalidPoolConfig(Rule):
    code = "POOL005"
    name = "invalid-pool-config"
    message = "this configuration raises ValueError when it is constructed"

    def visit_Call(self, node: cst.Call) -> None:
        if has_star_args(node):
            return
        catalog = self.context.catalog
        for name in self.qualnames(node.func):
            library = catalog.timeout_classes.get(name)
            if library is not None and library.name in ("httpx", "httpx2"):
                self._httpx_timeout(node, name)
                return
        spec = self.client_spec(node)
        if spec is None or spec.library.name != "aiohttp":
            return
        if spec.kind == "pool":
            timeout = keyword(node, "timeout")
            if timeout is not None and isinstance(timeout.value, (cst.Integer, cst.Float)):
                self.report(
                    timeout,
                    "`aiohttp.ClientSession(timeout=<number>)` raises ValueError: pass "
                    f"`aiohttp.ClientTimeout(total={timeout.value.value})`",
                )
        elif spec.kind == "connector":
            force_close = keyword_literal(node, "force_close")
            keepalive = keyword(node, "keepalive_timeout")
            if force_close is True and keepalive is not None:
                self.report(
                    keepalive,
                    "`TCPConnector(force_close=True, keepalive_timeout=...)` raises ValueError: "
                    "a connection that is always closed cannot be kept alive; drop one of them",
                )

    def _httpx_timeout(self, node: cst.Call, name: str) -> None:
        if positional(node) or keyword(node, "timeout") is not None:
            return
        given = {a.keyword.value for a in node.args if a.keyword is not None}
        if all(field in given for field in _FOUR):
            return
        missing = [f for f in _FOUR if f not in given]
        example = ", ".join(
            f"{a.keyword.value}={self.context.module.code_for_node(a.value)}"
            for a in node.args
            if a.keyword is not None
        )
        self.report(
            node,
            f"`{name}({example})` raises ValueError: give a default first "
            f"(e.g. `{name}(10.0{', ' + example if example else ''})`) "
            f"or also set {', '.join(missing)}",
        )
