"""Facts about one file that every rule reads, computed once before the rules run.

Where HTTP clients are built (a constructor, a factory function or a property that builds one
per call), what each build is bound to, how the binding is used (closed, context-managed, handed
on, only passed to helpers that use it, used in a loop that repeats work), what an expression
holds (a local, ``self.session`` however it got there, a module-level client imported from
another module, a parameter annotated with a client class), and which functions run per request.
Names resolve through libcst's scopes (its qualified names, asked for per node) and, across modules,
through the joined function summaries (:class:`~pooltune.lint.summaries.ModuleView`); what
cannot be resolved stays unknown, and rules stay silent.

This module knows no rule: rules read it (``self.facts``), it never imports them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import ClassVar, Literal, NamedTuple, cast

import libcst as cst
from libcst.metadata import (
    CodeRange,
    ProviderT,
    QualifiedName,
    QualifiedNameSource,
    Scope,
    ScopeProvider,
)

from pooltune.lint.catalog import Catalog, ClientSpec
from pooltune.lint.occasions import sets_up
from pooltune.lint.summaries import (
    FunctionFacts,
    FunctionKind,
    ModuleView,
    ParamUse,
    Root,
    absolute_import,
    member_ref,
)
from pooltune.lint.traversal import ParentProvider

FunctionNode = cst.FunctionDef | cst.Lambda
_EXITS = frozenset({"__exit__", "__aexit__"})
# A class offering this many HTTP-verb methods (`get`, `post`, `delete`...) is an HTTP client
_HTTP_CLIENT_VERBS = 3
SLOW_POLL = "in a polling loop that sleeps for seconds on every pass"
BindingKind = Literal["local", "self", "module", "class", "with", "none"]
Origin = Literal["constructor", "factory", "property"]
_MUTATORS = frozenset({"update", "setdefault", "pop", "clear", "__setitem__", "popitem"})


@dataclass
class ClientBuild:
    node: cst.BaseExpression  # the constructor/factory Call, or the property's Attribute
    spec: ClientSpec
    origin: Origin
    function: FunctionNode | None  # innermost enclosing function (None: module or class body)
    in_class_body: bool
    in_loop: bool  # in a loop that repeats work, or a comprehension, inside its function
    binding: BindingKind
    name: str | None = None  # the local/module name, or the attribute for `self.<attr>`
    context_managed: bool = False
    handed_on: bool = False
    closed: bool = False
    uses_in_loop: bool = False
    uses: list[cst.Name] = field(default_factory=list)
    inprocess: bool = False  # on an in-process transport: no network at all
    via: str | None = None  # the factory or property that builds it
    owned: bool = False  # passed straight to another client's constructor (an SDK's http_client)
    # every class a factory may return (`AzureOpenAI() if azure else OpenAI()`): `spec` is the
    # first; messages name them all, and sync-or-async questions need them to agree
    alternatives: tuple[ClientSpec, ...] = ()
    fallback: bool = False  # `given or Client()`: new only when no client is given

    @property
    def label(self) -> str:
        """How messages name what it builds: `openai.OpenAI` or `openai.AzureOpenAI`."""
        return " or ".join(f"`{s.display}`" for s in (self.spec, *self.alternatives))

    @property
    def surely_sync(self) -> bool:
        return not any(s.is_async for s in (self.spec, *self.alternatives))

    @property
    def call(self) -> cst.Call | None:
        """The constructor call itself (None for a factory or property build)."""
        return (
            self.node if self.origin == "constructor" and isinstance(self.node, cst.Call) else None
        )


class Evidence(Enum):
    """How strongly the code shows that a call runs per request."""

    PER_REQUEST = "per-request"  # a loop, a handler, a caller that runs per request, a hot path
    METHOD_ONLY = "method-only"  # a method of an ordinary class: how often it runs is unknown
    # code that runs now and then by what it is, and nothing shows to run per request: an
    # account step, a model listing (by its name), a poll loop sleeping seconds a pass (POOL102)
    OCCASIONAL = "occasional"


class CallPlace(NamedTuple):
    """Where a build or an implicit call (`requests.get`) makes a pool per call, and how
    strongly the code shows that this happens per request."""

    where: str  # "inside a loop", "in the method `Tools.fetch`", ...
    evidence: Evidence


@dataclass(frozen=True)
class Held:
    """What an expression holds: a client, and where it comes from."""

    spec: ClientSpec
    where: Literal["build", "local", "self", "module", "param"]
    name: str  # as the code spells it: `client`, `self._client`
    inprocess: bool = False
    resource: bool = False
    build: ClientBuild | None = None
    declared: bool = False  # only an annotation says so (the code may say otherwise)


class Facts(cst.MetadataDependent):
    METADATA_DEPENDENCIES: ClassVar[Sequence[ProviderT]] = (ParentProvider, ScopeProvider)
    # A node's range, as PositionProvider gives it: set by the engine before collect(), which
    # asks for the few nodes it needs (libcst's provider generates the code of the module).
    position: Callable[[cst.CSTNode], CodeRange]

    def __init__(
        self,
        module: cst.Module,
        catalog: Catalog,
        view: ModuleView,
        is_package: bool = False,
        test_file: bool = False,
    ) -> None:
        super().__init__()
        self.tree = module
        self.catalog = catalog
        self.view = view
        self.module_name = view.module
        self.is_package = is_package
        self.test_file = test_file
        self.builds: list[ClientBuild] = []
        self._builds_by_node: dict[int, ClientBuild] = {}
        self._qualnames: dict[int, str] = {}
        self._retry_lines = frozenset(view.retry_loops)
        self._poll_lines = frozenset(view.poll_loops)
        self._slow_poll_lines = frozenset(view.slow_poll_loops)
        self._build_places: dict[int, CallPlace | None] = {}
        self._call_places: dict[int, CallPlace | None] = {}  # implicit calls, read by 3 rules
        self._once_guard_lines = frozenset(view.once_guards)
        self._leaving_lines = frozenset(view.leaving_branches)
        self._qualified: dict[int, Collection[QualifiedName]] = {}  # function -> param -> client
        self._build_targets: set[int] = set()  # the names fresh clients are assigned to
        self._clears: dict[str, list[cst.FunctionDef]] | None = None  # see _cleared_elsewhere

    # -- collection (after metadata is resolved) -----------------------------------------

    def collect(self) -> None:
        # Every node already has a parent entry: one pass over that map finds the calls and
        # attributes, cheaper than another traversal of the tree.
        functions = self.view.functions.values()
        factories = any(
            f.factory is not None and f.kind is not FunctionKind.PROPERTY for f in functions
        )
        properties = any(
            f.factory is not None and f.kind is FunctionKind.PROPERTY for f in functions
        )
        for node in list(self.metadata[ParentProvider].keys()):
            if type(node) is cst.Call:
                spec = self.client_spec(node)
                if spec is not None:
                    self._add_build(node, spec, "constructor", None)
                elif factories:
                    specs, via, fallback = self._factory_specs(node)
                    if specs:
                        self._add_build(node, specs[0], "factory", via, specs[1:])
                        self.builds[-1].fallback = self.builds[-1].fallback or fallback
            elif properties and type(node) is cst.Attribute:
                spec, via = self._property_spec(node)
                if spec is not None:
                    self._add_build(node, spec, "property", via)
        self.builds.sort(key=lambda b: self._start(b.node))
        # names bound to a fresh client: a name rebound only to other fresh clients (`if azure:
        # c = AzureOpenAI() else: c = OpenAI()`) holds a client built by this call either way
        self._build_targets = {
            id(target) for b in self.builds if (target := self._assign_target(b.node)) is not None
        }
        for build in self.builds:
            self._follow_uses(build)

    def _start(self, node: cst.CSTNode) -> tuple[int, int]:
        pos = self.position(node)
        return (pos.start.line, pos.start.column)

    def _add_build(
        self,
        node: cst.BaseExpression,
        spec: ClientSpec,
        origin: Origin,
        via: str | None,
        alternatives: tuple[ClientSpec, ...] = (),
    ) -> None:
        build = self._describe_build(node, spec, origin)
        build.via = via
        build.alternatives = alternatives
        if origin == "constructor" and isinstance(node, cst.Call):
            build.inprocess = self.inprocess_call(node, spec)
        self.builds.append(build)
        self._builds_by_node[id(node)] = build

    # -- metadata ---------------------------------------------------------------------------

    # Straight from the resolved maps: get_metadata first checks the provider against the
    # class's inherited dependencies, on every call (tens of thousands per file).
    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return cast("cst.CSTNode | None", self.metadata[ParentProvider].get(node))

    def ancestors(self, node: cst.CSTNode) -> Iterator[tuple[cst.CSTNode, cst.CSTNode]]:
        """(child, parent) pairs walking up from ``node``."""
        child = node
        parent = self.parent(child)
        while parent is not None:
            yield child, parent
            child, parent = parent, self.parent(parent)

    def scope(self, node: cst.CSTNode) -> Scope | None:
        return cast("Scope | None", self.metadata[ScopeProvider].get(node))

    def qualified_names(self, node: cst.CSTNode) -> Collection[QualifiedName]:
        """What libcst's QualifiedNameProvider gives for ``node``, computed only for the nodes
        asked about (the provider visits every node to store a lazy value for it)."""
        key = id(node)
        found = self._qualified.get(key)
        if found is None:
            scope = self.scope(node)
            found = scope.get_qualified_names_for(node) if scope is not None else set()
            self._qualified[key] = found
        return found

    def qualnames(self, node: cst.CSTNode) -> frozenset[str]:
        """Fully qualified names of ``node`` that come from an import (never a local name)."""
        found = self.qualified_names(node)
        return frozenset(q.name for q in found if q.source is QualifiedNameSource.IMPORT)

    def client_spec(self, call: cst.Call) -> ClientSpec | None:
        """The catalog entry when ``call`` calls a client constructor (resolved through imports)."""
        for qualname in self.qualnames(call.func):
            spec = self.catalog.client(qualname)
            if spec is not None:
                return spec
        return None

    def call_qualname(self, call: cst.Call) -> str | None:
        """The catalog name of a module-level function call (requests.get, urlopen...), also
        reached through `getattr(requests, method)(url)` (the module's generic `request`)."""
        wrapped = self.offloaded_callable(call)
        for qualname in self.qualnames(call.func if wrapped is None else wrapped):
            if self.catalog.call(qualname) is not None:
                return qualname
        dynamic = self.dynamic_method(call)
        if dynamic is not None:
            receiver, method = dynamic
            for module in self.qualnames(receiver):
                name = f"{module}.{method or 'request'}"
                if self.catalog.call(name) is not None:
                    return name
        return None

    def offloaded_callable(self, call: cst.Call) -> cst.BaseExpression | None:
        """`sync_to_async(requests.get)(url)`: the callable a thread offloader wraps (the call
        is that callable's, run on a worker thread)."""
        func = call.func
        if (
            isinstance(func, cst.Call)
            and func.args
            and func.args[0].keyword is None
            and not func.args[0].star
            and self.qualnames(func.func) & set(self.catalog.runtime.thread_offloaders)
        ):
            return func.args[0].value
        return None

    def dynamic_method(self, call: cst.Call) -> tuple[cst.BaseExpression, str | None] | None:
        """`getattr(session, method)(url)`: the receiver, and the method's name when it is a
        literal (None: any method, chosen at run time)."""
        func = call.func
        if not (
            isinstance(func, cst.Call)
            and len(func.args) == 2
            and not any(a.keyword or a.star for a in func.args)
            and self._is_builtin(func.func, "getattr")
        ):
            return None
        name = func.args[1].value
        method = name.evaluated_value if isinstance(name, cst.SimpleString) else None
        return func.args[0].value, method if isinstance(method, str) else None

    # -- tree navigation --------------------------------------------------------------------

    # Exact node classes (the parser makes no subclasses): isinstance on libcst's classes goes
    # through ABCMeta, and these walk up every ancestor of many nodes.
    def enclosing_function(self, node: cst.CSTNode) -> FunctionNode | None:
        for child, parent in self.ancestors(node):
            kind = type(parent)
            if kind is cst.Lambda:
                return cast(cst.Lambda, parent)
            if kind is cst.FunctionDef and child is cast(cst.FunctionDef, parent).body:
                return cast(cst.FunctionDef, parent)
        return None

    def in_class_body(self, node: cst.CSTNode) -> bool:
        for child, parent in self.ancestors(node):
            kind = type(parent)
            if kind is cst.FunctionDef or kind is cst.Lambda:
                return False
            if kind is cst.ClassDef and child is cast(cst.ClassDef, parent).body:
                return True
        return False

    def enclosing_class(self, function: cst.FunctionDef) -> cst.ClassDef | None:
        for child, parent in self.ancestors(function):
            if isinstance(parent, cst.ClassDef) and child is parent.body:
                return parent
            if isinstance(parent, (cst.FunctionDef, cst.Lambda)):
                return None
        return None

    def in_loop(
        self,
        node: cst.CSTNode,
        stop: cst.CSTNode | None,
        reuse: bool = False,
        slow_polls: bool = True,
    ) -> bool:
        """Inside a loop body that runs it again and again (not a retry loop), or a
        comprehension element. ``reuse``: only loops over many units of work count (a client
        used in a polling or retry loop still serves one call); not ``slow_polls``: a polling
        loop that sleeps seconds a pass does not count either."""
        left = False  # inside a branch that leaves the next loop up (`if found: ...; break`)
        for child, parent in self.ancestors(node):
            if parent is stop or isinstance(parent, (cst.FunctionDef, cst.Lambda)):
                return False
            if self._once_guard_lines and self.runs_once_guarded(child, parent):
                return False  # `if llm is None: llm = ...`: once, whatever loop is around
            if (
                self._leaving_lines
                and isinstance(parent, cst.If)
                and child is parent.body
                and self.position(parent).start.line in self._leaving_lines
            ):
                left = True
            if isinstance(parent, (cst.For, cst.While)) and child is parent.body:
                if left:
                    left = False  # that loop runs the branch once per run, not per pass
                elif not self._repeats_one_unit(parent, reuse, not slow_polls):
                    return True
            if isinstance(parent, (cst.ListComp, cst.SetComp, cst.GeneratorExp)) and (
                child is parent.elt
            ):
                return True
            if isinstance(parent, cst.DictComp) and child in (parent.key, parent.value):
                return True
            if isinstance(parent, cst.CompFor) and child is not parent.iter:
                return True
        return False

    def runs_once_guarded(self, child: cst.CSTNode, parent: cst.CSTNode) -> bool:
        """``child`` is the body of an `if` phase one found to run once: a lazy
        initialisation or a refresh behind a clock."""
        return (
            isinstance(parent, cst.If)
            and child is parent.body
            and self.position(parent).start.line in self._once_guard_lines
        )

    def dead_for_flags(self, node: cst.CSTNode) -> bool:
        """Only reached when a flag is false that every caller passes as True (`if
        async_client: return AsyncClient()` and then the sync one): dead in this tree."""
        facts = self.function_facts(self.enclosing_function(node))
        if facts is None or not facts.always_true:
            return False
        flags = set(facts.always_true)

        def flag_of(test: cst.BaseExpression) -> tuple[str | None, bool]:
            if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
                inner = test.expression
                return (inner.value if isinstance(inner, cst.Name) else None), False
            return (test.value if isinstance(test, cst.Name) else None), True

        for child, parent in self.ancestors(node):
            if isinstance(parent, (cst.FunctionDef, cst.Lambda)):
                return False
            if isinstance(parent, cst.If):
                name, positive = flag_of(parent.test)
                if name in flags and (child is parent.orelse) == positive:
                    return True  # the else of `if flag:`, the body of `if not flag:`
            if isinstance(parent, cst.IndentedBlock) and child in parent.body:
                for stmt in parent.body[: parent.body.index(child)]:
                    if isinstance(stmt, cst.If) and stmt.orelse is None and _leaves(stmt.body):
                        name, positive = flag_of(stmt.test)
                        if name in flags and positive:
                            return True  # after `if flag: ... return`
        return False

    def under_once_guard(self, node: cst.CSTNode) -> bool:
        if not self._once_guard_lines:
            return False
        for child, parent in self.ancestors(node):
            if isinstance(parent, (cst.FunctionDef, cst.Lambda)):
                return False
            if self.runs_once_guarded(child, parent):
                return True
        return False

    def _repeats_one_unit(
        self, loop: cst.For | cst.While, polling_too: bool, slow_polls_too: bool = False
    ) -> bool:
        """Phase one's verdict on the loop (:func:`pooltune.lint.loops.loop_kind`), read by its
        first line: a retry loop, or (``polling_too``) a polling one, or (``slow_polls_too``) a
        polling one that sleeps seconds a pass."""
        if (
            not self._retry_lines
            and not (polling_too and self._poll_lines)
            and not (slow_polls_too and self._slow_poll_lines)
        ):
            return False  # most modules: no position to generate
        line = self.position(loop).start.line
        return (
            line in self._retry_lines
            or (polling_too and line in self._poll_lines)
            or (slow_polls_too and line in self._slow_poll_lines)
        )

    def only_slow_polls(self, node: cst.CSTNode, stop: cst.CSTNode | None) -> bool:
        """Every loop that repeats ``node`` is a polling loop sleeping seconds a pass (one job
        polled until done: the handshake is small next to the sleep)."""
        return bool(self._slow_poll_lines) and not self.in_loop(node, stop, slow_polls=False)

    # -- functions --------------------------------------------------------------------------

    def function_qualname(self, function: FunctionNode) -> str | None:
        """`pkg.mod.Class.method`, `pkg.mod.f.<locals>.g`, as the summaries spell it."""
        if not isinstance(function, cst.FunctionDef):
            return None
        key = id(function)
        if key in self._qualnames:
            return self._qualnames[key]
        parts = [function.name.value]
        for child, parent in self.ancestors(function):
            if isinstance(parent, cst.ClassDef) and child is parent.body:
                parts.append(parent.name.value)
            elif isinstance(parent, cst.FunctionDef) and child is parent.body:
                parts.extend(["<locals>", parent.name.value])
        qualname = ".".join([self.module_name, *reversed(parts)])
        self._qualnames[key] = qualname
        return qualname

    def class_qualname(self, cls: cst.ClassDef) -> str:
        parts = [cls.name.value]
        for child, parent in self.ancestors(cls):
            if isinstance(parent, cst.ClassDef) and child is parent.body:
                parts.append(parent.name.value)
            elif isinstance(parent, cst.FunctionDef) and child is parent.body:
                parts.extend(["<locals>", parent.name.value])
        return ".".join([self.module_name, *reversed(parts)])

    def function_facts(self, function: FunctionNode | None) -> FunctionFacts | None:
        if function is None:
            return None
        qualname = self.function_qualname(function)
        return self.view.functions.get(qualname) if qualname else None

    def is_request_handler(self, function: FunctionNode) -> bool:
        facts = self.function_facts(function)
        return facts is not None and facts.root is not None

    def is_exempt_factory(self, function: FunctionNode) -> bool:
        """main, __init__, __aenter__, cached factories, context managers, lifespans, tests."""
        facts = self.function_facts(function)
        return facts is not None and facts.exempt

    def per_request_reason(self, function: FunctionNode | None) -> str | None:
        """Why a function runs once per request: a handler or task, or called from one/a loop."""
        facts = self.function_facts(function)
        if facts is None:
            return None
        if facts.root is not None:
            return self.root_reason(function)
        if facts.per_request:
            return f"in `{facts.qualname.rsplit('.', 1)[-1]}`, {facts.per_request}"
        return None

    def in_test_code(self, node: cst.CSTNode) -> bool:
        """A test file, or inside a `test_*` function or pytest fixture."""
        if self.test_file:
            return True
        for child, parent in self.ancestors(node):
            if isinstance(parent, cst.FunctionDef) and child is parent.body:
                facts = self.function_facts(parent)
                if facts is not None and facts.is_test:
                    return True
        return False

    def method_class(self, function: FunctionNode | None) -> cst.ClassDef | None:
        if isinstance(function, cst.FunctionDef):
            return self.enclosing_class(function)
        return None

    # -- references across modules ------------------------------------------------------------

    def ref_for(self, expr: cst.BaseExpression) -> str | None:
        """The project-wide name an expression refers to: `pkg.mod.f`, `pkg.mod.C#m` for
        `self.m` in a method of C. None when it is not a name we can follow."""
        if (
            isinstance(expr, cst.Attribute)
            and isinstance(expr.value, cst.Name)
            and expr.value.value in ("self", "cls")
        ):
            function = self.enclosing_function(expr)
            cls = self.method_class(function)
            if cls is not None:
                return member_ref(self.class_qualname(cls), expr.attr.value)
            return None
        for q in self.qualified_names(expr):
            if q.source is QualifiedNameSource.IMPORT:
                return absolute_import(q.name, self.module_name, self.is_package)
            if q.source is QualifiedNameSource.LOCAL:
                return f"{self.module_name}.{q.name}"
        return None

    def callee_facts(self, call: cst.Call) -> FunctionFacts | None:
        ref = self.ref_for(call.func)
        return self.view.function(ref) if ref else None

    def _factory_specs(self, call: cst.Call) -> tuple[tuple[ClientSpec, ...], str | None, bool]:
        """The classes a call to a factory may build (the first names the build), its name, and
        whether it builds only when no client is given or set."""
        func = call.func
        if not isinstance(func, (cst.Name, cst.Attribute)):
            return (), None, False
        facts = self.callee_facts(call)
        if facts is None or facts.factory is None or facts.kind is FunctionKind.PROPERTY:
            return (), None, False
        clients = facts.factory_clients or [facts.factory]
        specs = tuple(s for c in clients if (s := self.catalog.client(c)) is not None)
        return specs, facts.qualname.rsplit(".", 1)[-1] + "()", facts.factory_fallback

    def _property_spec(self, node: cst.Attribute) -> tuple[ClientSpec | None, str | None]:
        if not (isinstance(node.value, cst.Name) and node.value.value in ("self", "cls")):
            return None, None
        parent = self.parent(node)
        if isinstance(parent, (cst.AssignTarget, cst.AugAssign, cst.Del)) or (
            isinstance(parent, cst.AnnAssign) and parent.target is node
        ):
            return None, None
        if isinstance(parent, cst.Call) and parent.func is node:
            return None, None
        ref = self.ref_for(node)
        facts = self.view.function(ref) if ref else None
        if facts is None or facts.kind is not FunctionKind.PROPERTY or facts.factory is None:
            return None, None
        function = self.enclosing_function(node)
        if function is not None and self.function_qualname(function) == facts.qualname:
            return None, None
        return self.catalog.client(facts.factory), f"the property `{node.attr.value}`"

    # -- bindings ---------------------------------------------------------------------------

    def assigned_value(self, name: cst.Name) -> cst.BaseExpression | None:
        """The single value assigned to ``name`` in its scope (None when not exactly one)."""
        scope = self.scope(name)
        if scope is None:
            return None
        try:
            accesses = list(scope.accesses[name])
        except Exception:  # a name libcst's scope analysis does not track
            return None
        referents = {a for access in accesses for a in access.referents}
        if not referents:
            referents = set(scope.assignments[name.value])
        if len(referents) != 1:
            return None
        (assignment,) = referents
        node = getattr(assignment, "node", None)
        if node is None:
            return None
        for child, parent in self.ancestors(node):
            if isinstance(parent, cst.AssignTarget):
                continue
            if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
                return parent.value
            if isinstance(parent, cst.AnnAssign) and child is parent.target:
                return parent.value
            if isinstance(parent, cst.AsName):
                continue
            if isinstance(parent, cst.WithItem) and parent.asname is not None:
                return parent.item
            return None
        return None

    def is_parameter(self, name: cst.Name) -> bool:
        scope = self.scope(name)
        if scope is None:
            return False
        try:
            accesses = list(scope.accesses[name])
        except Exception:
            return False
        for access in accesses:
            for assignment in access.referents:
                node = getattr(assignment, "node", None)
                if isinstance(self.parent(node) if node is not None else None, cst.Param):
                    return True
        return False

    def build_for_expr(self, expr: cst.BaseExpression) -> ClientBuild | None:
        """The client build an expression refers to: a build, a name bound to one, self.attr."""
        if isinstance(expr, cst.Await):
            expr = expr.expression
        if isinstance(expr, (cst.Call, cst.Attribute)) and id(expr) in self._builds_by_node:
            return self._builds_by_node[id(expr)]
        if isinstance(expr, cst.Name):
            value = self.assigned_value(expr)
            if isinstance(value, cst.Await):
                value = value.expression
            if isinstance(value, (cst.Call, cst.Attribute)):
                return self._builds_by_node.get(id(value))
            return None
        if (
            isinstance(expr, cst.Attribute)
            and isinstance(expr.value, cst.Name)
            and expr.value.value == "self"
        ):
            function = self.enclosing_function(expr)
            cls = self.method_class(function)
            matches = [
                b
                for b in self.builds
                if b.binding == "self"
                and b.name == expr.attr.value
                and isinstance(b.function, cst.FunctionDef)
                and self.enclosing_class(b.function) is cls
            ]
            specs = {b.spec.display for b in matches}
            return matches[0] if len(specs) == 1 else None
        return None

    def held(self, expr: cst.BaseExpression) -> Held | None:
        """The client an expression holds, however it got there (None when unknown)."""
        if isinstance(expr, cst.Await):
            expr = expr.expression
        build = self.build_for_expr(expr)
        if build is not None:
            where: Literal["build", "local", "self", "module", "param"]
            if expr is build.node:
                where = "build"
            elif build.binding == "self":
                where = "self"
            elif build.binding in ("module", "class"):
                where = "module"
            else:
                where = "local"
            name = build.name or build.spec.display
            if where == "self":
                name = f"self.{name}"
            return Held(build.spec, where, name, build.inprocess, False, build)
        if (
            isinstance(expr, cst.Attribute)
            and isinstance(expr.value, cst.Name)
            and expr.value.value in ("self", "cls")
        ):
            cls = self.method_class(self.enclosing_function(expr))
            if cls is None:
                return None
            ref = self.view.attr(self.class_qualname(cls), expr.attr.value)
            spec = self.catalog.client(ref.client) if ref and ref.client else None
            if ref is None or spec is None:
                return None
            label = f"{expr.value.value}.{expr.attr.value}"
            return Held(spec, "self", label, ref.inprocess, ref.resource, declared=ref.weak)
        if isinstance(expr, (cst.Name, cst.Attribute)):
            name_ref = self.ref_for(expr)
            client = self.view.client(name_ref) if name_ref else None
            if (
                client is not None
                and client.client is not None
                and isinstance(expr, (cst.Name, cst.Attribute))
            ):
                local = isinstance(expr, cst.Name) and self.assigned_value(expr) is not None
                spec = self.catalog.client(client.client)
                if spec is not None and not local:
                    label = (
                        expr.value if isinstance(expr, cst.Name) else self.tree.code_for_node(expr)
                    )
                    return Held(spec, "module", label, client.inprocess, client.resource)
        if isinstance(expr, cst.Name):
            spec = self._annotated_param(expr)
            if spec is not None:
                return Held(spec, "param", expr.value, declared=True)
        return None

    def _annotated_param(self, expr: cst.Name) -> ClientSpec | None:
        """A parameter annotated with one client class (`client: httpx.AsyncClient`, also
        `Optional[...]`, `... | None`): phase one's reading of the annotation."""
        function = self.enclosing_function(expr)
        facts = self.function_facts(function)
        if facts is None or expr.value not in facts.annotated:
            return None
        return self.catalog.client(facts.annotated[expr.value])

    def spec_for_expr(self, expr: cst.BaseExpression) -> ClientSpec | None:
        held = self.held(expr)
        return held.spec if held is not None else None

    def inprocess_call(self, call: cst.Call, spec: ClientSpec) -> bool:
        """A client mounted on an in-process transport (ASGITransport(app), app=app...)."""
        lib = spec.library
        for arg in call.args:
            if arg.keyword is None:
                continue
            if arg.keyword.value in lib.inprocess_params:
                return True
            if arg.keyword.value == lib.transport_param:
                value = arg.value
                if isinstance(value, cst.Name):
                    value = self.assigned_value(value) or value
                if isinstance(value, cst.Call) and (
                    self.qualnames(value.func) & set(self.catalog.inprocess_transports)
                ):
                    return True
        return False

    def is_parameter_default(self, node: cst.CSTNode) -> bool:
        """`def f(timeout=Timeout(None))`: the value only applies where a call relies on it."""
        for child, parent in self.ancestors(node):
            if isinstance(parent, cst.Param):
                return child is parent.default
            if isinstance(
                parent, (cst.SimpleStatementLine, cst.FunctionDef, cst.Lambda, cst.ClassDef)
            ):
                return False
        return False

    def argument_of_inprocess_client(self, node: cst.CSTNode) -> bool:
        """A keyword value of a client build on an in-process transport."""
        parent = self.parent(node)
        if isinstance(parent, cst.Arg):
            call = self.parent(parent)
            if isinstance(call, cst.Call):
                build = self._builds_by_node.get(id(call))
                return build is not None and build.inprocess
        return False

    # -- dict arguments ---------------------------------------------------------------------

    def dict_keys(self, expr: cst.BaseExpression) -> dict[str, cst.BaseExpression] | None:
        """The keys of a dict an expression certainly holds: a literal, a local bound once to a
        literal and never changed, or a call to a function of this module/class that returns
        only literals. None when unknown."""
        literal = self._dict_literal(expr)
        if literal is not None:
            return literal
        if isinstance(expr, cst.Name):
            value = self.assigned_value(expr)
            if value is None or not self._unchanged(expr):
                return None
            return self._dict_literal(value)
        if isinstance(expr, cst.Call):
            function = self._local_function(expr.func)
            if function is None:
                return None
            returns = _Returns(function)
            function.visit(returns)
            merged: dict[str, cst.BaseExpression] | None = None
            for value in returns.values:
                keys = self._dict_literal(value) if value is not None else None
                if keys is None:
                    return None
                if merged is None:
                    merged = dict(keys)
                elif set(merged) != set(keys):
                    return None
            return merged
        return None

    def _dict_literal(self, expr: cst.BaseExpression) -> dict[str, cst.BaseExpression] | None:
        """`{"url": u, ...}` or `dict(url=u, ...)` (keys all spelled out)."""
        if isinstance(expr, cst.Dict):
            return _literal_keys(expr)
        if isinstance(expr, cst.Call) and self._is_builtin(expr.func, "dict"):
            if any(a.keyword is None or a.star for a in expr.args):
                return None
            return {a.keyword.value: a.value for a in expr.args if a.keyword is not None}
        return None

    def _is_builtin(self, expr: cst.BaseExpression, name: str) -> bool:
        return any(
            q.source is QualifiedNameSource.BUILTIN and q.name == f"builtins.{name}"
            for q in self.qualified_names(expr)
        )

    def _unchanged(self, name: cst.Name) -> bool:
        """No access to the dict's name could change it (item set, update, passed away)."""
        scope = self.scope(name)
        if scope is None:
            return False
        assignments = [a for a in scope.assignments[name.value]]
        if len(assignments) != 1:
            return False
        for access in assignments[0].references:
            node = access.node
            parent = self.parent(node)
            if isinstance(parent, cst.Attribute) and parent.attr.value in _MUTATORS:
                return False
            if isinstance(parent, cst.Subscript):
                holder = self.parent(parent)
                if isinstance(holder, (cst.AssignTarget, cst.AugAssign, cst.Del)):
                    return False
            if isinstance(parent, cst.Arg) and parent.star != "**":
                return False
            if isinstance(parent, cst.AugAssign):
                return False
        return True

    def _local_function(self, func: cst.BaseExpression) -> cst.FunctionDef | None:
        """A function of this module (`_kwargs()`) or of the enclosing class (`self._kwargs()`)."""
        if isinstance(func, cst.Name):
            scope = self.scope(func)
            if scope is None:
                return None
            try:
                referents = {a for access in scope.accesses[func] for a in access.referents}
            except Exception:
                return None
            if len(referents) != 1:
                return None
            node = getattr(next(iter(referents)), "node", None)
            return node if isinstance(node, cst.FunctionDef) else None
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value == "self"
        ):
            cls = self.method_class(self.enclosing_function(func))
            if cls is None:
                return None
            matches = [
                stmt
                for stmt in cls.body.body
                if isinstance(stmt, cst.FunctionDef) and stmt.name.value == func.attr.value
            ]
            return matches[0] if len(matches) == 1 else None
        return None

    def value_through_local(self, expr: cst.BaseExpression) -> cst.BaseExpression:
        """`t = None; Client(timeout=t)`: the literal a local certainly holds, else ``expr``."""
        if isinstance(expr, cst.Name) and expr.value not in ("None", "True", "False"):
            if self.is_parameter(expr):
                return expr
            value = self.assigned_value(expr)
            if value is not None and self.enclosing_function(value) is self.enclosing_function(
                expr
            ):
                return value
        return expr

    # -- builds -----------------------------------------------------------------------------

    def _describe_build(
        self, node: cst.BaseExpression, spec: ClientSpec, origin: Origin
    ) -> ClientBuild:
        function = self.enclosing_function(node)
        build = ClientBuild(
            node=node,
            spec=spec,
            origin=origin,
            function=function,
            in_class_body=self.in_class_body(node),
            in_loop=self.in_loop(node, function),
            binding="none",
        )
        current: cst.CSTNode = node
        parent = self.parent(current)
        if isinstance(parent, cst.Await):  # `await SomeAsyncFactory()`
            current, parent = parent, self.parent(parent)
        if (
            isinstance(parent, cst.BooleanOperation)
            and isinstance(parent.operator, cst.Or)
            and parent.right is current
        ):
            # `self.client = http_client or httpx.Client()`: a new client whenever none is
            # given; where the result goes is where the new one goes
            build.fallback = True
            current, parent = parent, self.parent(parent)
        elif isinstance(parent, cst.IfExp) and current is not parent.test:
            # `A() if azure else B()`: either arm is a new client; where the choice goes is
            # where this one goes. `C() if self.c is None else self.c`: new when none is set
            other = parent.orelse if current is parent.body else parent.body
            build.fallback = not isinstance(other, (cst.Call, cst.Await))
            current, parent = parent, self.parent(parent)
        if isinstance(parent, cst.WithItem):
            build.binding = "with"
            build.context_managed = True
        elif isinstance(parent, (cst.Return, cst.Yield)):
            build.handed_on = True
        elif isinstance(parent, cst.Arg):
            self._classify_argument(build, parent)
        elif isinstance(parent, (cst.Element, cst.DictElement, cst.Tuple, cst.List, cst.Dict)):
            build.handed_on = self._container_handed_on(parent)
        elif isinstance(parent, (cst.Assign, cst.AnnAssign)):
            targets = (
                [t.target for t in parent.targets]
                if isinstance(parent, cst.Assign)
                else [parent.target]
            )
            if len(targets) == 1 and isinstance(targets[0], cst.Name):
                build.name = targets[0].value
                if function is not None:
                    build.binding = "local"
                    if self._declared_global(function, build.name):
                        build.binding = "module"  # `global _client; _client = Client()`
                else:
                    build.binding = "class" if build.in_class_body else "module"
            elif (
                len(targets) == 1
                and isinstance(targets[0], cst.Attribute)
                and isinstance(targets[0].value, cst.Name)
                and targets[0].value.value == "self"
            ):
                build.binding = "self"
                build.name = targets[0].attr.value
            else:
                build.handed_on = True  # stored on another object, a subscript, unpacked...
        elif isinstance(parent, cst.Attribute) and parent.value is current:
            # `Client().get(url)`: used once and dropped; `OpenAI().embeddings` stored: handed on
            build.handed_on = self._resource_stored(parent)
        elif isinstance(parent, cst.BooleanOperation):
            build.handed_on = True  # `Client() or other`: where the result goes is not followed
        else:
            build.handed_on = True  # anything we do not model: stay silent
        return build

    def _declared_global(self, function: FunctionNode, name: str) -> bool:
        if not isinstance(function, cst.FunctionDef):
            return False
        declared = _Global(function, name)
        function.visit(declared)
        return declared.found

    def _resource_stored(self, attribute: cst.Attribute) -> bool:
        """`self.embeddings = OpenAI().embeddings`, `values["c"] = AsyncOpenAI(**p).completions`:
        an attribute chain of a fresh client stored anywhere keeps the client alive."""
        node: cst.CSTNode = attribute
        parent = self.parent(node)
        while isinstance(parent, cst.Attribute) and parent.value is node:
            node, parent = parent, self.parent(parent)
        if isinstance(parent, cst.Call) and parent.func is node:
            return False  # a method call on it: used once (its result may be kept, not the pool)
        if isinstance(parent, cst.Arg):
            # `retry(client.post, url)`: a bound method (or a resource) given to a helper that
            # only calls it is a use; to anything else (or unknown), it may outlive the call
            return self._argument_use(parent) is not ParamUse.USE
        return not isinstance(parent, cst.Expr)

    def _classify_argument(self, build: ClientBuild, arg: cst.Arg) -> None:
        """A fresh client passed straight to a call."""
        call = self.parent(arg)
        if isinstance(call, cst.Call) and self.client_spec(call) is not None:
            build.owned = build.handed_on = True  # the owner's build is the one that counts
            return
        use = self._argument_use(arg)
        if use is ParamUse.USE:
            build.uses_in_loop = build.uses_in_loop or build.in_loop
        elif use is ParamUse.CLOSE:
            build.closed = True
        else:
            build.handed_on = True

    def _argument_use(self, arg: cst.Arg) -> ParamUse | None:
        """What the callee does with this argument (None: stores it, or unknown)."""
        call = self.parent(arg)
        if not isinstance(call, cst.Call) or arg.star:
            return None
        names = self.qualnames(call.func)
        if names & self.catalog.use_helpers:
            return ParamUse.USE
        if names & self.catalog.close_helpers:
            return ParamUse.CLOSE
        facts = self.callee_facts(call)
        if facts is None:
            return None
        params = list(facts.params)
        if (
            facts.kind is not FunctionKind.FUNCTION
            and params[:1] in (["self"], ["cls"])
            and isinstance(call.func, cst.Attribute)
        ):
            params = params[1:]
        if arg.keyword is not None:
            param = arg.keyword.value
        else:
            index = [a for a in call.args if a.keyword is None and not a.star].index(arg)
            if index >= len(params):
                return None
            param = params[index]
        return facts.param_use.get(param)

    def _container_handed_on(self, node: cst.CSTNode) -> bool:
        for _, parent in self.ancestors(node):
            if isinstance(parent, (cst.Element, cst.DictElement, cst.Tuple, cst.List, cst.Dict)):
                continue
            return not isinstance(parent, cst.Expr)
        return True

    def _follow_uses(self, build: ClientBuild) -> None:
        if build.binding == "with":
            with_item = self.parent(build.node)
            if isinstance(with_item, cst.Await):
                with_item = self.parent(with_item)
            if isinstance(with_item, cst.WithItem) and isinstance(
                getattr(with_item.asname, "name", None), cst.Name
            ):
                asname = with_item.asname
                assert asname is not None
                self._follow_name(build, asname.name)  # type: ignore[arg-type]
            return
        if build.binding in ("local", "module", "class") and build.name is not None:
            target = self._assign_target(build.node)
            if target is not None:
                self._follow_name(build, target)

    def _assign_target(self, node: cst.CSTNode) -> cst.Name | None:
        parent = self.parent(node)
        if isinstance(parent, cst.Await):
            parent = self.parent(parent)
        if isinstance(parent, (cst.BooleanOperation, cst.IfExp)):  # `x or C()`, `A() if x else B()`
            parent = self.parent(parent)
        if isinstance(parent, cst.Assign) and isinstance(parent.targets[0].target, cst.Name):
            return parent.targets[0].target
        if isinstance(parent, cst.AnnAssign) and isinstance(parent.target, cst.Name):
            return parent.target
        return None

    def _follow_name(self, build: ClientBuild, target: cst.Name) -> None:
        scope = self.scope(target)
        if scope is None:
            build.handed_on = True
            return
        assignments = [a for a in scope.assignments[target.value] if getattr(a, "node", None)]
        mine = [a for a in assignments if getattr(a, "node", None) is target]
        if not mine:
            build.handed_on = True
            return
        for access in mine[0].references:
            node = access.node
            if not isinstance(node, cst.Name):
                build.handed_on = True
                continue
            build.uses.append(node)
            if self.enclosing_function(node) is not build.function:
                calls = self._closure_calls(node, build.function)
                if calls is None:
                    build.handed_on = True  # captured by a closure that may outlive the call
                    continue
                if any(self.in_loop(call, build.function, reuse=True) for call in calls):
                    build.uses_in_loop = True  # the closure runs once per item
            elif self.in_loop(node, build.function, reuse=True):
                build.uses_in_loop = True
            self._classify_use(build, node)
        others: list[cst.CSTNode] = [
            bound
            for a in assignments
            if a.scope is scope
            and (bound := getattr(a, "node", None)) is not target
            and bound is not None
        ]
        # rebound only to other fresh clients (`if azure: c = AzureOpenAI() else: c = OpenAI()`):
        # the name holds a client built by this call either way
        held = [node for node in others if id(node) not in self._build_targets]
        if held and build.binding == "local":
            if self._given_in_other_arm(target, others, held):
                build.fallback = True  # `if not given: c = OpenAI() else: c = given`
            else:
                build.handed_on = True  # rebound: which client a later use holds is unknown

    def _given_in_other_arm(
        self, target: cst.Name, others: list[cst.CSTNode], held: list[cst.CSTNode]
    ) -> bool:
        """`if not azure_client: client = OpenAI(...) else: client = azure_client`: the name is
        bound only to new clients and (``held``), in the other arm of an `if` that builds one,
        to a client the code already has (a name or an attribute). Then each build is new
        whenever none is given, as `given or OpenAI()` is."""
        built: list[cst.CSTNode] = [target, *(n for n in others if id(n) in self._build_targets)]
        return all(
            self._binds_held_value(node) and self._other_arm_builds(node, built) for node in held
        )

    def _binds_held_value(self, name: cst.CSTNode) -> bool:
        """`c = given` / `c = self.client`: the name is bound to an existing object."""
        return isinstance(self._bound_value(name), (cst.Name, cst.Attribute))

    def _bound_value(self, name: cst.CSTNode) -> cst.BaseExpression | None:
        target = self.parent(name)
        assign = self.parent(target) if isinstance(target, cst.AssignTarget) else target
        if isinstance(assign, (cst.Assign, cst.AnnAssign)):
            return assign.value
        return None

    def _other_arm_builds(self, node: cst.CSTNode, built: list[cst.CSTNode]) -> bool:
        """Whether an `if` around ``node`` builds one of ``built`` in its other arm."""
        for child, parent in self.ancestors(node):
            if isinstance(parent, (cst.FunctionDef, cst.Lambda)):
                return False
            if isinstance(parent, cst.If) and child in (parent.body, parent.orelse):
                other = parent.orelse if child is parent.body else parent.body
                if other is not None and any(self._within(b, other) for b in built):
                    return True
        return False

    def _within(self, node: cst.CSTNode, ancestor: cst.CSTNode) -> bool:
        return any(parent is ancestor for _, parent in self.ancestors(node))

    def _closure_calls(
        self, node: cst.CSTNode, function: FunctionNode | None
    ) -> list[cst.Call] | None:
        """The calls that run the nested `def`s ``node`` sits in, when those `def`s (inside
        ``function``) are only ever called (not decorated, returned, stored or passed on): they
        run within the call. None when one of them may outlive it."""
        calls: list[cst.Call] = []
        inner = self.enclosing_function(node)
        while inner is not None and inner is not function:
            if not isinstance(inner, cst.FunctionDef) or inner.decorators:
                return None
            def_node: cst.FunctionDef = inner
            scope = self.scope(inner)
            if scope is None:
                return None
            for assignment in scope.assignments[inner.name.value]:
                if getattr(assignment, "node", None) is not inner:
                    return None  # the name is rebound: what a call runs is unknown
                for access in assignment.references:
                    parent = self.parent(access.node)
                    if not (isinstance(parent, cst.Call) and parent.func is access.node):
                        return None
                    calls.append(parent)
            inner = self.enclosing_function(def_node)
        return calls if inner is function else None

    def _classify_use(self, build: ClientBuild, name: cst.Name) -> None:
        parent = self.parent(name)
        if isinstance(parent, cst.Attribute) and parent.value is name:
            call = self.parent(parent)
            closers = build.spec.closers
            if isinstance(call, cst.Call) and call.func is parent and parent.attr.value in closers:
                build.closed = True
            elif isinstance(call, cst.Call) and call.func is parent and parent.attr.value in _EXITS:
                build.closed = True  # `await ctx.__aexit__(...)`: a `with` written out by hand
            elif not (isinstance(call, cst.Call) and call.func is parent) and (
                self._resource_stored(parent)
            ):
                build.handed_on = True  # `self.chat = client.chat`: the pool lives on
            return
        if isinstance(parent, cst.WithItem):
            build.closed = True
            return
        if isinstance(parent, cst.Arg):
            use = self._argument_use(parent)
            if use is ParamUse.USE:
                return
            if use is ParamUse.CLOSE:
                build.closed = True
                return
        if isinstance(
            parent, (cst.If, cst.IfExp, cst.Comparison, cst.UnaryOperation, cst.Assert)
        ) and not (isinstance(parent, cst.IfExp) and parent.test is not name):
            return  # `if client:` / `client is None`
        if isinstance(parent, cst.ComparisonTarget):
            return
        # return/yield it, put it in a container, pass it on, store it anywhere: handed on
        build.handed_on = True

    # -- the per-call verdict (POOL001, and POOL002 defers to it) ----------------------------

    def per_call(self, build: ClientBuild) -> str | None:
        """Where a build lives for one call only ("inside a loop", ...), else None."""
        place = self.build_place(build)
        return place.where if place is not None and place.evidence is Evidence.PER_REQUEST else None

    def build_place(self, build: ClientBuild) -> CallPlace | None:
        """Where a build lives for one call only, and how strongly the code shows that this
        happens per request (POOL001) or only now and then (POOL102); None when it is kept."""
        key = id(build.node)
        if key not in self._build_places:
            self._build_places[key] = self._build_place(build)
        return self._build_places[key]

    def _build_place(self, build: ClientBuild) -> CallPlace | None:
        per_request = Evidence.PER_REQUEST
        if self.view.leftover:
            return None  # a leftover copy nothing runs: no call, rare or frequent
        if build.function is None:
            if build.origin != "constructor" or not build.in_loop or build.in_class_body:
                return None
            if self.only_slow_polls(build.node, None):
                return CallPlace(SLOW_POLL, Evidence.OCCASIONAL)
            return CallPlace("inside a loop", per_request)
        if self.shares_connector(build) or build.owned or not build.spec.entry.pool_per_instance:
            return None
        if self.under_once_guard(build.node) or self.memo_guard(build.node) == "process":
            # built once and kept (lazily, `if not cls.models:`), or once per cache period
            return None
        if self._websocket_only(build):
            return None  # one WebSocket per session: nothing a pool would have kept
        facts = self.function_facts(build.function)
        quiet_loop = False  # a loop, but per pass of a slow poll or per item of a rare step
        if build.in_loop and not (
            self._runs_once_or_cached(facts) and not self.in_loop(build.node, build.function, True)
        ):
            # (a polling loop in code that runs once is not)
            quiet_loop = self._quiet_loop(build.node, build.function)
            if not quiet_loop:
                return CallPlace("inside a loop", per_request)
        root = self._request_root(build.function)
        if root is not None:
            return CallPlace(root, per_request)
        if facts is not None and facts.own_loop:
            # `asyncio.run(f())` starts it, however often: a client per event loop is POOL013's
            # own fix (a client kept across those loops would fail)
            return None
        if self.is_exempt_factory(build.function) or (facts is not None and facts.ttl_cached):
            return None
        if build.handed_on or build.binding in ("self", "module"):
            return None
        if build.uses_in_loop and not quiet_loop:
            return None
        reason = self._per_request(build.function)
        if reason is not None:
            return CallPlace(reason, per_request)
        if self.admin_only(build):
            return None
        occasional = self._occasional_place(build.node, build.function)
        if occasional is not None:
            return occasional  # (before `runs_once`: what only start-up code reaches)
        if self.runs_once(build.function):
            return None
        if self._reused_by_inner_loop(build):
            # a polling or retry loop inside the call reuses it (design.md: that is not reuse
            # across calls), so the message says what is kept and what is not
            return CallPlace(
                "per call and reused only by the polling or retry loop inside that call",
                per_request,
            )
        return CallPlace("for a single call", per_request)

    def _reused_by_inner_loop(self, build: ClientBuild) -> bool:
        """Some use of the client sits in a loop that is not around the build itself."""
        around_build = {id(parent) for _, parent in self.ancestors(build.node)}
        for use in build.uses:
            for child, parent in self.ancestors(use):
                if isinstance(parent, (cst.FunctionDef, cst.Lambda)) or id(parent) in around_build:
                    break
                if isinstance(parent, (cst.For, cst.While)) and child is parent.body:
                    return True
        return False

    def _request_root(self, function: FunctionNode | None) -> str | None:
        """`root_reason`, unless the handler is itself an occasional step (a login route)."""
        facts = self.function_facts(function)
        if facts is None or facts.occasional is not None:
            return None
        return self.root_reason(function)

    def _per_request(self, function: FunctionNode | None) -> str | None:
        """`per_request_reason`, unless the function is an occasional handler."""
        facts = self.function_facts(function)
        if facts is None or (facts.root is not None and facts.occasional is not None):
            return None
        return self.per_request_reason(function)

    def _quiet_loop(self, node: cst.CSTNode, function: FunctionNode | None) -> bool:
        """The loops around ``node`` are slow polls, or repeat it per item of an occasional
        step (checking each configured key): no evidence of a request path."""
        facts = self.function_facts(function)
        return (facts is not None and facts.occasional is not None) or self.only_slow_polls(
            node, function
        )

    def _occasional_place(
        self, node: cst.CSTNode, function: FunctionNode | None
    ) -> CallPlace | None:
        """POOL102's evidence: an occasional step (by name, or reached only from one), or a
        slow polling loop, where nothing showed a request path."""
        facts = self.function_facts(function)
        if facts is None or facts.occasional is None:
            if (
                self._slow_poll_lines
                and self.in_loop(node, function)
                and self.only_slow_polls(node, function)
            ):
                return CallPlace(SLOW_POLL, Evidence.OCCASIONAL)
            return None
        name = _short(facts.qualname)
        cls = self.method_class(function)
        if cls is not None and facts.kind is not FunctionKind.FUNCTION:
            name = f"{cls.name.value}.{name}"
        return CallPlace(f"in `{name}`, {facts.occasional}", Evidence.OCCASIONAL)

    def admin_only(self, build: ClientBuild) -> bool:
        """Every request sent through the client goes to an account-management resource
        (`client.models.list()`, `client.beta.assistants.create(...)`): an admin task, which
        nothing shows to run per request."""
        admin = [r.split(".") for r in build.spec.library.admin_resources]
        if not admin:
            return False
        heads: list[cst.BaseExpression] = list(build.uses) if build.name else [build.node]
        chains = []
        for head in heads:
            parent = self.parent(head)
            if isinstance(parent, (cst.If, cst.IfExp, cst.Comparison, cst.UnaryOperation)):
                continue  # `if client:` tests it
            chain: list[str] = []
            node: cst.CSTNode = head
            while isinstance(parent, cst.Attribute) and parent.value is node:
                chain.append(parent.attr.value)
                node, parent = parent, self.parent(parent)
            if not (isinstance(parent, cst.Call) and parent.func is node and chain):
                return False  # given away, stored, or used some other way
            chains.append(chain)
        return bool(chains) and all(any(chain[: len(r)] == r for r in admin) for chain in chains)

    def _websocket_only(self, build: ClientBuild) -> bool:
        """Every use of the client opens a WebSocket (`session.ws_connect(url)`)."""
        methods = self.catalog.runtime.websocket_methods
        if not build.uses or not methods:
            return False
        for use in build.uses:
            attribute = self.parent(use)
            if not (
                isinstance(attribute, cst.Attribute)
                and attribute.value is use
                and attribute.attr.value in methods
            ):
                return False
            call = self.parent(attribute)
            if not (isinstance(call, cst.Call) and call.func is attribute):
                return False
        return True

    def implicit_call_place(self, call: cst.Call) -> CallPlace | None:
        """Where an implicit client call (`requests.get`) builds and drops a pool per call, and
        how strong the evidence is (POOL001, POOL101, POOL102 each report one strength); None
        where it runs once (or nothing says how often)."""
        key = id(call)
        if key not in self._call_places:
            self._call_places[key] = self._implicit_call_place(call)
        return self._call_places[key]

    def _implicit_call_place(self, call: cst.Call) -> CallPlace | None:
        if self.view.leftover:
            return None  # a leftover copy nothing runs
        function = self.enclosing_function(call)
        if self.under_once_guard(call):
            return None  # once and kept, or once per cache period
        memo = self.memo_guard(call)
        if memo == "process":
            return None  # fetched once and kept for the process (`if not cls.models:`)
        if self.in_loop(call, function) and not (
            self._runs_once_or_cached(self.function_facts(function))
            and not self.in_loop(call, function, reuse=True)
        ):
            if not self._quiet_loop(call, function):
                return CallPlace("inside a loop", Evidence.PER_REQUEST)
            if function is None:
                return CallPlace(SLOW_POLL, Evidence.OCCASIONAL)
        if function is None:
            return None
        root = self._request_root(function)
        if root is not None:
            return CallPlace(root, Evidence.PER_REQUEST)
        facts = self.function_facts(function)
        if facts is None or facts.exempt or facts.ttl_cached:
            return None
        reason = self._per_request(function)
        if reason is not None:
            return CallPlace(reason, Evidence.PER_REQUEST)
        occasional = self._occasional_place(call, function)
        if occasional is not None:
            return occasional  # (before `once`: what only start-up code reaches)
        if facts.once:
            return None
        cls = self.method_class(function)
        if cls is None or facts.kind is FunctionKind.FUNCTION:
            return None
        short = facts.qualname.rsplit(".", 1)[-1]
        method = f"{cls.name.value}.{short}"
        cls_name = self.class_qualname(cls)
        # a memo on `self` runs once per object; an agent tool's methods run now and then
        if memo is None and cls_name not in self.view.tool_classes:
            if cls_name in self.view.hot_classes and not sets_up(
                short, self.catalog.runtime.setup_method_words
            ):
                # (`connect`, `initialize`: once per connection, not the class's hot path)
                holder = self.view.hot_holders.get(cls_name)
                what = (
                    f"a method of a resource the client/provider class `{_short(holder)}` holds"
                    if holder
                    else "a method of a client/provider class"
                )
                where = f"in `{method}`, {what} (its hot path)"
                return CallPlace(where, Evidence.PER_REQUEST)
            request_path = self._request_path(cls, _short(facts.qualname))
            if request_path is not None:
                return CallPlace(f"in `{method}`, {request_path}", Evidence.PER_REQUEST)
        return CallPlace(f"in the method `{method}`", Evidence.METHOD_ONLY)

    def _request_path(self, cls: cst.ClassDef, method: str) -> str | None:
        """Why a method of an ordinary class runs once per API call: its name says it is the
        class's request path (`inference`, `chat_completion`), or the class offers HTTP verbs
        (`get`/`post`/`delete` over one request method) and so is an HTTP client itself."""
        runtime = self.catalog.runtime
        words = [w for w in method.lower().split("_") if w]
        if any(
            w in runtime.request_method_words
            or (w[:1] == "a" and w[1:] in runtime.request_method_words)
            for w in words
        ):
            return "the class's request method (its name says it runs once per API call)"
        verbs = [
            stmt.name.value
            for stmt in cls.body.body
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value in runtime.http_verb_methods
        ]
        if len(verbs) >= _HTTP_CLIENT_VERBS:
            shown = "/".join(f"`{v}`" for v in verbs[:3])
            return f"a method of an HTTP client class (it offers {shown}): its hot path"
        return None

    def memo_guard(self, node: cst.CSTNode) -> Literal["process", "object"] | None:
        """`if not cls.models: ... cls.models = fetched`: inside an `if` that tests a value for
        being unset and whose body sets it, so the body runs once: per process for a class
        attribute or a `global`, per object for `self.x`. None when not so guarded."""
        for child, parent in self.ancestors(node):
            if isinstance(parent, (cst.FunctionDef, cst.Lambda)):
                return None
            if not (isinstance(parent, cst.If) and child is parent.body):
                continue
            memo = _unset_test(parent.test)
            if memo is None or not _assigns(parent.body, self.tree.code_for_node(memo)):
                continue
            if self._cleared_elsewhere(memo, self.enclosing_function(parent)):
                return None  # another function clears it to fetch again (a reload)
            if isinstance(memo, cst.Name):
                function = self.enclosing_function(parent)
                if function is not None and self._declared_global(function, memo.value):
                    return "process"
            elif isinstance(memo, cst.Attribute) and isinstance(memo.value, cst.Name):
                owner = memo.value.value
                if owner == "self":
                    return "object"
                function = self.enclosing_function(parent)
                cls = self.method_class(function)
                if owner == "cls" or (cls is not None and owner == cls.name.value):
                    return "process"
        return None

    def _cleared_elsewhere(self, memo: cst.BaseExpression, function: FunctionNode | None) -> bool:
        """Whether a function other than ``function`` sets ``memo`` to an empty value
        (`cls.models = []`, `_config = None`), spelled as here or through the class's name."""
        if self._clears is None:
            clears = _Clears(self.tree)
            self.tree.visit(clears)
            self._clears = clears.found
        code = self.tree.code_for_node(memo)
        names = {code}
        cls = self.method_class(function)
        if cls is not None and code.startswith("cls."):
            names.add(cls.name.value + code[3:])
        return any(where is not function for name in names for where in self._clears.get(name, ()))

    def root_reason(self, function: FunctionNode | None) -> str | None:
        """ "inside the request handler `h`" for a function that runs per request by itself."""
        facts = self.function_facts(function)
        if facts is None or facts.root is None:
            return None
        short = facts.qualname.rsplit(".", 1)[-1]
        if facts.root is Root.DEPENDENCY:
            return f"inside the FastAPI dependency `{short}` (it runs for every request)"
        return f"inside the {'task' if facts.root is Root.TASK else 'request handler'} `{short}`"

    # -- no network, off the loop, under a deadline --------------------------------------------

    def local_url_only(self, call: cst.Call) -> bool:
        """`urlopen("data:...")`, or a call only reached when the URL is local
        (`if url.startswith("data:"):`): no network at all."""
        schemes = self.catalog.runtime.local_url_schemes
        if call.args and _string_starts(call.args[0].value, schemes):
            return True
        for child, parent in self.ancestors(call):
            if type(parent) in (cst.FunctionDef, cst.Lambda):
                return False
            if (
                isinstance(parent, cst.If)
                and child is parent.body
                and _mentions(parent.test, schemes)
            ):
                return True
            if isinstance(parent, cst.IndentedBlock):
                # `if not url.startswith("data:"): raise ...` earlier in the same block
                for stmt in parent.body[: parent.body.index(child)]:
                    if (
                        isinstance(stmt, cst.If)
                        and isinstance(stmt.test, cst.UnaryOperation)
                        and isinstance(stmt.test.operator, cst.Not)
                        and _mentions(stmt.test, schemes)
                        and _leaves(stmt.body)
                    ):
                        return True
        return False

    def offloaded(self, node: cst.CSTNode) -> bool:
        """Inside the arguments of a call that runs them on a worker thread
        (`asyncio.to_thread(...)`, `sync_to_async(...)`, `loop.run_in_executor(...)`)."""
        runtime = self.catalog.runtime
        for child, parent in self.ancestors(node):
            if type(parent) in (cst.FunctionDef, cst.Lambda):
                return False
            if isinstance(parent, cst.Call) and child is not parent.func:
                func = parent.func
                if self.qualnames(func) & set(runtime.thread_offloaders) or (
                    isinstance(func, cst.Attribute)
                    and func.attr.value in runtime.thread_offload_methods
                ):
                    return True
        return False

    def under_deadline(self, node: cst.CSTNode) -> bool:
        """Awaited under a deadline: the first argument of `asyncio.wait_for(..., 30)`, or in
        the body of `async with asyncio.timeout(30):` (a deadline of None bounds nothing)."""
        runtime = self.catalog.runtime
        for child, parent in self.ancestors(node):
            if type(parent) in (cst.FunctionDef, cst.Lambda):
                return False
            if (
                isinstance(parent, cst.Call)
                and parent.args
                and child is parent.args[0]
                and self.qualnames(parent.func) & set(runtime.deadline_calls)
            ):
                deadline = parent.args[1].value if len(parent.args) > 1 else None
                return deadline is not None and not _is_none_literal(deadline)
            if isinstance(parent, cst.With) and child is parent.body:
                for item in parent.items:
                    context = item.item
                    if (
                        isinstance(context, cst.Call)
                        and self.qualnames(context.func) & set(runtime.deadline_contexts)
                        and context.args
                        and not _is_none_literal(context.args[0].value)
                    ):
                        return True
        return False

    @staticmethod
    def _runs_once_or_cached(facts: FunctionFacts | None) -> bool:
        """Start-up code (`__init__`, a startup hook, code only they call) or work behind a
        time-to-live cache: a polling loop there polls once, not per request."""
        return (
            facts is not None
            and facts.root is None
            and (facts.exempt or facts.once or facts.ttl_cached)
        )

    def runs_once(self, function: FunctionNode | None) -> bool:
        """Only called from `__init__`, `main`, a validator, a CLI command...: one-shot."""
        facts = self.function_facts(function)
        return facts is not None and facts.once

    def shares_connector(self, build: ClientBuild) -> bool:
        call = build.call
        entry = build.spec.entry
        if call is None or entry.connector_param is None or entry.connector_owner_param is None:
            return False
        connector = owner = None
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == entry.connector_param:
                connector = arg
            if arg.keyword is not None and arg.keyword.value == entry.connector_owner_param:
                owner = arg
        return (
            connector is not None
            and owner is not None
            and isinstance(owner.value, cst.Name)
            and owner.value.value == "False"
        )


def _short(qualname: str) -> str:
    return qualname.rsplit(".", 1)[-1]


def _unset_test(test: cst.BaseExpression) -> cst.BaseExpression | None:
    """What `if not x:` / `if x is None:` asks to be unset (None for any other test)."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return test.expression
    if (
        isinstance(test, cst.Comparison)
        and len(test.comparisons) == 1
        and isinstance(test.comparisons[0].operator, cst.Is)
        and _is_none_literal(test.comparisons[0].comparator)
    ):
        return test.left
    return None


def _assigns(body: cst.CSTNode, target: str) -> bool:
    """Whether a statement in ``body`` (not in a nested function) assigns ``target``'s code."""
    found = _Assigns(target)
    body.visit(found)
    return found.found


class _Clears(cst.CSTVisitor):
    """The functions that assign an empty value to a name or attribute, by its code."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self.found: dict[str, list[cst.FunctionDef]] = {}
        self._functions: list[cst.FunctionDef] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions.append(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._functions.pop()

    def visit_Assign(self, node: cst.Assign) -> None:
        if self._functions and _empty(node.value):
            for target in node.targets:
                code = self.module.code_for_node(target.target)
                self.found.setdefault(code, []).append(self._functions[-1])


def _empty(value: cst.BaseExpression) -> bool:
    """`None`, `False`, `0`, `""`, `[]`, `{}`, `()`."""
    if isinstance(value, cst.Name):
        return value.value in ("None", "False")
    if isinstance(value, cst.Integer):
        return value.value == "0"
    if isinstance(value, cst.SimpleString):
        return value.value in ('""', "''")
    if isinstance(value, (cst.List, cst.Tuple)):
        return not value.elements
    return isinstance(value, cst.Dict) and not value.elements


class _Assigns(cst.CSTVisitor):
    def __init__(self, target: str) -> None:
        self.target = target
        self.found = False
        self._code = cst.Module(body=[])

    def _check(self, target: cst.BaseExpression) -> None:
        self.found = self.found or self._code.code_for_node(target) == self.target

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._check(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._check(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._check(node.target)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False


def _string_starts(expr: cst.BaseExpression, prefixes: tuple[str, ...]) -> bool:
    """A string that starts with one of ``prefixes``: a literal, a concatenation
    (`"data:image/png;base64," + b64`), or an f-string's literal start."""
    while isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        expr = expr.left
    if isinstance(expr, cst.FormattedString):
        first = expr.parts[0] if expr.parts else None
        return isinstance(first, cst.FormattedStringText) and first.value.startswith(prefixes)
    return isinstance(expr, cst.SimpleString) and str(expr.evaluated_value).startswith(prefixes)


def _mentions(expr: cst.BaseExpression, prefixes: tuple[str, ...]) -> bool:
    """A string literal in ``expr`` starts with one of ``prefixes``."""
    finder = _Strings()
    expr.visit(finder)
    return any(text.startswith(prefixes) for text in finder.found)


def _leaves(body: cst.BaseSuite) -> bool:
    """The block ends by leaving the function (`raise`, `return`)."""
    statements = body.body if isinstance(body, cst.IndentedBlock) else [body]
    last = statements[-1] if statements else None
    small = last.body[-1] if isinstance(last, cst.SimpleStatementLine) and last.body else last
    if isinstance(body, cst.SimpleStatementSuite):
        small = body.body[-1] if body.body else None
    return isinstance(small, (cst.Raise, cst.Return))


def _is_none_literal(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


class _Strings(cst.CSTVisitor):
    """The string literals of an expression."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self.found.append(str(node.evaluated_value))


# The small visitors above, at module level: a read-only visit plans its calls once per
# visitor class (pooltune.lint.traversal), so a class defined per call would plan per call.


class _Returns(cst.CSTVisitor):
    """The values a function returns (not those of the functions inside it)."""

    def __init__(self, function: cst.FunctionDef) -> None:
        super().__init__()
        self.function = function
        self.values: list[cst.BaseExpression | None] = []

    def visit_Return(self, node: cst.Return) -> None:
        self.values.append(node.value)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return node is self.function

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False


class _Global(cst.CSTVisitor):
    """Whether a function (not one inside it) declares ``name`` global."""

    def __init__(self, function: cst.FunctionDef, name: str) -> None:
        super().__init__()
        self.function = function
        self.name = name
        self.found = False

    def visit_Global(self, node: cst.Global) -> None:
        self.found = self.found or any(n.name.value == self.name for n in node.names)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return node is self.function


def _literal_keys(expr: cst.Dict) -> dict[str, cst.BaseExpression] | None:
    keys: dict[str, cst.BaseExpression] = {}
    for element in expr.elements:
        if not isinstance(element, cst.DictElement):
            return None  # `**other`: anything may be in there
        key = element.key
        if not isinstance(key, cst.SimpleString):
            return None
        keys[key.evaluated_value if isinstance(key.evaluated_value, str) else ""] = element.value
    return keys
