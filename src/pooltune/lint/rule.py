"""The base of every rule: a small libcst visitor with a code, a name and a one-line message.

Rules run together in one batched traversal (libcst's ``visit_batched``), share the metadata
computed once per file, never print, and report through :meth:`Rule.report`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import libcst as cst
from libcst.metadata import (
    CodeRange,
    ParentNodeProvider,
    PositionProvider,
    ProviderT,
    QualifiedName,
    QualifiedNameProvider,
    QualifiedNameSource,
    ScopeProvider,
)

from pooltune.lint.catalog import Catalog, ClientSpec

if TYPE_CHECKING:
    from pooltune.lint.analysis import FileAnalysis
from pooltune.lint.findings import Applicability, Edit, Finding, Fix, Location

T = TypeVar("T")


@dataclass(frozen=True)
class ProjectInfo:
    """What the nearest project metadata declares (pyproject, requirements*.txt, setup.cfg).

    ``dependencies`` is None when no project metadata was found: rules that depend on it stay
    silent then.
    """

    dependencies: frozenset[str] | None = None


@dataclass
class FileContext:
    """Everything a rule may read about the file being linted."""

    filename: str
    module: cst.Module
    catalog: Catalog
    project: ProjectInfo = field(default_factory=ProjectInfo)
    # Analyses shared between rules (e.g. the client lifecycle pass), computed once per file.
    _shared: dict[str, Any] = field(default_factory=dict)

    def shared(self, key: str, factory: Callable[[], T]) -> T:
        if key not in self._shared:
            self._shared[key] = factory()
        value: T = self._shared[key]
        return value


class Rule(cst.BatchableCSTVisitor):
    code: ClassVar[str]
    name: ClassVar[str]
    message: ClassVar[str]

    METADATA_DEPENDENCIES: ClassVar[Sequence[ProviderT]] = (
        PositionProvider,
        QualifiedNameProvider,
        ScopeProvider,
        ParentNodeProvider,
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__()
        self.context = context
        self.findings: list[Finding] = []

    # -- reporting -------------------------------------------------------------------------

    def report(self, node: cst.CSTNode, message: str | None = None, fix: Fix | None = None) -> None:
        """Report at the first line of ``node`` (a call, keyword argument or statement)."""
        start, end = self._range(node)
        self.findings.append(
            Finding(self.code, message or self.message, self.context.filename, start, end, fix)
        )

    def replacement(
        self,
        node: cst.CSTNode,
        new_node: cst.CSTNode,
        message: str,
        applicability: Applicability = "safe",
    ) -> Fix:
        """A fix that replaces ``node`` with ``new_node``."""
        start, end = self._range(node)
        content = self.context.module.code_for_node(new_node)
        return Fix(message, (Edit(content, start, end),), applicability)

    def _range(self, node: cst.CSTNode) -> tuple[Location, Location]:
        pos: CodeRange = self.get_metadata(PositionProvider, node)
        return (
            Location(pos.start.line, pos.start.column + 1),
            Location(pos.end.line, pos.end.column + 1),
        )

    # -- name resolution -------------------------------------------------------------------

    def qualnames(self, node: cst.CSTNode) -> frozenset[str]:
        """Fully qualified names of ``node`` that come from an import (never a local name)."""
        found: Collection[QualifiedName] | None = self.get_metadata(
            QualifiedNameProvider,
            node,
            None,
        )
        names = found or ()
        return frozenset(q.name for q in names if q.source is QualifiedNameSource.IMPORT)

    @property
    def analysis(self) -> FileAnalysis:
        """The shared per-file analysis (client builds and their lifecycles), built once."""
        from pooltune.lint.analysis import FileAnalysis

        return self.context.shared("analysis", lambda: FileAnalysis(self))

    def call_qualname(self, call: cst.Call) -> str | None:
        """The catalog name of a module-level function call (requests.get, urlopen...)."""
        for qualname in self.qualnames(call.func):
            if self.context.catalog.call(qualname) is not None:
                return qualname
        return None

    def client_spec(self, call: cst.Call) -> ClientSpec | None:
        """The catalog entry when ``call`` builds an HTTP client (resolved through imports)."""
        for qualname in self.qualnames(call.func):
            spec = self.context.catalog.client(qualname)
            if spec is not None:
                return spec
        return None
