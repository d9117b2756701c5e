"""POOL003 no-timeout: a request that can wait forever."""

from __future__ import annotations

import libcst as cst

from pooltune.lint.args import has_star_args, is_none, keyword, literal, positional
from pooltune.lint.rule import Rule

_NONE_TIMEOUT_LIBRARIES = frozenset({"httpx", "httpx2", "openai", "anthropic"})
_AIOHTTP_TIMEOUT_FIELDS = ("total", "connect", "sock_read", "sock_connect")


class NoTimeout(Rule):
    code = "POOL003"
    name = "no-timeout"
    message = "request without a timeout can hang forever: pass `timeout=`"

    def visit_Call(self, node: cst.Call) -> None:
        if has_star_args(node):
            return
        catalog = self.context.catalog
        qualname = self.call_qualname(node)
        if qualname is not None:
            library = catalog.calls[qualname].library
            self._check_request(node, qualname, library.name, library.timeout_required_per_call)
            return
        spec = self.client_spec(node)
        if spec is not None:
            self._check_none_timeout(node, spec.library.name, spec.qualname)
            return
        for name in self.qualnames(node.func):
            timeout_lib = catalog.timeout_classes.get(name)
            if timeout_lib is not None:
                self._check_timeout_object(node, name, timeout_lib.name)
                return
        # A request method on a client we can resolve: session.get(...), client.post(...)
        func = node.func
        if isinstance(func, cst.Attribute):
            client = self.analysis.spec_for_expr(func.value)
            if client is not None and func.attr.value in client.library.request_methods:
                label = f"{client.qualname}.{func.attr.value}"
                self._check_request(
                    node, label, client.library.name, client.library.timeout_required_per_call
                )

    def _check_request(self, node: cst.Call, label: str, library: str, required: bool) -> None:
        arg = keyword(node, "timeout")
        if arg is None:
            if label == "urllib.request.urlopen":
                if len(positional(node)) < 3:
                    self.report(node, "`urlopen()` without `timeout=` can hang forever")
            elif required:
                self.report(
                    node,
                    f"`{label}()` without `timeout=` can hang forever: "
                    "pass e.g. `timeout=(3.05, 60)`",
                )
            return
        if is_none(arg.value) and library in _NONE_TIMEOUT_LIBRARIES | {"requests", "urllib"}:
            self.report(arg, f"`timeout=None` on `{label}()` disables every timeout")

    def _check_none_timeout(self, node: cst.Call, library: str, label: str) -> None:
        arg = keyword(node, "timeout")
        if arg is not None and is_none(arg.value) and library in _NONE_TIMEOUT_LIBRARIES:
            self.report(
                arg,
                f"`timeout=None` on `{label}` disables every timeout: requests can hang forever",
            )

    def _check_timeout_object(self, node: cst.Call, name: str, library: str) -> None:
        if library in ("httpx", "httpx2"):
            args = positional(node)
            default = args[0].value if args else None
            kw = keyword(node, "timeout")
            if kw is not None:
                default = kw.value
            others = [a for a in node.args if a.keyword is not None and a.keyword.value != "timeout"]
            if default is not None and is_none(default) and all(is_none(a.value) for a in others):
                self.report(node, f"`{name}(None)` disables every timeout")
        elif library == "aiohttp":
            values = [keyword(node, f) for f in _AIOHTTP_TIMEOUT_FIELDS]
            if positional(node):
                return
            if all(v is None or literal(v.value) is None for v in values):
                self.report(
                    node,
                    f"`{name}()` with no field set has no timeout at all "
                    "(aiohttp's default session timeout is total=300): set total= or connect=",
                )
