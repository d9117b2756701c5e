"""Read-only visits of a libcst tree that do not rebuild it.

`libcst.CSTNode.visit` rebuilds every node it passes (``_visit_and_replace_children``
constructs and validates a new node from the visited children) and, for a read-only
``CSTVisitor``, throws the copy away (libcst's own code notes the missing traversal as a TODO).
On large modules that rebuilding is most of what the metadata providers cost. Inside
:func:`read_only_visits`, a visit by a ``CSTVisitor`` walks the same children in the same
order (the order each node's ``_visit_and_replace_children`` visits them, read once per node
class) and calls the same ``on_visit``/``on_leave`` (and the attribute hooks, for a visitor
that has any); a transformer, and a node class whose order cannot be read, take libcst's own
path. Whitespace, punctuation and operators (:data:`INERT_NODES`, most of a module's nodes)
are left out of the visit of a visitor that has nothing to call on them. A batched visit
finds its visitors' methods once per class (libcst asks
``inspect.getmembers`` for every visitor of every file). :class:`ParentProvider` is libcst's
parent map, built by one walk instead of a visit that asks every node for its ``children``;
:class:`StatementPositions` is its PositionProvider, one statement at a time.
``tests/lint/test_traversal.py`` checks both against libcst on real modules.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
import threading
import weakref
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import libcst as cst
from libcst._batched_visitor import BatchableCSTVisitor, _BatchedCSTVisitor
from libcst.metadata import BaseMetadataProvider, CodeRange, PositionProvider
from libcst.metadata.position_provider import PositionProvidingCodegenState

_VISIT_CALL = re.compile(
    r"\bvisit_(required|optional|sequence|iterable|body_sequence|body_iterable|sentinel)"
    r'\(\s*self\s*,\s*"(\w+)"'
)
_ANY_VISIT_CALL = re.compile(r"\bvisit_\w+\(")
_ATTRIBUTE_HOOK = re.compile(r"^(?:visit|leave)_[A-Z][A-Za-z]*_\w+$")
_child_fields: dict[type[cst.CSTNode], tuple[str, ...] | None] = {}
_node_classes: dict[type, bool] = {}
_lock = threading.Lock()
_depth = 0
_libcst_visit: Callable[..., Any] = cst.CSTNode.visit
_libcst_get_visitors = BatchableCSTVisitor.get_visitors
_visitor_names: weakref.WeakKeyDictionary[type, tuple[str, ...]] = weakref.WeakKeyDictionary()


def child_fields(kind: type[cst.CSTNode]) -> tuple[str, ...] | None:
    """The fields holding a node class's children, in the order libcst visits them (None:
    not readable, use libcst's own visit).

    Each node's ``_visit_and_replace_children`` passes the field names to libcst's
    ``visit_required``/``visit_sequence``/... helpers as string constants, in source order;
    the compiled method keeps them in that order (``tests/lint/test_traversal.py`` checks this
    against its source for every node class, and the children against libcst's own)."""
    try:
        return _child_fields[kind]
    except KeyError:
        pass
    names: tuple[str, ...] | None = None
    method = getattr(kind, "_visit_and_replace_children", None)
    code = getattr(method, "__code__", None)
    if code is not None and dataclasses.is_dataclass(kind):
        fields = {f.name for f in dataclasses.fields(kind)}
        visits = [n for n in code.co_names if n.startswith("visit_")]
        found = tuple(
            dict.fromkeys(c for c in code.co_consts if isinstance(c, str) and c in fields)
        )
        if found or not visits:
            names = found
    _child_fields[kind] = names
    return names


def child_fields_from_source(kind: type[cst.CSTNode]) -> tuple[str, ...] | None:
    """The same order read from the method's source (slower; the test's reference)."""
    try:
        source = inspect.getsource(kind._visit_and_replace_children)
    except (OSError, TypeError):
        return None
    found = tuple(name for _, name in _VISIT_CALL.findall(source))
    if len(found) != len(_ANY_VISIT_CALL.findall(source)):
        return None
    return tuple(dict.fromkeys(found))


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """A node's children in libcst's order, without rebuilding anything."""
    kind = type(node)
    fields = _child_fields[kind] if kind in _child_fields else child_fields(kind)
    if fields is None:
        return list(node.children)
    found: list[cst.CSTNode] = []
    node_classes = _node_classes
    for name in fields:
        value = getattr(node, name)
        kind = type(value)
        if kind is tuple or kind is list:
            found.extend(value)
        elif node_classes[kind] if kind in node_classes else _is_node(kind):
            found.append(value)
    return found


def _is_node(kind: type) -> bool:
    """`issubclass(kind, CSTNode)`, remembered (CSTNode is an ABC: isinstance is slow)."""
    verdict = _node_classes.get(kind)
    if verdict is None:
        verdict = _node_classes[kind] = issubclass(kind, cst.CSTNode)
    return verdict


# Whitespace, comments, punctuation and operators: more than half the nodes of a module, and
# nothing below them but more of the same (tests/lint/test_traversal.py checks that on real
# modules). A visit of a visitor with nothing to call on any of them leaves them out.
INERT_NODES: frozenset[type[cst.CSTNode]] = frozenset(
    {
        cst.SimpleWhitespace,
        cst.ParenthesizedWhitespace,
        cst.TrailingWhitespace,
        cst.EmptyLine,
        cst.Newline,
        cst.Comment,
        cst.Comma,
        cst.Dot,
        cst.Colon,
        cst.Semicolon,
        cst.AssignEqual,
        cst.LeftParen,
        cst.RightParen,
        cst.LeftSquareBracket,
        cst.RightSquareBracket,
        cst.LeftCurlyBrace,
        cst.RightCurlyBrace,
        cst.ImportStar,
        cst.Asynchronous,
        *(
            operator
            for base in (
                cst.BaseBinaryOp,
                cst.BaseBooleanOp,
                cst.BaseCompOp,
                cst.BaseUnaryOp,
                cst.BaseAugOp,
            )
            for operator in base.__subclasses__()
        ),
    }
)

_INERT_NAMES = frozenset(kind.__name__ for kind in INERT_NODES)


def _names_inert(method: str) -> bool:
    """`visit_Comma`, `leave_Comma_whitespace_after`: a method for an inert node class."""
    parts = method.split("_", 2)
    return len(parts) > 1 and parts[0] in ("visit", "leave") and parts[1] in _INERT_NAMES


# How a visit calls a visitor, per node class: its child fields, what to call on visiting
# and on leaving a node (None: nothing), and the attribute hooks around each field (None:
# none). Each call takes (visitor, node). libcst's on_visit/on_leave look the methods up by
# name for every node and every field; a plan looks them up once per node class.
_Call = Callable[[Any, cst.CSTNode], Any]
_Hooks = dict[str, tuple[_Call | None, _Call | None]]
_Plan = tuple[tuple[str, ...], _Call | None, _Call | None, _Hooks | None]
_NO_HOOKS: tuple[None, None] = (None, None)


class _Plans(dict[type, "_Plan | None"]):
    """The plans of one visitor class (or of one batched visitor: its batch's methods)."""

    def __init__(self, visitor: cst.CSTVisitor) -> None:
        super().__init__()
        kind = type(visitor)
        self.batched: dict[str, list[Callable[..., Any]]] | None = None
        if (
            isinstance(visitor, _BatchedCSTVisitor)
            and visitor.before_visit is None
            and visitor.after_leave is None
        ):
            self.batched = {k: v for k, v in visitor.visitor_methods.items() if v}
        self.overridden = {
            name
            for name in ("on_visit", "on_leave", "on_visit_attribute", "on_leave_attribute")
            if getattr(kind, name) is not getattr(cst.CSTVisitor, name)
        }
        self.kind = kind
        # A batch of metadata providers that only implement visit_Module: libcst still walks
        # every node for them, and below the module every call would find nothing to call.
        self.root_only = self.batched is not None and set(self.batched) <= {
            "visit_Module",
            "leave_Module",
        }
        self.inert = INERT_NODES if self._skips_inert() else frozenset()

    def _skips_inert(self) -> bool:
        """Whether the walk can leave out whitespace, punctuation and operators (most nodes of a
        module): the visitor has nothing to call on any of them, or only what libcst's scope
        visitor does on leaving a node (record its scope: no one asks a comma's scope)."""
        if self.batched is not None:  # its batch's methods are all it calls
            return not any(_names_inert(method) for method in self.batched)
        if self.overridden - {"on_leave"}:
            return False
        if "on_leave" in self.overridden and _unbound(self.kind, "on_leave") is not _SCOPE_ON_LEAVE:
            return False
        return not any(
            _names_inert(attribute) and self._method(attribute) is not None
            for klass in self.kind.__mro__
            if klass.__module__ != "libcst._typed_visitor"  # its ~1,000 no-op stubs
            for attribute in vars(klass)
        )

    def __missing__(self, node_kind: type) -> _Plan | None:
        fields = child_fields(node_kind)
        plan: _Plan | None = None
        if fields is not None:
            name = node_kind.__name__
            visit = self._call("on_visit", f"visit_{name}", node_kind)
            leave = self._call("on_leave", f"leave_{name}", node_kind)
            hooks: _Hooks = {}
            for field in fields:
                before = self._hook("on_visit_attribute", f"visit_{name}_{field}", field)
                after = self._hook("on_leave_attribute", f"leave_{name}_{field}", field)
                if before is not None or after is not None:
                    hooks[field] = (before, after)
            plan = (fields, visit, leave, hooks or None)
        self[node_kind] = plan
        return plan

    def _call(self, dispatcher: str, method: str, node_kind: type) -> _Call | None:
        if self.batched is not None:
            return _call_all(self.batched.get(method))
        if dispatcher in self.overridden:
            found = _unbound(self.kind, dispatcher)
            if found is _SCOPE_ON_LEAVE:
                return _scope_leave(node_kind, self._method(method))
            return found
        return self._method(method)

    def _hook(self, dispatcher: str, method: str, field: str) -> _Call | None:
        if self.batched is not None:
            return _call_all(self.batched.get(method))
        if dispatcher in self.overridden:
            hook = _unbound(self.kind, dispatcher)
            return lambda visitor, node: hook(visitor, node, field)
        return self._method(method)

    def _method(self, name: str) -> _Call | None:
        value = _class_attribute(self.kind, name)
        if value is None or getattr(value, "_is_no_op", False):
            return None  # CSTVisitor's own: does nothing
        if inspect.isfunction(value):
            return value
        return lambda visitor, node: getattr(visitor, name)(node)  # a classmethod...


# libcst's ScopeVisitor.on_leave records the node's scope, counts assignments and calls the
# node's leave method. Its `isinstance(node, <18 node classes>)` goes through ABCMeta for each
# class, ~4 us per node: most of what scope analysis costs. The same, decided once per node
# class, for that method as we know it (by the names its code uses); any other: libcst's.
def _known_scope_on_leave() -> tuple[Callable[..., Any] | None, tuple[type, ...]]:
    try:
        from libcst.metadata.scope_provider import _ASSIGNMENT_LIKE_NODES, ScopeVisitor
    except ImportError:  # another libcst: its own method
        return None, ()
    names = ScopeVisitor.on_leave.__code__.co_names
    expected = (
        "provider",
        "set_metadata",
        "scope",
        "isinstance",
        "_ASSIGNMENT_LIKE_NODES",
        "_assignment_count",
        "super",
        "on_leave",
    )
    return (ScopeVisitor.on_leave if names == expected else None), _ASSIGNMENT_LIKE_NODES


_SCOPE_ON_LEAVE, _ASSIGNMENT_LIKE = _known_scope_on_leave()


def _scope_leave(node_kind: type, leave: _Call | None) -> _Call:
    assignment_like = issubclass(node_kind, _ASSIGNMENT_LIKE)

    def scope_leave(visitor: Any, node: cst.CSTNode) -> None:
        visitor.provider.set_metadata(node, visitor.scope)
        if assignment_like:
            visitor.scope._assignment_count += 1
        if leave is not None:
            leave(visitor, node)

    return scope_leave


def _class_attribute(kind: type, name: str) -> Any:
    """What ``kind.name`` finds, undecorated (``inspect.getattr_static`` on a class, faster)."""
    for klass in kind.__mro__:
        found = klass.__dict__.get(name)
        if found is not None:
            return found
    return None


def _unbound(kind: type, name: str) -> Callable[..., Any]:
    value = _class_attribute(kind, name)
    if inspect.isfunction(value):
        return value
    return lambda visitor, node, *rest: getattr(visitor, name)(node, *rest)


def _call_all(methods: list[Callable[..., Any]] | None) -> _Call | None:
    """The batched visitor's: every batched method, their results ignored."""
    if not methods:
        return None
    if len(methods) == 1:
        (only,) = methods

        def call_one(visitor: Any, node: cst.CSTNode) -> None:
            only(node)

        return call_one

    def call_each(visitor: Any, node: cst.CSTNode) -> None:
        for method in methods:
            method(node)

    return call_each


# weak: a visitor class defined per call must not pile up here
_class_plans: weakref.WeakKeyDictionary[type, _Plans] = weakref.WeakKeyDictionary()


def _plans(visitor: cst.CSTVisitor) -> _Plans:
    if isinstance(visitor, _BatchedCSTVisitor):  # its methods are those of its batch
        plans = visitor.__dict__.get("_pooltune_plans")
        if plans is None:
            plans = visitor.__dict__["_pooltune_plans"] = _Plans(visitor)
        return plans
    kind = type(visitor)
    plans = _class_plans.get(kind)
    if plans is None:
        plans = _class_plans[kind] = _Plans(visitor)
    return plans


def _visit(node: cst.CSTNode, visitor: Any) -> Any:
    if not isinstance(visitor, cst.CSTVisitor):
        return _libcst_visit(node, visitor)  # a transformer's visit does rebuild the tree
    plans = _plans(visitor)
    if plans.root_only:
        visitor.on_visit(node)
        visitor.on_leave(node)
    elif plans[type(node)] is None:
        return _libcst_visit(node, visitor)
    else:
        _walk(node, visitor, plans)
    return node


def _walk(node: cst.CSTNode, visitor: Any, plans: _Plans) -> None:
    """What libcst's visit does for a read-only visitor, minus the rebuilding (and minus the
    inert nodes, when the visitor has nothing to call on them: :data:`INERT_NODES`)."""
    plan = plans[type(node)]
    if plan is None:
        _libcst_visit(node, visitor)
        return
    fields, visit, leave, hooks = plan
    if visit is None or visit(visitor, node) is not False:
        inert = plans.inert
        for name in fields:
            before, after = _NO_HOOKS if hooks is None else hooks.get(name, _NO_HOOKS)
            if before is not None:
                before(visitor, node)
            value = getattr(node, name)
            kind = type(value)
            if kind is tuple or kind is list:
                for child in value:
                    if type(child) not in inert:
                        _walk(child, visitor, plans)
            elif kind not in inert and _is_node(kind):
                _walk(value, visitor, plans)
            if after is not None:
                after(visitor, node)
    if leave is not None:
        leave(visitor, node)


def _get_visitors(self: BatchableCSTVisitor) -> Mapping[str, Callable[..., Any]]:
    """libcst's ``get_visitors``, whose ``inspect.getmembers`` over ~1,000 attributes costs ~3
    ms per visitor per file: the method names are the same for every instance of a class."""
    kind = type(self)
    names = _visitor_names.get(kind)
    if names is None:
        names = _visitor_names[kind] = _visitor_method_names(kind)
    return {name: getattr(self, name) for name in names}


def _visitor_method_names(kind: type) -> tuple[str, ...]:
    """The `visit_*`/`leave_*` methods a class defines or inherits, minus libcst's no-op stubs
    (read from the class dictionaries, not by evaluating every attribute of an instance)."""
    seen: set[str] = set()
    names: list[str] = []
    for cls in kind.__mro__:
        if cls.__module__ == "libcst._typed_visitor":
            continue  # ~1,000 no-op stubs per class, never visitor methods
        for name, value in vars(cls).items():
            if name in seen:
                continue
            seen.add(name)
            if (
                name.startswith(("visit_", "leave_"))
                and (inspect.isfunction(value) or isinstance(value, classmethod))
                and not getattr(value, "_is_no_op", False)
            ):
                names.append(name)
    return tuple(sorted(names))


@contextmanager
def read_only_visits() -> Iterator[None]:
    """Within this block, read-only visits skip libcst's rebuilding and batched visits find
    their visitors' methods once per class (process-wide, since libcst's providers call
    ``node.visit`` themselves; nested and threaded use is counted)."""
    global _depth
    with _lock:
        if _depth == 0:
            cst.CSTNode.visit = _visit  # type: ignore[method-assign,assignment]
            BatchableCSTVisitor.get_visitors = _get_visitors  # type: ignore[method-assign]
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                cst.CSTNode.visit = _libcst_visit  # type: ignore[method-assign]
                BatchableCSTVisitor.get_visitors = _libcst_get_visitors  # type: ignore[method-assign]


def _no_validation(node: cst.CSTNode) -> None:
    pass


_validate_node = cst.CSTNode.__post_init__


def parse_unvalidated(text: str) -> cst.Module:
    """``cst.parse_module(text)``, without validating each node the parser builds.

    Every libcst node checks its fields when it is constructed (``__post_init__``), a fifth of
    what a parse costs; the nodes of a parse are valid by construction (libcst's own comment
    on ``__post_init__`` says as much). The check is switched off class-wide, so only while
    this is the process's only thread (a worker process, a command-line run): a node another
    thread built meanwhile would go unchecked."""
    if threading.active_count() != 1 or cst.CSTNode.__post_init__ is not _validate_node:
        return cst.parse_module(text)
    cst.CSTNode.__post_init__ = _no_validation  # type: ignore[method-assign,assignment]
    try:
        return cst.parse_module(text)
    finally:
        cst.CSTNode.__post_init__ = _validate_node  # type: ignore[method-assign]


class ParentProvider(BaseMetadataProvider[cst.CSTNode]):
    """Each node's parent, as libcst's ParentNodeProvider gives it (the module has none)."""

    def _gen_impl(self, module: cst.Module) -> None:
        # Post-order, each node's children when it is left: the order libcst's provider
        # records them in (rules that iterate the map see the nodes in the same order).
        # Taking each node, then its children last one first, and reversing that order
        # gives the post-order, without a stack of positions.
        computed = self._computed
        order: list[tuple[cst.CSTNode, list[cst.CSTNode]]] = []
        stack: list[cst.CSTNode] = [module]
        while stack:
            node = stack.pop()
            kids = children(node)
            if kids:
                order.append((node, kids))
                stack.extend(kids)
        for node, kids in reversed(order):
            for child in kids:
                computed[child] = node


# A statement of a libcst body, from the `ast`: its first line, its last, its first `ast` node.
StatementGroup = tuple[int, int, ast.stmt]


def statement_groups(
    body: Sequence[ast.stmt], stubbed: Collection[int] = ()
) -> list[StatementGroup]:
    """The first and last line and first `ast` statement of each statement a libcst body
    holds, from the `ast` of the same text (`a = 1; b = 2` is one libcst statement; a decorated
    def starts at its first decorator, unless it was stubbed: ``stubbed`` holds the ``id`` of
    those)."""
    groups: list[StatementGroup] = []
    for stmt in body:
        end = stmt.end_lineno or stmt.lineno
        if groups and stmt.lineno == groups[-1][1]:
            groups[-1] = (groups[-1][0], end, groups[-1][2])  # joined by `;` to the one before
            continue
        decorators = [] if id(stmt) in stubbed else getattr(stmt, "decorator_list", [])
        groups.append((min([stmt.lineno, *(d.lineno for d in decorators)]), end, stmt))
    return groups


# The libcst statement each `ast` statement class parses to (a simple statement: a line).
_SAME_STATEMENT: dict[type[ast.stmt], type[cst.BaseStatement]] = {
    ast.FunctionDef: cst.FunctionDef,
    ast.AsyncFunctionDef: cst.FunctionDef,
    ast.ClassDef: cst.ClassDef,
    ast.If: cst.If,
    ast.For: cst.For,
    ast.AsyncFor: cst.For,
    ast.While: cst.While,
    ast.With: cst.With,
    ast.AsyncWith: cst.With,
    ast.Try: cst.Try,
    ast.Match: cst.Match,
}
if hasattr(ast, "TryStar"):  # Python 3.11
    _SAME_STATEMENT[ast.TryStar] = cst.TryStar
COMPOUND_STATEMENTS = tuple(_SAME_STATEMENT)  # the `ast` classes of compound statements


class StatementPositions:
    """libcst's PositionProvider ranges, generated one statement at a time, for the nodes
    something is asked about (the provider generates the code of the whole module; a rule
    reports a handful of nodes). A node's range comes from the code of the innermost statement
    around it that is found without generating code: a top-level statement, then down through
    the bodies of functions and classes, each statement's first line read from the `ast` of the
    same text. A statement's code starts at that line minus the comment and blank lines libcst
    keeps in front of it, indented as the blocks around it."""

    def __init__(
        self,
        module: cst.Module,
        syntax_tree: ast.Module,
        parent: Callable[[cst.CSTNode], cst.CSTNode | None],
        stubbed: Collection[int] = (),
    ) -> None:
        self._module = module
        self._stubbed = stubbed
        self._parent = parent
        self._provider = PositionProvider()
        # libcst statement -> its `ast` statement and first line, filled in as bodies are met
        self._found: dict[int, tuple[ast.stmt, int]] = {}
        self._aligned: set[int] = set()  # the blocks whose statements were looked up
        if not self._align(module.body, syntax_tree.body):
            raise ValueError("statement lines do not match the module")

    def range(self, node: cst.CSTNode) -> CodeRange:
        computed = self._provider._computed
        found = computed.get(node)
        if found is None:
            path = self._path(node)
            if not path:  # the module itself, or its header or footer comments
                self._module._codegen(self._state(1, []))
            else:
                self._generate(*self._innermost(path))
            found = computed[node]
        assert isinstance(found, CodeRange)
        return found

    def _path(self, node: cst.CSTNode) -> list[cst.CSTNode]:
        """The nodes from a top-level statement down to ``node`` ([]: not in a statement)."""
        path = [node]
        while (parent := self._parent(path[-1])) is not None and parent is not self._module:
            path.append(parent)
        path.reverse()
        return path if id(path[0]) in self._found else []

    def _innermost(self, path: list[cst.CSTNode]) -> tuple[cst.CSTNode, list[str]]:
        """The deepest statement on ``path`` whose first line is known, and its indentation:
        descend while the path goes on into a statement of a function's or class's body."""
        statement, indents, depth = path[0], [], 0
        while depth + 2 < len(path):
            block, inner = path[depth + 1], path[depth + 2]
            if not (
                isinstance(statement, (cst.FunctionDef, cst.ClassDef))
                and statement.body is block
                and isinstance(block, cst.IndentedBlock)
            ):
                break
            if id(inner) not in self._found and id(block) not in self._aligned:
                self._aligned.add(id(block))
                syntax = self._found[id(statement)][0]
                assert isinstance(syntax, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                self._align(block.body, syntax.body)
            if id(inner) not in self._found:
                break  # the block's own comments, or a body the `ast` does not line up with
            indents.append(self._module.default_indent if block.indent is None else block.indent)
            statement, depth = inner, depth + 2
        return statement, indents

    def _align(self, body: Sequence[cst.BaseStatement], syntax: Sequence[ast.stmt]) -> bool:
        groups = statement_groups(syntax, self._stubbed)
        if len(groups) != len(body):
            return False
        pairs = list(zip(body, groups, strict=True))
        for stmt, (_, _, first) in pairs:
            if not isinstance(stmt, _SAME_STATEMENT.get(type(first), cst.SimpleStatementLine)):
                return False
        for stmt, (line, _, first) in pairs:
            self._found[id(stmt)] = (first, line)
        return True

    def _generate(self, stmt: cst.CSTNode, indents: list[str]) -> None:
        before = len(getattr(stmt, "leading_lines", ()))
        decorators = getattr(stmt, "decorators", ())
        if decorators:
            before += len(decorators[0].leading_lines)
        stmt._codegen(self._state(self._found[id(stmt)][1] - before, indents))

    def _state(self, line: int, indents: list[str]) -> PositionProvidingCodegenState:
        return PositionProvidingCodegenState(
            default_indent=self._module.default_indent,
            default_newline=self._module.default_newline,
            provider=self._provider,
            indent_tokens=indents,
            line=line,
        )
