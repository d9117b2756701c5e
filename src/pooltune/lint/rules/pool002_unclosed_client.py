"""POOL002 unclosed-client: a client whose pool (and sockets) is never closed."""

from __future__ import annotations

import libcst as cst

from pooltune.lint.facts import ClientBuild
from pooltune.lint.rule import Rule
from pooltune.lint.rules.pool001_client_per_request import unclosed_local


class UnclosedClient(Rule):
    code = "POOL002"
    name = "unclosed-client"
    message = "HTTP client is never closed: use `with`/`async with` or call close()/aclose()"

    def visit_Module(self, node: cst.Module) -> None:
        facts = self.facts
        for build in facts.builds:
            if build.spec.kind == "sdk" or not build.spec.entry.pool_per_instance:
                continue  # the SDK clients close their pool themselves
            if unclosed_local(build):
                if self.enabled("POOL001") and facts.per_call(build):
                    continue  # one problem, one finding: POOL001 says it is never closed
                close = build.spec.close_methods[0]
                verb = "async with" if build.spec.is_async else "with"
                self.report(
                    build.node,
                    f"{build.label} bound to `{build.name}` is never closed: "
                    f"use `{verb}` or call `{build.name}.{close}()` in a finally block",
                )
            elif build.binding == "self" and not self._class_closes(build):
                self.report(
                    build.node,
                    f"`self.{build.name}` holds a `{build.spec.display}` that no method of the "
                    f"class closes: add a close/aclose (or __aexit__) that calls "
                    f"`self.{build.name}.{build.spec.close_methods[0]}()`",
                )

    def _class_closes(self, build: ClientBuild) -> bool:
        """Some method of the class (or a base in the tree) closes `self.<attr>`, enters it with
        `with`, or hands it to something that may close or keep it (the joined summaries: a
        function that only uses it does not count)."""
        function = build.function
        if not isinstance(function, cst.FunctionDef):
            return True
        facts = self.facts
        cls = facts.enclosing_class(function)
        if cls is None:
            return True  # `self` outside a class: not ours to judge
        return build.name in facts.view.class_closes.get(facts.class_qualname(cls), ())
