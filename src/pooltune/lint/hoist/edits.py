"""Text edits the hoists share: a top-level statement replaced, imports added."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence

import libcst as cst

from pooltune.lint.findings import Edit, Location
from pooltune.lint.hoist.app import NotHoisted
from pooltune.lint.hoist.parsed import ParsedModule


def block_statements(
    block: cst.BaseSuite, leading: Sequence[cst.EmptyLine] = ()
) -> list[cst.BaseStatement]:
    """The statements of a block, to splice into the enclosing one; ``leading`` (the comments
    above the statement that held the block) go above the first."""
    statements: list[cst.BaseStatement]
    if isinstance(block, cst.IndentedBlock):
        statements = list(block.body)
    else:
        assert isinstance(block, cst.SimpleStatementSuite)
        statements = [cst.SimpleStatementLine(list(block.body))]
    if statements and leading:
        first = statements[0]
        if isinstance(first, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            statements[0] = first.with_changes(leading_lines=[*leading, *first.leading_lines])
    return statements


def is_close_call(expr: cst.BaseExpression, name: str | None, closes: Collection[str]) -> bool:
    """`name.close()` or `await name.aclose()` (one of ``closes``) on the bound name."""
    if isinstance(expr, cst.Await):
        expr = expr.expression
    return (
        name is not None
        and isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and isinstance(expr.func.value, cst.Name)
        and expr.func.value.value == name
        and expr.func.attr.value in closes
    )


def enters_name(with_node: cst.With, name: str | None) -> cst.WithItem | None:
    """The item of ``with_node`` that enters the bound name itself (`with client:`)."""
    if name is None:
        return None
    for item in with_node.items:
        if isinstance(item.item, cst.Name) and item.item.value == name:
            return item
    return None


def closes_of(node: cst.CSTNode, name: str, closes: Collection[str]) -> list[cst.CSTNode]:
    """Where ``node`` ends the client ``name`` holds: `with name:` blocks and close calls."""
    collector = _Closes(name, closes)
    node.visit(collector)
    return collector.found


class _Closes(cst.CSTVisitor):
    def __init__(self, name: str, closes: Collection[str]) -> None:
        self.name = name
        self.closes = closes
        self.found: list[cst.CSTNode] = []

    def visit_With(self, node: cst.With) -> None:
        if enters_name(node, self.name) is not None:
            self.found.append(node)

    def visit_Call(self, node: cst.Call) -> None:
        if is_close_call(node, self.name, self.closes):
            self.found.append(node)


def top_statement(parsed: ParsedModule, node: cst.CSTNode) -> cst.CSTNode | None:
    child = node
    for ancestor in parsed.ancestors(node):
        if ancestor is parsed.module:
            return child
        child = ancestor
    return None


def statement_edit(
    parsed: ParsedModule, old: cst.CSTNode, new: cst.CSTNode, prefix: str = ""
) -> list[Edit]:
    """Replace a top-level statement by ``prefix`` + ``new`` (decorators included, its leading
    comments kept where they are); refused when the statement's text cannot be placed."""
    decorators = getattr(old, "decorators", ())
    first = decorators[0] if decorators else old
    start = Location(parsed.start(first).row, 1)
    end = parsed.end(old)
    # to the end of its last line: a comment after the last statement belongs to it
    last_line = parsed.module.code.split("\n")[end.row - 1].rstrip("\r")
    end = Location(end.row, len(last_line) + 1)

    def render(node: cst.CSTNode) -> str:
        if hasattr(node, "leading_lines"):
            node = node.with_changes(leading_lines=())
        return parsed.module.code_for_node(node).rstrip("\r\n")

    old_text = render(old)
    if old_text != parsed.text(start, end):
        raise NotHoisted("the statement's text could not be placed")
    return _narrowed(parsed, start, end, old_text, render(new), prefix)


def _narrowed(
    parsed: ParsedModule, start: Location, end: Location, old: str, new: str, prefix: str
) -> list[Edit]:
    """The edits that turn ``old`` (the statement's lines from ``start``) into ``prefix`` +
    ``new``, on the lines that differ only: two methods of one class are two edits that do not
    overlap, so both apply in one round."""
    old_lines, new_lines = old.split("\n"), new.split("\n")
    head = 0
    while head < min(len(old_lines), len(new_lines)) and old_lines[head] == new_lines[head]:
        head += 1
    tail = 0
    while (
        tail < min(len(old_lines), len(new_lines)) - head
        and old_lines[-1 - tail] == new_lines[-1 - tail]
    ):
        tail += 1
    replaced = new_lines[head : len(new_lines) - tail]
    first_row, after_row = start.row + head, start.row + len(old_lines) - tail
    if after_row > len(parsed.module.code.split("\n")) - 1 or (not replaced and not prefix):
        # no line after the statement to end on (the file's last line): the whole statement
        return [Edit(prefix + new, start, end, parsed.filename)]
    content = "".join(f"{line}\n" for line in replaced)
    edits = [Edit(content, Location(first_row, 1), Location(after_row, 1), parsed.filename)]
    if prefix:
        if first_row == start.row:
            edits = [Edit(prefix + content, start, Location(after_row, 1), parsed.filename)]
        else:
            edits.insert(0, Edit(prefix, start, start, parsed.filename))
    return edits


def bound_names(statement: cst.CSTNode) -> set[str]:
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        return {statement.name.value}
    names: set[str] = set()
    if isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            if isinstance(small, cst.Assign):
                for target in small.targets:
                    if isinstance(target.target, cst.Name):
                        names.add(target.target.value)
            elif isinstance(small, (cst.AnnAssign, cst.AugAssign)) and isinstance(
                small.target, cst.Name
            ):
                names.add(small.target.value)
            elif isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(
                small.names, cst.ImportStar
            ):
                for alias in small.names:
                    bound = alias.evaluated_alias or alias.evaluated_name.split(".")[0]
                    names.add(bound)
    return names


def imports_edit(parsed: ParsedModule, lines: set[str], always: bool = False) -> list[Edit]:
    """Add imports after the module's first block of imports (not one at the bottom).
    ``always``: edit the block even when nothing is missing (two fixes that must not apply in
    one round then overlap there)."""
    missing = sorted(line for line in lines if not _imported(parsed, line))
    if not missing and not always:
        return []
    anchor: cst.SimpleStatementLine | None = None
    for index, statement in enumerate(parsed.module.body):
        if _is_import(statement):
            anchor = statement  # type: ignore[assignment]
        elif index == 0 and _is_docstring(statement):
            continue
        else:
            break
    if anchor is None:
        raise NotHoisted("the module has no imports to add to")
    start = parsed.start(anchor.body[0])
    end = parsed.end(anchor.body[-1])
    original = parsed.text(start, end)
    return [Edit("\n".join([original, *missing]), start, end, parsed.filename)]


def _imported(parsed: ParsedModule, line: str) -> bool:
    name = line.split(" as ")[-1].split()[-1] if " as " in line else line.split()[-1]
    if line.startswith("import ") and " as " not in line:
        name = line.split()[1].split(".")[0]
    if name not in parsed.global_names():
        return False
    existing = parsed.import_of(name)
    if existing is None or (existing != line and not line.startswith("import ")):
        raise NotHoisted(f"`{name}` names something else in {parsed.filename}")
    return True


def _is_import(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body
    )


def _is_docstring(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def names_bound_in(node: cst.CSTNode) -> set[str]:
    """Names bound anywhere in ``node`` (a loop, a function)."""
    collector = _Bound()
    node.visit(collector)
    return collector.names


def binding_count(node: cst.CSTNode, name: str) -> int:
    """How many places in ``node`` bind ``name``."""
    collector = _Bound()
    node.visit(collector)
    return collector.counts[name]


class _Bound(cst.CSTVisitor):
    """Names a loop binds: its target, assignments, `with ... as`, `:=`, `except ... as`."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.counts: Counter[str] = Counter()  # how many places bind each name

    def _targets(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.Name):
            self.names.add(node.value)
            self.counts[node.value] += 1
        elif isinstance(node, (cst.Tuple, cst.List)):
            for element in node.elements:
                self._targets(element.value)
        elif isinstance(node, cst.StarredElement):
            self._targets(node.value)

    def visit_For(self, node: cst.For) -> None:
        self._targets(node.target)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._targets(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._targets(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._targets(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._targets(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._targets(node.target)
