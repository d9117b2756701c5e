"""POOL010 pool-at-import: a client that needs a running event loop, built at import time."""

from __future__ import annotations

import libcst as cst

from pooltune.lint.rule import Rule


class PoolAtImport(Rule):
    code = "POOL010"
    name = "pool-at-import"
    message = "session built at import time raises 'no running event loop'"

    def visit_Module(self, node: cst.Module) -> None:
        for build in self.facts.builds:
            if build.spec.needs_running_loop and build.function is None:
                where = "in a class body" if build.in_class_body else "at module level"
                self.report(
                    build.node,
                    f"`{build.spec.display}` built {where} raises 'no running event loop' "
                    f"in recent {build.spec.library.name} versions: build it inside a coroutine "
                    "(e.g. the app's lifespan)",
                )
