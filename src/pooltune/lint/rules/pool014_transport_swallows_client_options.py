"""POOL014 transport-swallows-client-options: client options that an explicit transport voids."""

from __future__ import annotations

import libcst as cst

from pooltune.lint.args import keyword
from pooltune.lint.catalog import ClientSpec
from pooltune.lint.cstedit import add_keyword
from pooltune.lint.findings import Fix
from pooltune.lint.rule import Rule


class TransportSwallowsClientOptions(Rule):
    code = "POOL014"
    name = "transport-swallows-client-options"
    message = "client options next to `transport=` are ignored: pass them to the transport"
    fix_offered = "safe"

    def visit_Call(self, node: cst.Call) -> None:
        spec = self.client_spec(node)
        if spec is None:
            return
        library = spec.library
        if library.transport_param is None or not library.transport_options:
            return
        transport = keyword(node, library.transport_param)
        if transport is None or not isinstance(
            self.facts.value_through_local(transport.value), cst.Call
        ):
            # Only a transport certainly given (built right there, or a local bound once to a
            # constructor call): a parameter or attribute may be None, and then httpx builds
            # its own transport with the options (a deliberate "either" API).
            return
        swallowed = [
            arg for name in library.transport_options if (arg := keyword(node, name)) is not None
        ]
        if not swallowed:
            return
        names = ", ".join(f"`{arg.keyword.value}=`" for arg in swallowed if arg.keyword)
        short = spec.display.rsplit(".", 1)[-1]
        self.report(
            node,
            f"`{short}(transport=...)` ignores {names}: the client applies them only to the "
            "transport it builds itself; pass them to the transport's constructor",
            fix=self._move(node, spec, transport, swallowed),
        )

    def _move(
        self, node: cst.Call, spec: ClientSpec, transport: cst.Arg, swallowed: list[cst.Arg]
    ) -> Fix | None:
        """Move the options into `HTTPTransport(...)` when it is built right there. Safe: the
        options take the effect they were written for, nothing else changes. An option the
        transport is already given is dropped from the client (it never applied)."""
        built = transport.value
        wanted = spec.entry.transport_class
        if (
            wanted is None
            or not isinstance(built, cst.Call)
            or wanted not in self.qualnames(built.func)
            or any(arg.star for arg in built.args)
            or any("#" in self.context.module.code_for_node(arg) for arg in swallowed)
        ):
            return None  # not our transport class, or a comment we could not carry along
        for arg in swallowed:
            assert arg.keyword is not None
            if keyword(built, arg.keyword.value) is None:
                built = add_keyword(built, arg.keyword.value, arg.value)
        kept = [
            arg.with_changes(value=built) if arg is transport else arg
            for arg in node.args
            if arg not in swallowed
        ]
        if node.args[-1] in swallowed:  # the new last argument ends the call as the old one did
            last = node.args[-1]
            kept[-1] = kept[-1].with_changes(
                comma=last.comma, whitespace_after_arg=last.whitespace_after_arg
            )
        moved = ", ".join(f"`{arg.keyword.value}=`" for arg in swallowed if arg.keyword)
        short = wanted.rsplit(".", 1)[-1]
        return self.replacement(
            node, node.with_changes(args=kept), f"Move {moved} into `{short}(...)`"
        )
