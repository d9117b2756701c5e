"""The base of every rule: a small libcst visitor with a code, a name and a one-line message.

Rules run together in one batched traversal (libcst's ``visit_batched``), share the metadata
computed once per file, never print, and report through :meth:`Rule.report`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import libcst as cst
from libcst.metadata import (
    CodeRange,
    ProviderT,
    ScopeProvider,
)

from pooltune.lint.catalog import Catalog, ClientSpec
from pooltune.lint.facts import Facts
from pooltune.lint.findings import Applicability, Edit, Finding, Fix, Location
from pooltune.lint.traversal import ParentProvider

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
    facts: Facts | None = None  # set by the engine before the rules run
    codes: frozenset[str] = frozenset()  # the rules enabled for this file
    test_ignore: frozenset[str] = frozenset()  # codes not reported in test code
    # Analyses shared between rules, computed once per file.
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
    # The fix the rule offers where it can (`pooltune rules` shows it); None: never a fix.
    fix_offered: ClassVar[Applicability | None] = None

    METADATA_DEPENDENCIES: ClassVar[Sequence[ProviderT]] = (ScopeProvider, ParentProvider)

    def __init__(self, context: FileContext) -> None:
        super().__init__()
        self.context = context
        self.findings: list[Finding] = []

    # -- reporting -------------------------------------------------------------------------

    def report(self, node: cst.CSTNode, message: str | None = None, fix: Fix | None = None) -> None:
        """Report at the first line of ``node`` (a call, keyword argument or statement)."""
        if self.code in self.context.test_ignore and self.facts.in_test_code(node):
            return  # test code: exempt by default from POOL001/POOL008 (`test-ignore`)
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
    ) -> Fix | None:
        """A fix that replaces ``node`` with ``new_node``; None when either holds a function or
        class the engine stubbed (slicing): the fix would write the stub over the real code."""
        from pooltune.lint.cstedit import code_in_place, holds_stub, indents_at

        if holds_stub(node) or holds_stub(new_node):
            return None
        start, end = self._range(node)
        module = self.context.module
        if (
            isinstance(new_node, (cst.BaseCompoundStatement, cst.SimpleStatementLine))
            and new_node.leading_lines
        ):
            # the comments above a statement lie before its range: they stay where they are
            new_node = new_node.with_changes(leading_lines=())
        indents = indents_at([parent for _, parent in self.facts.ancestors(node)], module)
        content = code_in_place(module, new_node, indents)
        if isinstance(node, cst.BaseStatement):
            from pooltune.lint.closefix import last_trailing

            # A statement's code ends with its last line's comment and line break, which its
            # range leaves out: the edit runs to the start of the next line.
            if last_trailing(node) is None:
                return None  # a block footer the edit would write twice
            end = Location(end.row + 1, 1)
        return Fix(message, (Edit(content, start, end),), applicability)

    def _range(self, node: cst.CSTNode) -> tuple[Location, Location]:
        pos: CodeRange = self.facts.position(node)
        return (
            Location(pos.start.line, pos.start.column + 1),
            Location(pos.end.line, pos.end.column + 1),
        )

    # -- name resolution -------------------------------------------------------------------

    def qualnames(self, node: cst.CSTNode) -> frozenset[str]:
        """Fully qualified names of ``node`` that come from an import (never a local name)."""
        return self.facts.qualnames(node)

    @property
    def facts(self) -> Facts:
        """The shared per-file facts (client builds, bindings, summaries), built once."""
        facts = self.context.facts
        assert facts is not None, "the engine sets the facts before the rules run"
        return facts

    def enabled(self, code: str) -> bool:
        return code in self.context.codes

    def call_qualname(self, call: cst.Call) -> str | None:
        """The catalog name of a module-level function call (a request function, urlopen...)."""
        return self.facts.call_qualname(call)

    def client_spec(self, call: cst.Call) -> ClientSpec | None:
        """The catalog entry when ``call`` calls a client constructor (resolved through imports)."""
        return self.facts.client_spec(call)
