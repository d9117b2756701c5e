"""POOL011 shared-connector-owned: one connector owned by several sessions."""

from __future__ import annotations

import libcst as cst

from pooltune.lint.args import keyword, literal
from pooltune.lint.facts import ClientBuild
from pooltune.lint.rule import Rule


class SharedConnectorOwned(Rule):
    code = "POOL011"
    name = "shared-connector-owned"
    message = "shared connector without `connector_owner=False`"

    def visit_Module(self, node: cst.Module) -> None:
        facts = self.facts
        sessions_by_connector: dict[int, list[tuple[ClientBuild, cst.Arg]]] = {}
        connectors: dict[int, ClientBuild] = {}
        for build in facts.builds:
            entry = build.spec.entry
            call = build.call
            if call is None or entry.connector_param is None or entry.connector_owner_param is None:
                continue
            arg = keyword(call, entry.connector_param)
            if arg is None or not isinstance(arg.value, (cst.Name, cst.Attribute)):
                continue
            owner = keyword(call, entry.connector_owner_param)
            if literal(owner.value if owner is not None else cst.Name("True")) is False:
                continue
            connector = facts.build_for_expr(arg.value)
            if connector is None or connector.spec.kind != "connector":
                continue
            connectors[id(connector.node)] = connector
            sessions_by_connector.setdefault(id(connector.node), []).append((build, arg))
        for key, sessions in sessions_by_connector.items():
            connector = connectors[key]
            shared_scope = connector.function is None
            for index, (session, arg) in enumerate(sessions):
                owner_param = session.spec.entry.connector_owner_param
                if shared_scope and session.function is not None:
                    self.report(
                        arg,
                        f"module/class-level connector `{connector.name}` given to a session built "
                        f"in a function without `{owner_param}=False`: closing that session "
                        "closes the connector for everyone",
                    )
                elif not shared_scope and index > 0:
                    self.report(
                        arg,
                        f"connector `{connector.name}` is shared by several sessions without "
                        f"`{owner_param}=False`: the first session to close closes it for all",
                    )
