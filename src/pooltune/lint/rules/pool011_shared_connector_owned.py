"""POOL011 shared-connector-owned: one connector owned by several sessions."""

from __future__ import annotations

import libcst as cst

from pooltune.lint.analysis import ClientBuild
from pooltune.lint.args import keyword, literal
from pooltune.lint.rule import Rule


class SharedConnectorOwned(Rule):
    code = "POOL011"
    name = "shared-connector-owned"
    message = "shared aiohttp connector without `connector_owner=False`"

    def visit_Module(self, node: cst.Module) -> None:
        analysis = self.analysis
        sessions_by_connector: dict[int, list[tuple[ClientBuild, cst.Arg]]] = {}
        connectors: dict[int, ClientBuild] = {}
        for build in analysis.builds:
            if build.spec.library.name != "aiohttp" or build.spec.kind != "pool":
                continue
            arg = keyword(build.call, "connector")
            if arg is None or not isinstance(arg.value, (cst.Name, cst.Attribute)):
                continue
            if literal(getattr(keyword(build.call, "connector_owner"), "value", cst.Name("True"))) is False:
                continue
            connector = analysis.build_for_expr(arg.value)
            if connector is None or connector.spec.kind != "connector":
                continue
            connectors[id(connector.call)] = connector
            sessions_by_connector.setdefault(id(connector.call), []).append((build, arg))
        for key, sessions in sessions_by_connector.items():
            connector = connectors[key]
            shared_scope = connector.function is None
            for index, (session, arg) in enumerate(sessions):
                if shared_scope and session.function is not None:
                    self.report(
                        arg,
                        f"module/class-level connector `{connector.name}` given to a session built "
                        "in a function without `connector_owner=False`: closing that session "
                        "closes the connector for everyone",
                    )
                elif not shared_scope and index > 0:
                    self.report(
                        arg,
                        f"connector `{connector.name}` is shared by several sessions without "
                        "`connector_owner=False`: the first session to close closes it for all",
                    )
