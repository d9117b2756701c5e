"""POOL012 sdk-client-drops-limits: an SDK given a plain client loses its own pool limits."""

from __future__ import annotations

import libcst as cst

from pooltune.lint.args import has_star_args, keyword
from pooltune.lint.catalog import ClientSpec
from pooltune.lint.findings import Fix
from pooltune.lint.rule import Rule


class SdkClientDropsLimits(Rule):
    code = "POOL012"
    name = "sdk-client-drops-limits"
    message = "SDK given an HTTP client without `limits=`: its own larger pool is replaced"
    fix_offered = "unsafe"

    def visit_Call(self, node: cst.Call) -> None:
        spec = self.client_spec(node)
        if spec is None or spec.kind != "sdk" or spec.library.sdk_http_client_param is None:
            return
        arg = keyword(node, spec.library.sdk_http_client_param)
        if arg is None:
            return
        inner = self.facts.build_for_expr(arg.value)
        if inner is None or inner.call is None:
            return
        inner_lib = inner.spec.library
        if (
            inner_lib.name not in spec.library.sdk_http_client_libraries
            or not inner_lib.limits_param
        ):
            return
        if has_star_args(inner.call) or keyword(inner.call, inner_lib.limits_param) is not None:
            return
        default = self.context.catalog.sdk_default_for(spec.library, inner.spec.is_async)
        sdk = spec.library.name
        own = inner_lib.limits_defaults
        own_text = "/".join(
            str(own[k]) for k in ("max_connections", "max_keepalive_connections") if k in own
        )
        self.report(
            arg,
            fix=self._fix(inner.call, spec, default) if default else None,
            message=(
                f"`{inner.spec.display}` without `{inner_lib.limits_param}=` replaces the {sdk} "
                f"SDK's pool ({spec.library.sdk_pool}) with {inner_lib.name}'s {own_text}, which "
                f"churns connections under concurrency; use `{sdk}.{default}(...)` or pass "
                f"`{inner_lib.limits_param}=`"
            ),
        )

    def _fix(self, call: cst.Call, spec: ClientSpec, default: str | None) -> Fix | None:
        """Swap in the SDK's own wrapper when the SDK module is imported by its name."""
        sdk = spec.library.name
        scope = self.facts.scope(self.context.module)
        if (
            default is None
            or scope is None
            or not any(
                isinstance(getattr(a, "node", None), (cst.Import, cst.ImportFrom))
                for a in scope.assignments[sdk]
            )
        ):
            return None
        func = cst.Attribute(value=cst.Name(sdk), attr=cst.Name(default))
        # Unsafe: the SDK wrapper also changes redirect and keep-alive defaults.
        return self.replacement(
            call.func, func, f"Use `{sdk}.{default}`, which keeps the SDK's limits", "unsafe"
        )
