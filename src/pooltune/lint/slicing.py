"""The part of a module the rules can see: everything else blanked, line numbers kept.

libcst's parse and its metadata (positions, parents, scopes, qualified names) cost about a
second per 1,000 lines and grow with the number of nodes; in a real module only a few
functions touch an HTTP client. So before libcst sees a file, the functions and classes that
cannot matter to any rule become a one-line stub (``def name(): pass``, so the name stays bound
in its scope) and blank lines; every kept line keeps its number and its columns, so findings and
fixes point at the same places as on the whole module.

What can matter is decided on the identifiers the code spells (names, attributes, definitions,
imports, keywords, parameters; not strings or comments), conservatively:

* the names bound by imports of a catalog library, or of something the joined facts know
  (a factory, a helper that uses or closes a client, a module-level client...); of a catalog
  library's module imported whole (``import httpx``), only its members on the way to a name
  the catalog lists (``httpx.Client``, not ``httpx.HTTPStatusError``), and the module used
  bare (``getattr(requests, method)``);
* the last part of every name the module's :class:`~pooltune.lint.summaries.ModuleView` knows
  something about (its interesting functions, client attributes, methods, aliases, clients);
* grown to a fixpoint: what a kept statement binds (a module-level name, ``self.<attr>``) to
  a value that holds a relevant thing (its callee, not its arguments: a client passed to
  another constructor belongs to it), and the dicts and functions a kept call spreads with
  ``**`` (the rules read their keys).

Module-level statements other than functions and classes are always kept, and so are functions
that declare ``global`` names (they change what a module-level name may hold). A kept class
keeps its header and every statement of its body that is not a function or a class; its
methods are each kept or stubbed on their own. The reference path (the whole module) stays in
:mod:`pooltune.lint.engine`; ``tests/lint/test_differential.py`` holds the two to identical
findings on real code.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from pooltune.lint.catalog import Catalog
from pooltune.lint.summaries import ModuleView, absolute_import, split_member

_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+$")
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
ATTR = "."  # marks an attribute name (`self.client`) apart from a variable (`client`)
Level = Literal["module", "class", "function"]
Binding = tuple[frozenset[str], frozenset[str]]  # what a value holds -> what it is bound to
_LOOP_OR_WITH = (ast.For, ast.AsyncFor, ast.With, ast.AsyncWith)
DefNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


@dataclass
class _Unit:
    """A function or class that may be stubbed: its lines, its words, what it assigns."""

    node: DefNode
    first: int  # first line (its first decorator), 1-based
    last: int
    words: frozenset[str]
    members: list[_Unit] = field(default_factory=list)  # a class's functions and classes
    kept: bool = False
    bindings: tuple[Binding, ...] | None = None  # computed once the unit is kept
    spread: frozenset[str] = frozenset()
    # the values its calls spread with `**` (its own statements', for a class with members)
    spread_values: list[ast.expr] = field(default_factory=list)


def split_lines(source: str) -> list[str]:
    """Lines with their endings, split where Python's tokenizer splits (not on form feeds)."""
    return _LINE.findall(source)


@dataclass(frozen=True)
class Sliced:
    text: str
    stubbed: frozenset[int]  # the ``id`` of each `ast` function or class stubbed in ``text``


def slice_source(
    source: str, tree: ast.Module, view: ModuleView, catalog: Catalog, is_package: bool
) -> Sliced | None:
    """The source with what no rule can see stubbed out; None when everything is kept."""
    relevant, modules = _seeds(tree, view, catalog, is_package)
    return _Slicer(source, tree, modules).run(relevant)


class _Slicer:
    def __init__(self, source: str, tree: ast.Module, modules: frozenset[str]) -> None:
        self.lines = split_lines(source)
        self.tree = tree
        self.modules = modules
        self.plain = [s for s in tree.body if not isinstance(s, _DEFS)]
        # module-level names: what a `**NAME` or `**name()` spread may refer to
        self.module_names = {s.name for s in tree.body if isinstance(s, _DEFS)} | {
            n.id
            for stmt in _statements(self.plain, into_defs=False)
            for target in _targets(stmt)
            for n in ast.walk(target)
            if isinstance(n, ast.Name)
        }
        self.units = [self._unit(s, True) for s in tree.body if isinstance(s, _DEFS)]

    def run(self, relevant: set[str]) -> Sliced | None:
        if not self.units:
            return None
        relevant |= self._spread(self.plain)
        module_bindings = _bindings(self.plain, "module", self.modules)
        while True:
            size = len(relevant)
            relevant |= _bound_from(module_bindings, relevant)
            self._grow(relevant)
            if len(relevant) == size:
                break
        if all(part.kept for unit in self.units for part in (unit, *unit.members)):
            return None
        out = list(self.lines)
        stubbed: set[int] = set()
        for unit in self.units:
            if not unit.kept:
                _stub(unit, out)  # a class with all its members
                stubbed.add(id(unit.node))
                continue
            for member in unit.members:
                if not member.kept:
                    _stub(member, out)
                    stubbed.add(id(member.node))
        return Sliced("".join(out), frozenset(stubbed))

    def _unit(self, node: DefNode, split_members: bool) -> _Unit:
        first, last = _first_line(node), _last_line(node)
        if not split_members or not isinstance(node, ast.ClassDef):
            words: set[str] = set()
            spread: list[ast.expr] = []
            has_global = _scan([node], words, spread, self.modules)
            unit = _Unit(node, first, last, frozenset(words), spread_values=spread)
            if has_global:
                unit.kept = True  # it changes what a module-level name may hold
            return unit
        # A class: its header and plain statements decide for it; each member on its own.
        members = [self._unit(s, False) for s in node.body if isinstance(s, _DEFS)]
        words = {node.name}
        header: list[ast.expr] = []
        plain: list[ast.expr] = []
        _scan([*node.decorator_list, *node.bases, *node.keywords], words, header, self.modules)
        _scan([s for s in node.body if not isinstance(s, _DEFS)], words, plain, self.modules)
        # without members, a class is bound and spread like a function: all of it
        spread = plain if members else [*header, *plain]
        return _Unit(node, first, last, frozenset(words), members, spread_values=spread)

    def _grow(self, relevant: set[str]) -> None:
        """Keep every unit that mentions a relevant name, add what kept units bind, until
        neither changes. A class is kept with any of its members."""
        changed = True
        while changed:
            changed = False
            for unit in self.units:
                for part in (*unit.members, unit):
                    if not part.kept and (
                        part.words & relevant
                        or (part is unit and any(m.kept for m in part.members))
                    ):
                        part.kept = changed = True
                    if part.kept:
                        bound = self._bound_by(part, relevant)
                        if bound:
                            relevant |= bound
                            changed = True

    def _bound_by(self, unit: _Unit, relevant: set[str]) -> set[str]:
        if unit.bindings is None:  # what it binds, and from what: once per unit
            node = unit.node
            if isinstance(node, ast.ClassDef) and unit.members:
                # a class: what its own statements bind (`client = Client()`, as `self.client`)
                plain = [s for s in node.body if not isinstance(s, _DEFS)]
                unit.bindings = _bindings(plain, "class", self.modules)
            else:
                unit.bindings = _bindings([node], "function", self.modules)
            unit.spread = frozenset(self._spread_names(unit.spread_values))
        return _bound_from(unit.bindings, relevant) | (unit.spread - relevant)

    def _spread(self, nodes: Iterable[ast.AST]) -> set[str]:
        values: list[ast.expr] = []
        _scan(nodes, set(), values, self.modules)
        return self._spread_names(values)

    def _spread_names(self, values: Iterable[ast.expr]) -> set[str]:
        """`**self._defaults()`, `**_defaults()`, `**DEFAULTS`: the rules read the keys of what a
        call spreads (a function of this module or class; a module-level dict, and whatever
        changes it)."""
        found: set[str] = set()
        for value in values:
            if isinstance(value, ast.Call):
                func = value.func
                if isinstance(func, ast.Name) and func.id in self.module_names:
                    found.add(func.id)
                elif isinstance(func, ast.Attribute) and _is_self(func.value):
                    found.add(ATTR + func.attr)
            elif isinstance(value, ast.Name) and value.id in self.module_names:
                found.add(value.id)
        return found


def _bindings(
    body: Iterable[ast.stmt], level: Level, modules: frozenset[str]
) -> tuple[Binding, ...]:
    """Each assignment's held identifiers and what it binds: attributes (`self.x = ...`)
    anywhere; at module and class level, where names outlive a call, the names too."""
    found: list[Binding] = []
    for stmt in _statements(body, into_defs=level == "function"):
        targets = _targets(stmt)
        if not targets or (level == "function" and isinstance(stmt, _LOOP_OR_WITH)):
            continue
        bound = frozenset(name for target in targets for name in _bound(target, level))
        if bound:
            value = getattr(stmt, "value", None)
            held = (
                _held(value, modules)
                if isinstance(value, ast.expr)
                else _identifiers([stmt], modules)
            )
            found.append((held, bound))
    return tuple(found)


def _bound_from(bindings: Iterable[Binding], relevant: set[str]) -> set[str]:
    """What is bound to a value that holds a relevant name (and is not relevant yet)."""
    return {name for held, bound in bindings if held & relevant for name in bound} - relevant


def _identifiers(nodes: Iterable[ast.AST], modules: frozenset[str]) -> frozenset[str]:
    """The names code spells (not strings or comments): variables, definitions and imports as
    they are, attributes as ``.attr``; a member of one of ``modules`` (the names bound to a
    catalog library's modules, ``httpx``) as ``module.member`` (``httpx.Client``), the module
    itself only where it is used bare (``getattr(requests, method)``), not where it is imported:
    a function that only reaches ``httpx.HTTPStatusError`` cannot build or call what the
    catalog lists."""
    found: set[str] = set()
    _scan(nodes, found, [], modules)
    return frozenset(found)


def _scan(
    roots: Iterable[ast.AST],
    words: set[str],
    spread: list[ast.expr],
    modules: frozenset[str] = frozenset(),
) -> bool:
    """One walk over ``roots`` and all below them: adds their identifiers (:func:`_identifiers`)
    to ``words`` and the values of their `**` keywords to ``spread``; whether one declares
    ``global`` names."""
    has_global = False
    stack = list(roots)
    fields_of = _CHILD_FIELDS
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is ast.Name:
            words.add(node.id)  # type: ignore[attr-defined]
            continue  # a name holds only its context
        if kind is ast.Attribute:
            words.add(ATTR + node.attr)  # type: ignore[attr-defined]
            value = node.value  # type: ignore[attr-defined]
            if type(value) is ast.Name and value.id in modules:
                words.add(f"{value.id}.{node.attr}")  # type: ignore[attr-defined]
                continue  # the module's member, not the module itself
        elif kind in _DEF_KINDS:
            name = node.name  # type: ignore[attr-defined]
            words.update((name, ATTR + name))  # called by name, or as a method
        elif kind is ast.alias:
            local = node.asname or node.name.split(".")[0]  # type: ignore[attr-defined]
            if local not in modules:  # importing a module reaches none of its members yet
                words.add(local)
        elif kind is ast.Global:
            words.update(node.names)  # type: ignore[attr-defined]
            has_global = True
        elif kind is ast.keyword and node.arg is None:  # type: ignore[attr-defined]
            spread.append(node.value)  # type: ignore[attr-defined]
        fields = fields_of.get(kind)
        if fields is None:
            fields = fields_of[kind] = tuple(f for f in kind._fields if f not in ("ctx", "op"))
        for name in fields:
            value = getattr(node, name, None)
            if type(value) is list:
                stack.extend(child for child in value if isinstance(child, ast.AST))
            elif isinstance(value, ast.AST):
                stack.append(value)
    return has_global


_DEF_KINDS = frozenset(_DEFS)
# The fields of each `ast` class that may hold nodes with names (not contexts or operators).
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _held(value: ast.expr, modules: frozenset[str]) -> frozenset[str]:
    """The identifiers of what a value holds: the callee of a call (not its arguments: a client
    passed to another constructor is owned by it), the root and attributes of a chain, either
    side of `or` and `if/else`; all of anything else (a container, a comprehension). Spelled
    as :func:`_identifiers` spells them."""
    if isinstance(value, ast.Await):
        return _held(value.value, modules)
    if isinstance(value, ast.Call):
        return _held(value.func, modules)
    if isinstance(value, ast.Attribute):
        root = value.value
        if isinstance(root, ast.Name) and root.id in modules:
            return frozenset((f"{root.id}.{value.attr}", ATTR + value.attr))
        return _held(root, modules) | {ATTR + value.attr}
    if isinstance(value, ast.Name):
        return frozenset((value.id,))
    if isinstance(value, ast.BoolOp):
        return frozenset().union(*(_held(v, modules) for v in value.values))
    if isinstance(value, ast.IfExp):
        return _held(value.body, modules) | _held(value.orelse, modules)
    return _identifiers([value], modules)


def _bound(target: ast.expr, level: Level) -> Iterator[str]:
    """`self.x` and `cls.x` (what the facts follow across methods); a module-level name; a
    class-level name (read as `self.x`); also inside tuple targets."""
    if isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _bound(element, level)
    elif isinstance(target, ast.Starred):
        yield from _bound(target.value, level)
    elif isinstance(target, ast.Attribute) and _is_self(target.value):
        yield ATTR + target.attr
    elif isinstance(target, ast.Name) and level != "function":
        yield target.id if level == "module" else ATTR + target.id


def _is_self(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Name) and expr.id in ("self", "cls")


def _targets(stmt: ast.stmt) -> list[ast.expr]:
    if isinstance(stmt, ast.Assign):
        return stmt.targets
    if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
        return [stmt.target]
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        return [stmt.target]
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return [i.optional_vars for i in stmt.items if i.optional_vars is not None]
    return []


def _first_line(node: DefNode) -> int:
    return min([node.lineno, *(d.lineno for d in node.decorator_list)])


def _last_line(node: ast.stmt) -> int:
    return node.end_lineno or node.lineno


def _stub(unit: _Unit, out: list[str]) -> None:
    node = unit.node
    header = out[node.lineno - 1]
    indent = header[: len(header) - len(header.lstrip())]
    if isinstance(node, ast.ClassDef):
        stub = f"class {node.name}: pass"
    else:
        prefix = "async " if isinstance(node, ast.AsyncFunctionDef) else ""
        stub = f"{prefix}def {node.name}(): pass"
    for row in range(unit.first, unit.last + 1):
        out[row - 1] = _ending(out[row - 1])
    out[node.lineno - 1] = indent + stub + (_ending(header) or "\n")


def _ending(line: str) -> str:
    if line.endswith("\r\n"):
        return "\r\n"
    if line.endswith(("\n", "\r")):
        return line[-1]
    return ""


# -- names ---------------------------------------------------------------------------------------


def _statements(body: Iterable[ast.stmt], into_defs: bool = True) -> Iterator[ast.stmt]:
    """Every statement, nested ones too (not expressions); ``into_defs=False`` stops at
    functions and classes."""
    stack = list(body)
    while stack:
        stmt = stack.pop()
        yield stmt
        if not into_defs and isinstance(stmt, _DEFS):
            continue
        for name in ("body", "orelse", "finalbody"):
            stack.extend(getattr(stmt, name, ()))
        for handler in getattr(stmt, "handlers", ()):
            stack.extend(handler.body)
        for case in getattr(stmt, "cases", ()):
            stack.extend(case.body)


def _last_part(ref: str) -> Iterator[str]:
    head, member = split_member(ref) or (ref, "")
    yield head.rsplit(".", 1)[-1]
    if member:
        yield member


def _member(ref: str) -> str:
    member_of = split_member(ref)
    return member_of[1] if member_of else ""


def _seeds(
    tree: ast.Module, view: ModuleView, catalog: Catalog, is_package: bool
) -> tuple[set[str], frozenset[str]]:
    """Names that refer to a catalog library or to something the joined facts know, and the
    names bound to a catalog library's modules (``import httpx``, ``from openai import lib``):
    of those, only the members on the way to a listed name are relevant (``httpx.Client``, not
    ``httpx.Response``), and the module where it is used bare. (A module imported whole needs
    no name of its own: its uses spell the known member's name.)"""
    # What a call site alone can show: a factory, a `timeout=None` default (or `**kwargs`)
    # that reaches a request, a coroutine on a shared async client. (A helper that uses or
    # closes a client is called with one, and that argument is relevant by itself.)
    functions = {
        k
        for k, f in view.functions.items()
        if f.factory or f.timeout_defaults or f.kwargs_timeout_sink or f.shared_async
    }
    known: set[str] = set(view.clients) | functions
    known.update(k for k, target in view.methods.items() if target in functions)
    known.update(k for k, target in view.aliases.items() if target in known)
    relevant: set[str] = set()
    for ref in known:
        for part in _last_part(ref):
            relevant.update((part, ATTR + part))  # imported by name, or reached as an attribute
    relevant.update(ATTR + member for key in view.attrs if (member := _member(key)))
    listed = catalog.name_prefixes
    modules: dict[str, set[str]] = {}  # local name -> the catalog modules it is bound to

    def bind(local: str, bound: str) -> None:
        if bound in catalog.listed_members and bound not in catalog.listed_names:
            modules.setdefault(local, set()).add(bound)
        else:
            relevant.add(local)

    for stmt in _statements(tree.body):
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                target = alias.name
                local = alias.asname or target.split(".")[0]
                if target in known:
                    relevant.add(local)
                elif target in listed:
                    bind(local, target if alias.asname else local)
        elif isinstance(stmt, ast.ImportFrom):
            base = absolute_import("." * stmt.level + (stmt.module or ""), view.module, is_package)
            for alias in stmt.names:
                target = f"{base}.{alias.name}" if base else alias.name
                local = alias.asname or alias.name
                if target in known:
                    relevant.add(local)
                elif stmt.level == 0 and target in listed:
                    bind(local, target)
    # a name also bound to something else relevant keeps every use (as before)
    for local in [local for local in modules if local in relevant]:
        del modules[local]
    for local, bound_to in modules.items():
        relevant.add(local)  # used bare: `getattr(requests, method)`, `lib = httpx`
        for bound in bound_to:
            relevant.update(f"{local}.{member}" for member in catalog.listed_members[bound])
    return relevant, frozenset(modules)
