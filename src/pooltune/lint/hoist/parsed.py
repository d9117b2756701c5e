"""One module of the run parsed whole by libcst, with the metadata the hoist reads: positions,
parents, scopes and the qualified names of what it imports."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

import libcst as cst
from libcst.metadata import (
    CodeRange,
    GlobalScope,
    ImportAssignment,
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    QualifiedName,
    QualifiedNameProvider,
    QualifiedNameSource,
    Scope,
    ScopeProvider,
)

from pooltune.lint.findings import Location
from pooltune.lint.summaries import absolute_import, module_name_for


@dataclass
class ParsedModule:
    filename: str
    source: str
    module: cst.Module
    name: str  # dotted module name
    is_package: bool
    positions: dict[cst.CSTNode, CodeRange]
    parents: dict[cst.CSTNode, cst.CSTNode]
    scopes: dict[cst.CSTNode, Scope | None]
    _qualified: dict[cst.CSTNode, frozenset[str]] = field(default_factory=dict)
    _wrapper: MetadataWrapper | None = None

    @classmethod
    def parse(cls, filename: str, source: str) -> ParsedModule | None:
        try:
            tree = cst.parse_module(source)
        except (cst.ParserSyntaxError, RecursionError):
            return None
        wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
        name, is_package = module_name_for(filename)
        return cls(
            filename,
            source,
            tree,
            name,
            is_package,
            dict(wrapper.resolve(PositionProvider)),
            dict(wrapper.resolve(ParentNodeProvider)),
            dict(wrapper.resolve(ScopeProvider)),
            _wrapper=wrapper,
        )

    # -- names ---------------------------------------------------------------------------

    def qualnames(self, node: cst.CSTNode) -> frozenset[str]:
        """Absolute qualified names of ``node`` (imports resolved, local names prefixed with
        this module's name)."""
        if node not in self._qualified:
            assert self._wrapper is not None
            raw: Any = self._wrapper.resolve(QualifiedNameProvider).get(node, ())
            names: Collection[QualifiedName] = raw() if callable(raw) else raw
            self._qualified[node] = frozenset(
                absolute_import(q.name, self.name, self.is_package)
                if q.source is QualifiedNameSource.IMPORT
                else f"{self.name}.{q.name}"
                if q.source is QualifiedNameSource.LOCAL
                else q.name
                for q in names
            )
        return self._qualified[node]

    def global_names(self) -> set[str]:
        scope = self.scopes.get(self.module)
        if scope is None:
            for statement in self.module.body:
                scope = self.scopes.get(statement)
                break
        if not isinstance(scope, GlobalScope):
            return set()
        return {a.name for a in scope.assignments}

    def import_of(self, name: str) -> str | None:
        """The statement that brings module-level ``name`` in, as absolute import text
        (`import httpx`, `from pkg.llm import make_llm as mk`), None if not an import."""
        scope = next((self.scopes[s] for s in self.module.body if s in self.scopes), None)
        if scope is None:
            return None
        for assignment in scope[name]:
            if not isinstance(assignment, ImportAssignment):
                continue
            statement = assignment.node
            if isinstance(statement, cst.Import):
                for alias in statement.names:
                    if alias.evaluated_alias == name or (
                        alias.evaluated_alias is None and alias.evaluated_name.split(".")[0] == name
                    ):
                        return f"import {self.module.code_for_node(alias).rstrip(', ')}"
            elif isinstance(statement, cst.ImportFrom) and not isinstance(
                statement.names, cst.ImportStar
            ):
                dots = "." * len(statement.relative)
                spelled = dots + (
                    self.module.code_for_node(statement.module) if statement.module else ""
                )
                origin = absolute_import(spelled, self.name, self.is_package) if dots else spelled
                for alias in statement.names:
                    if (alias.evaluated_alias or alias.evaluated_name) == name:
                        text = self.module.code_for_node(alias).strip().rstrip(",").strip()
                        return f"from {origin} import {text}"
        return None

    # -- positions -----------------------------------------------------------------------

    def start(self, node: cst.CSTNode) -> Location:
        pos = self.positions[node].start
        return Location(pos.line, pos.column + 1)

    def end(self, node: cst.CSTNode) -> Location:
        pos = self.positions[node].end
        return Location(pos.line, pos.column + 1)

    def call_at(self, location: Location) -> cst.Call | None:
        for node, pos in self.positions.items():
            if (
                type(node) is cst.Call
                and pos.start.line == location.row
                and pos.start.column + 1 == location.column
            ):
                return node
        return None

    def module_assignments(self) -> Iterator[tuple[str, cst.Assign]]:
        """Each module-level `name = value` statement (one target, one statement on its line)."""
        for statement in self.module.body:
            if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
                assign = statement.body[0]
                if (
                    isinstance(assign, cst.Assign)
                    and len(assign.targets) == 1
                    and isinstance(assign.targets[0].target, cst.Name)
                ):
                    yield assign.targets[0].target.value, assign

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        parent = self.parents.get(node)
        while parent is not None:
            yield parent
            parent = self.parents.get(parent)

    def text(self, start: Location, end: Location) -> str:
        """The source between two locations (rows as libcst counts lines)."""
        lines = self.module.code.split("\n")
        if start.row == end.row:
            return lines[start.row - 1][start.column - 1 : end.column - 1]
        head = lines[start.row - 1][start.column - 1 :]
        middle = lines[start.row : end.row - 1]
        tail = lines[end.row - 1][: end.column - 1]
        return "\n".join([head, *middle, tail])
