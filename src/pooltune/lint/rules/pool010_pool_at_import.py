"""POOL010 pool-at-import: an aiohttp session or connector built at import time."""

from __future__ import annotations

import libcst as cst

from pooltune.lint.rule import Rule


class PoolAtImport(Rule):
    code = "POOL010"
    name = "pool-at-import"
    message = "aiohttp session built at import time raises 'no running event loop' (aiohttp 3.10+)"

    def visit_Module(self, node: cst.Module) -> None:
        for build in self.analysis.builds:
            if build.spec.needs_running_loop and build.function is None:
                where = "in a class body" if build.in_class_body else "at module level"
                self.report(
                    build.call,
                    f"`{build.spec.qualname}` built {where} raises 'no running event loop' "
                    "on aiohttp 3.10+: build it inside a coroutine (e.g. the app's lifespan)",
                )
