"""POOL004 no-pool-timeout: the wait for a pooled connection is unbounded."""

from __future__ import annotations

import libcst as cst

from pooltune.lint.args import has_star_args, is_none, keyword, literal, positional
from pooltune.lint.catalog import LibraryEntry
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
            facts = self.facts
            if facts.is_parameter_default(node) or facts.argument_of_inprocess_client(node):
                return
            if library.timeout_style == "fields":
                self._fields(node, name, library)
            elif library.timeout_style == "total":
                self._total(node, name, library)
            return

    def _fields(self, node: cst.Call, name: str, library: LibraryEntry) -> None:
        """One default plus per-phase fields: the pool field None while others are set."""
        default_param = library.timeout_param or "timeout"
        pool_given = False
        for field in library.timeout_pool_fields:
            pool = keyword(node, field)
            pool_given = pool_given or pool is not None
            if pool is not None and is_none(pool.value):
                others = [a for a in node.args if a is not pool]
                if any(not is_none(a.value) for a in others):
                    self.report(
                        pool,
                        f"`{name}(..., {field}=None)`: waiting for a free pooled connection never "
                        f"times out; set {field}= (e.g. the p99 latency at your concurrency)",
                    )
                return
        args = positional(node)
        default = keyword(node, default_param)
        default_value = args[0].value if args else (default.value if default else None)
        if default_value is None or not is_none(default_value) or pool_given:
            return
        others = [
            a for a in node.args if a.keyword is not None and a.keyword.value != default_param
        ]
        if others and any(not is_none(a.value) for a in others):
            fields = ", ".join(f"{f}=" for f in library.timeout_pool_fields)
            self.report(
                node,
                f"`{name}(None, ...)` without {fields}: the wait for a free pooled connection is "
                f"unbounded; add {fields}",
            )

    def _total(self, node: cst.Call, name: str, library: LibraryEntry) -> None:
        """Optional total/connect/... fields: every field bounding the pool wait unset."""
        if positional(node):
            return
        bounding = [keyword(node, f) for f in library.timeout_pool_fields]
        if any(arg is not None and literal(arg.value) is not None for arg in bounding):
            return
        others = [
            keyword(node, f) for f in library.timeout_fields if f not in library.timeout_pool_fields
        ]
        if any(arg is not None and not is_none(arg.value) for arg in others):
            fields = " and ".join(library.timeout_pool_fields)
            setting = " or ".join(f"{f}=" for f in reversed(library.timeout_pool_fields))
            self.report(
                node,
                f"`{name}` with {fields} unset: the wait for a pooled connection is now "
                f"unbounded; set {setting}",
            )
