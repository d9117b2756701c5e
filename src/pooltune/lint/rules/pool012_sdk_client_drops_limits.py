"""POOL012 sdk-client-drops-limits: an SDK given a plain httpx client loses its pool limits."""

from __future__ import annotations

import libcst as cst

from pooltune.lint.args import has_star_args, keyword
from pooltune.lint.findings import Fix
from pooltune.lint.rule import Rule


class SdkClientDropsLimits(Rule):
    code = "POOL012"
    name = "sdk-client-drops-limits"
    message = "SDK given an httpx client without `limits=`: its 1000/100 pool becomes 100/20"

    def visit_Call(self, node: cst.Call) -> None:
        spec = self.client_spec(node)
        if spec is None or spec.kind != "sdk" or spec.library.sdk_http_client_param is None:
            return
        arg = keyword(node, spec.library.sdk_http_client_param)
        if arg is None:
            return
        inner = self.analysis.build_for_expr(arg.value)
        if inner is None or inner.spec.library.name not in ("httpx", "httpx2"):
            return
        if has_star_args(inner.call) or keyword(inner.call, "limits") is not None:
            return
        default = "DefaultAsyncHttpxClient" if inner.spec.is_async else "DefaultHttpxClient"
        sdk = spec.library.name
        self.report(
            arg,
            fix=self._fix(inner.call, sdk, default),
            message=
            f"`{inner.spec.qualname}` without `limits=` replaces the {sdk} SDK's pool "
            f"(1000 connections, 100 kept alive) with httpx's 100/20, which churns connections "
            f"above 20 concurrent requests; use `{sdk}.{default}(...)` or pass `limits=`",
        )

    def _fix(self, call: cst.Call, sdk: str, default: str) -> Fix | None:
        """Swap in the SDK's own httpx wrapper when the SDK module is imported by its name."""
        scope = self.analysis.scope(self.context.module)
        if scope is None or not any(
            isinstance(getattr(a, "node", None), (cst.Import, cst.ImportFrom)) for a in scope.assignments[sdk]
        ):
            return None
        func = cst.Attribute(value=cst.Name(sdk), attr=cst.Name(default))
        # Unsafe: the SDK wrapper also changes redirect and keep-alive defaults.
        return self.replacement(
            call.func, func, f"Use `{sdk}.{default}`, which keeps the SDK's limits", "unsafe"
        )
