"""The engine's libcst shortcuts give what libcst gives: children, parents, visits, positions."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import (
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    QualifiedNameProvider,
    ScopeProvider,
)

from pooltune.lint.traversal import (
    INERT_NODES,
    ParentProvider,
    StatementPositions,
    children,
    read_only_visits,
)

REALCODE = Path(__file__).resolve().parents[1] / "data" / "realcode"
FILES = sorted(REALCODE.rglob("*.py"))
SAMPLE = [FILES[i] for i in range(0, len(FILES), 9)]  # five files of five packages

TRICKY = [
    "a = 1; b = 2\nc = (3,\n     4); d = 5\n",
    "# header\n\n\n@deco  # why\n\n# between\n@other(\n    1)\n\ndef f(x):\n    return x\n",
    "class A(B, metaclass=M):\n    '''doc'''\n    x: int = 1\n    async def m(self): await g()\n",
    "if x:\n    pass\nelse:\n    y = [i for i in z if i]\nprint(f'{a!r:>{w}}')",  # no newline
    "import httpx\r\n\r\ndef f():\r\n    return httpx.get(u)\r\n",
    "from . import (a,\n    b as c)\nfrom x import *\nwith (p as q, r):\n    del q\n",
    "def f():\n\tif x:\n\t\treturn lambda y=1, *a, **k: y\n\x0c\ndef g(): ...\n",
    "match p:\n    case {'k': [1, *rest]} | Point(x=0) if rest:\n        pass\n",
    # bodies of classes and functions, where positions start below the top level
    "class A:\n  # lead\n\n  @d  # c\n  # between\n  @e\n  def m(self):\n      x = 1; y = 2\n"
    "# dedented\n  async def n(self): pass\n  class B:\n      def k(self):\n\n"
    "          return f(\n  1)\n      z: int\n  # footer\n\nv = A()\n",
    "def outer():\n    def inner():\n        '''doc'''\n        return 1\n    if x:\n"
    "        def hidden(): return 2\n    return inner\n    # tail\n",
    "class C(\n    B):\n    def f(self): return 1\n    @property\n    def g(self):\n"
    "        try:\n            pass\n        except* E:\n            raise\n",
]


def _modules() -> list[tuple[str, str]]:
    return [(p.name, p.read_text(encoding="utf-8")) for p in SAMPLE] + [
        (f"tricky-{i}", text) for i, text in enumerate(TRICKY)
    ]


@pytest.fixture(scope="module", params=_modules(), ids=lambda m: m[0])
def module(request: pytest.FixtureRequest) -> tuple[str, cst.Module]:
    _, text = request.param
    return text, cst.parse_module(text)


def test_children_in_libcst_order(module: tuple[str, cst.Module]) -> None:
    _, tree = module
    parents = MetadataWrapper(tree, unsafe_skip_copy=True).resolve(ParentNodeProvider)
    for node in [tree, *parents]:
        assert children(node) == list(node.children), type(node).__name__


def test_parent_map_is_libcsts(module: tuple[str, cst.Module]) -> None:
    _, tree = module
    ours = MetadataWrapper(tree, unsafe_skip_copy=True).resolve(ParentProvider)
    theirs = MetadataWrapper(tree, unsafe_skip_copy=True).resolve(ParentNodeProvider)
    assert list(ours.items()) == list(theirs.items())  # same pairs, same order


def test_positions_per_statement_are_libcsts(module: tuple[str, cst.Module]) -> None:
    text, tree = module
    wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
    expected = wrapper.resolve(PositionProvider)
    parents = wrapper.resolve(ParentProvider)
    syntax = ast.parse(text)
    # Deepest nodes first, so that each is generated from the innermost statement around it
    # (a small module: each node alone, with nothing generated before it).
    depth = {node: _depth(node, parents) for node in expected}
    positions = StatementPositions(tree, syntax, parents.get)
    for node in sorted(expected, key=lambda node: -depth[node]):
        if len(text) < 1000:
            positions = StatementPositions(tree, syntax, parents.get)
        assert positions.range(node) == expected[node], type(node).__name__


def _depth(node: cst.CSTNode, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> int:
    depth = 0
    while node in parents:
        node, depth = parents[node], depth + 1
    return depth


class _Recorder(cst.CSTVisitor):
    """Every event, attribute hooks included (libcst's ScopeVisitor has some)."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, str]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.events.append(("visit", type(node).__name__))
        return not isinstance(node, cst.Lambda)  # a visitor may skip a subtree

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.events.append(("leave", type(original_node).__name__))

    def visit_ClassDef_bases(self, node: cst.ClassDef) -> None:
        self.events.append(("bases", node.name.value))

    def leave_Call_func(self, node: cst.Call) -> None:
        self.events.append(("func", type(node.func).__name__))


def test_read_only_visits_see_the_same_events(module: tuple[str, cst.Module]) -> None:
    _, tree = module
    slow, fast = _Recorder(), _Recorder()
    tree.visit(slow)
    with read_only_visits():
        tree.visit(fast)
    assert fast.events == slow.events


def test_scopes_and_qualified_names_unchanged(module: tuple[str, cst.Module]) -> None:
    _, tree = module
    expected = MetadataWrapper(tree, unsafe_skip_copy=True).resolve(QualifiedNameProvider)
    with read_only_visits():
        wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
        scopes = wrapper.resolve(ScopeProvider)
        got = wrapper.resolve(QualifiedNameProvider)
    assert list(got) == list(expected)
    for node in expected:
        scope = scopes.get(node)
        lazy = scope.get_qualified_names_for(node) if scope is not None else set()
        assert _value(got[node]) == _value(expected[node]) == lazy


def _value(value: object) -> object:
    return value() if callable(value) else value


def test_transformers_still_rebuild() -> None:
    class Rename(cst.CSTTransformer):
        def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
            return updated_node.with_changes(value=updated_node.value.upper())

    libcst_visit = cst.CSTNode.visit
    tree = cst.parse_module("x = y + f(z)\n")
    with read_only_visits():
        assert cst.CSTNode.visit is not libcst_visit
        assert tree.visit(Rename()).code == "X = Y + F(Z)\n"
    assert cst.CSTNode.visit is libcst_visit  # put back on the way out
    assert tree.code == "x = y + f(z)\n"


def test_batched_visitors_find_the_same_methods() -> None:
    from pooltune.lint.catalog import load_catalog
    from pooltune.lint.facts import Facts
    from pooltune.lint.rule import FileContext
    from pooltune.lint.rules import ALL_RULES
    from pooltune.lint.summaries import ModuleView

    tree, catalog = cst.parse_module(""), load_catalog()
    facts = Facts(tree, catalog, ModuleView(module="t"))
    context = FileContext("t.py", tree, catalog, facts=facts)
    for rule in ALL_RULES:
        expected = rule(context).get_visitors()
        with read_only_visits():
            first, second = rule(context).get_visitors(), rule(context).get_visitors()
        assert sorted(first) == sorted(second) == sorted(expected), rule.code
        assert all(first[name].__func__ is expected[name].__func__ for name in expected)


def test_child_order_read_from_code_matches_the_source() -> None:
    import inspect

    from pooltune.lint.traversal import child_fields, child_fields_from_source

    kinds = [
        k
        for k in vars(cst).values()
        if isinstance(k, type) and issubclass(k, cst.CSTNode) and not inspect.isabstract(k)
    ]
    assert len(kinds) > 150
    for kind in kinds:
        assert child_fields(kind) is not None, kind.__name__
        assert child_fields(kind) == child_fields_from_source(kind), kind.__name__


def test_inert_nodes_hold_only_inert_nodes(module: tuple[str, cst.Module]) -> None:
    """What a visit leaves out (INERT_NODES) never holds a node a visitor could want."""
    _, tree = module
    stack: list[tuple[cst.CSTNode, bool]] = [(tree, False)]
    seen = 0
    while stack:
        node, under_inert = stack.pop()
        inert = type(node) in INERT_NODES
        assert inert or not under_inert, type(node).__name__
        seen += inert
        stack.extend((child, inert) for child in children(node))
    assert seen


class _Punctuation(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def visit_Comma(self, node: cst.Comma) -> None:
        self.seen.append("comma")

    def leave_SimpleWhitespace(self, original_node: cst.SimpleWhitespace) -> None:
        self.seen.append(original_node.value)

    def visit_Name(self, node: cst.Name) -> None:
        self.seen.append(node.value)


def test_a_visitor_of_inert_nodes_still_sees_them(module: tuple[str, cst.Module]) -> None:
    _, tree = module
    slow, fast = _Punctuation(), _Punctuation()
    tree.visit(slow)
    with read_only_visits():
        tree.visit(fast)
    assert fast.seen == slow.seen
