"""POOL005 invalid-pool-config: configuration that raises when it is constructed."""

from __future__ import annotations

import libcst as cst

from pooltune.lint.args import has_star_args, keyword, keyword_literal, positional
from pooltune.lint.catalog import LibraryEntry
from pooltune.lint.rule import Rule


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
            if library is not None and library.timeout_style == "fields":
                self._fields_timeout(node, name, library)
                return
        spec = self.client_spec(node)
        if spec is None:
            return
        entry = spec.entry
        if entry.timeout_object_only and spec.library.timeout_param is not None:
            timeout = keyword(node, spec.library.timeout_param)
            if timeout is not None and isinstance(timeout.value, (cst.Integer, cst.Float)):
                classes = spec.library.timeout_class
                fix = (
                    f"`{classes[0]}(total={timeout.value.value})`"
                    if classes
                    else "a timeout object"
                )
                self.report(
                    timeout,
                    f"`{spec.display}(timeout=<number>)` raises ValueError: pass {fix}",
                )
        if len(entry.conflicting_params) == 2:
            flag, other = entry.conflicting_params
            if keyword_literal(node, flag) is True and keyword(node, other) is not None:
                arg = keyword(node, other)
                assert arg is not None
                short = spec.display.rsplit(".", 1)[-1]
                self.report(
                    arg,
                    f"`{short}({flag}=True, {other}=...)` raises ValueError: "
                    "a connection that is always closed cannot be kept alive; drop one of them",
                )

    def _fields_timeout(self, node: cst.Call, name: str, library: LibraryEntry) -> None:
        if positional(node) or keyword(node, library.timeout_param or "timeout") is not None:
            return
        fields = library.timeout_fields
        given = {a.keyword.value for a in node.args if a.keyword is not None}
        if all(field in given for field in fields):
            return
        missing = [f for f in fields if f not in given]
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
