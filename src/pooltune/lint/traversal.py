"""Read-only visits of a libcst tree that do not rebuild it.

`libcst.CSTNode.visit` rebuilds every node it passes (``_visit_and_replace_children``
constructs and validates a new node from the visited children) and, for a read-only
``CSTVisitor``, throws the copy away (libcst's own code notes the missing traversal as a TODO).
On large modules that rebuilding is most of what the metadata providers cost. Inside
:func:`read_only_visits`, a visit by a ``CSTVisitor`` walks the same children in the same
order (the order each node's ``_visit_and_replace_children`` visits them, read once per node
class) and calls the same ``on_visit``/``on_leave`` (and the attribute hooks, for a visitor
that has any); a transformer, and a node class whose order cannot be read, take libcst's own
path. A batched visit finds its visitors' methods once per class (libcst asks
``inspect.getmembers`` for every visitor of every file). :class:`ParentProvider` is libcst's
parent map, built by one walk instead of a visit that asks every node for its ``children``;
:class:`StatementPositions` is its PositionProvider, one top-level statement at a time.
``tests/lint/test_traversal.py`` checks both against libcst on real modules.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
import threading
import weakref
from collections.abc import Callable, Collection, Iterator, Mapping
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
# weak: facts define small visitor classes per call; they must not pile up here
_modes: weakref.WeakKeyDictionary[type, int] = weakref.WeakKeyDictionary()
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
    fields = child_fields(type(node))
    if fields is None:
        return list(node.children)
    found: list[cst.CSTNode] = []
    for name in fields:
        value = getattr(node, name)
        kind = type(value)
        if kind is tuple or kind is list:
            found.extend(value)
        elif _is_node(kind):
            found.append(value)
    return found


def _is_node(kind: type) -> bool:
    """`issubclass(kind, CSTNode)`, remembered (CSTNode is an ABC: isinstance is slow)."""
    verdict = _node_classes.get(kind)
    if verdict is None:
        verdict = _node_classes[kind] = issubclass(kind, cst.CSTNode)
    return verdict


# How to visit: libcst's way; fast; fast with attribute hooks; the root only (a batch of
# metadata providers that only implement visit_Module: libcst still walks every node for them).
_LIBCST, _PLAIN, _HOOKED, _ROOT = 0, 1, 2, 3


def _mode(visitor: object) -> int:
    kind = type(visitor)
    mode = _modes.get(kind)
    if mode is None:
        if not isinstance(visitor, cst.CSTVisitor):
            mode = _LIBCST  # a transformer's visit does rebuild the tree
        else:
            mode = _HOOKED if _has_hooks(kind) else _PLAIN
        _modes[kind] = mode
    if mode == _PLAIN and isinstance(visitor, _BatchedCSTVisitor):
        batched = visitor.__dict__.get("_pooltune_mode")
        if batched is None:
            batched = visitor.__dict__["_pooltune_mode"] = _batched_mode(visitor)
        return int(batched)
    return mode


def _batched_mode(visitor: _BatchedCSTVisitor) -> int:
    """The batched visitor calls the methods (and attribute hooks) of the visitors it batches."""
    methods = [name for name, found in visitor.visitor_methods.items() if found]
    if any(_ATTRIBUTE_HOOK.match(name) for name in methods):
        return _HOOKED
    if (
        visitor.before_visit is None
        and visitor.after_leave is None
        and set(methods) <= {"visit_Module", "leave_Module"}
    ):
        return _ROOT  # below the module, every on_visit/on_leave would find nothing to call
    return _PLAIN


def _has_hooks(kind: type) -> bool:
    """Attribute hooks (`visit_ClassDef_bases`) or its own on_visit_attribute, below
    CSTVisitor (which defines every hook as a no-op)."""
    for cls in kind.__mro__:
        if cls is cst.CSTVisitor:
            return False
        if cls is _BatchedCSTVisitor:
            continue  # it only dispatches to the batched visitors' hooks (checked per visit)
        names = vars(cls)
        if "on_visit_attribute" in names or "on_leave_attribute" in names:
            return True
        if any(_ATTRIBUTE_HOOK.match(name) for name in names):
            return True
    return True


def _visit(node: cst.CSTNode, visitor: Any) -> Any:
    mode = _mode(visitor)
    if mode == _LIBCST or child_fields(type(node)) is None:
        return _libcst_visit(node, visitor)
    if mode == _PLAIN:
        _walk(node, visitor)
    elif mode == _HOOKED:
        _walk_hooked(node, visitor)
    else:
        visitor.on_visit(node)
        visitor.on_leave(node)
    return node


def _walk(node: cst.CSTNode, visitor: Any) -> None:
    """What libcst's visit does for a read-only visitor, minus the rebuilding."""
    fields = _child_fields.get(type(node)) or child_fields(type(node))
    if fields is None:
        _libcst_visit(node, visitor)
        return
    if visitor.on_visit(node):
        for name in fields:
            value = getattr(node, name)
            kind = type(value)
            if kind is tuple or kind is list:
                for child in value:
                    _walk(child, visitor)
            elif _is_node(kind):
                _walk(value, visitor)
    visitor.on_leave(node)


def _walk_hooked(node: cst.CSTNode, visitor: Any) -> None:
    """The same, calling the attribute hooks around each field as libcst does."""
    fields = _child_fields.get(type(node)) or child_fields(type(node))
    if fields is None:
        _libcst_visit(node, visitor)
        return
    if visitor.on_visit(node):
        for name in fields:
            visitor.on_visit_attribute(node, name)
            value = getattr(node, name)
            kind = type(value)
            if kind is tuple or kind is list:
                for child in value:
                    _walk_hooked(child, visitor)
            elif _is_node(kind):
                _walk_hooked(value, visitor)
            visitor.on_leave_attribute(node, name)
    visitor.on_leave(node)


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


class ParentProvider(BaseMetadataProvider[cst.CSTNode]):
    """Each node's parent, as libcst's ParentNodeProvider gives it (the module has none)."""

    def _gen_impl(self, module: cst.Module) -> None:
        # Post-order, each node's children when it is left: the order libcst's provider
        # records them in (rules that iterate the map see the nodes in the same order).
        set_metadata = self.set_metadata
        stack: list[tuple[cst.CSTNode, list[cst.CSTNode]]] = [(module, children(module))]
        next_child = [0]
        while stack:
            node, kids = stack[-1]
            index = next_child[-1]
            if index < len(kids):
                next_child[-1] = index + 1
                child = kids[index]
                stack.append((child, children(child)))
                next_child.append(0)
                continue
            stack.pop()
            next_child.pop()
            for child in kids:
                set_metadata(child, node)


def statement_lines(tree: ast.Module, stubbed: Collection[int] = ()) -> list[int]:
    """The first line of each statement libcst's ``Module.body`` holds, from the `ast` of the
    same text (`a = 1; b = 2` is one libcst statement; a decorated def starts at its first
    decorator, unless it was stubbed: ``stubbed`` holds the ``id`` of those)."""
    lines: list[int] = []
    previous_end: int | None = None
    for stmt in tree.body:
        if previous_end is not None and stmt.lineno == previous_end:
            previous_end = stmt.end_lineno  # joined by `;` to the one before
            continue
        decorators = [] if id(stmt) in stubbed else getattr(stmt, "decorator_list", [])
        lines.append(min([stmt.lineno, *(d.lineno for d in decorators)]))
        previous_end = stmt.end_lineno
    return lines


class StatementPositions:
    """libcst's PositionProvider ranges, generated one top-level statement at a time, for the
    statements something is asked about (the provider generates the code of the whole module;
    a rule reports a handful of nodes). A statement's code starts at its first line minus the
    comment and blank lines libcst keeps in front of it."""

    def __init__(
        self,
        module: cst.Module,
        first_lines: list[int],
        parent: Callable[[cst.CSTNode], cst.CSTNode | None],
    ) -> None:
        if len(first_lines) != len(module.body):
            raise ValueError("statement lines do not match the module")
        self._module = module
        self._first_lines = first_lines
        self._index = {id(stmt): i for i, stmt in enumerate(module.body)}
        self._parent = parent
        self._provider = PositionProvider()

    def range(self, node: cst.CSTNode) -> CodeRange:
        computed = self._provider._computed
        found = computed.get(node)
        if found is None:
            statement = self._top_level(node)
            if statement is None:  # the module itself, or its header or footer comments
                self._module._codegen(self._state(1))
            else:
                self._generate(statement)
            found = computed[node]
        assert isinstance(found, CodeRange)
        return found

    def _top_level(self, node: cst.CSTNode) -> cst.CSTNode | None:
        current = node
        while (parent := self._parent(current)) is not None and parent is not self._module:
            current = parent
        return current if id(current) in self._index else None

    def _generate(self, stmt: cst.CSTNode) -> None:
        before = len(getattr(stmt, "leading_lines", ()))
        decorators = getattr(stmt, "decorators", ())
        if decorators:
            before += len(decorators[0].leading_lines)
        stmt._codegen(self._state(self._first_lines[self._index[id(stmt)]] - before))

    def _state(self, line: int) -> PositionProvidingCodegenState:
        return PositionProvidingCodegenState(
            default_indent=self._module.default_indent,
            default_newline=self._module.default_newline,
            provider=self._provider,
            line=line,
        )
