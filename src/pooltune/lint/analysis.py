"""Facts about a file that several rules share, computed once per file.

Where HTTP clients are built (and by which library), what each build is bound to, how the
binding is used (closed, context-managed, handed on, used in a loop), which functions are
request handlers or exempt factories. Names resolve through libcst's QualifiedNameProvider and
ScopeProvider, never by spelling; what cannot be resolved stays unknown, and rules stay silent.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import libcst as cst
from libcst.metadata import ParentNodeProvider, Scope, ScopeProvider

from pooltune.lint.catalog import ClientSpec

if TYPE_CHECKING:
    from pooltune.lint.rule import Rule

FunctionNode = cst.FunctionDef | cst.Lambda
LOOPS = (cst.For, cst.While, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)

# Objects whose route decorators make a function a request handler.
ROUTE_OWNERS = frozenset(
    {
        "fastapi.FastAPI", "fastapi.APIRouter", "fastapi.routing.APIRouter",
        "starlette.applications.Starlette", "starlette.routing.Router",
        "flask.Flask", "flask.Blueprint", "quart.Quart", "quart.Blueprint",
        "sanic.Sanic", "sanic.Blueprint", "aiohttp.web.RouteTableDef",
        "aiohttp.web_routedef.RouteTableDef",
    }
)  # fmt: skip
ROUTE_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "route", "api_route", "websocket"}
)
TASK_OWNERS = frozenset({"celery.Celery"})
TASK_DECORATORS = frozenset({"celery.shared_task", "dramatiq.actor", "rq.decorators.job", "rq.job"})
CACHE_DECORATORS = frozenset({"functools.lru_cache", "functools.cache"})
CONTEXT_DECORATORS = frozenset({"contextlib.contextmanager", "contextlib.asynccontextmanager"})
EXEMPT_FUNCTION_NAMES = frozenset({"main", "amain", "__init__", "__aenter__", "__enter__"})

BindingKind = Literal["local", "self", "module", "class", "with", "none"]


@dataclass
class ClientBuild:
    call: cst.Call
    spec: ClientSpec
    function: FunctionNode | None  # innermost enclosing function (None: module or class body)
    in_class_body: bool
    in_loop: bool  # in a loop/comprehension inside its function (or module)
    binding: BindingKind
    name: str | None = None  # the local/module name, or the attribute for `self.<attr>`
    context_managed: bool = False
    handed_on: bool = False
    closed: bool = False
    uses_in_loop: bool = False
    uses: list[cst.Name] = field(default_factory=list)


class FileAnalysis:
    def __init__(self, rule: Rule) -> None:
        self._rule = rule
        self.builds: list[ClientBuild] = []
        self._builds_by_call: dict[int, ClientBuild] = {}
        self._collect(rule.context.module)

    # -- tree navigation --------------------------------------------------------------------

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        parent: cst.CSTNode | None = self._rule.get_metadata(ParentNodeProvider, node, None)
        return parent

    def ancestors(self, node: cst.CSTNode) -> Iterator[tuple[cst.CSTNode, cst.CSTNode]]:
        """(child, parent) pairs walking up from ``node``."""
        child = node
        parent = self.parent(child)
        while parent is not None:
            yield child, parent
            child, parent = parent, self.parent(parent)

    def enclosing_function(self, node: cst.CSTNode) -> FunctionNode | None:
        for child, parent in self.ancestors(node):
            if isinstance(parent, cst.Lambda):
                return parent
            if isinstance(parent, cst.FunctionDef) and child is parent.body:
                return parent
        return None

    def in_class_body(self, node: cst.CSTNode) -> bool:
        for child, parent in self.ancestors(node):
            if isinstance(parent, (cst.FunctionDef, cst.Lambda)):
                return False
            if isinstance(parent, cst.ClassDef) and child is parent.body:
                return True
        return False

    def enclosing_class(self, function: cst.FunctionDef) -> cst.ClassDef | None:
        for child, parent in self.ancestors(function):
            if isinstance(parent, cst.ClassDef) and child is parent.body:
                return parent
            if isinstance(parent, (cst.FunctionDef, cst.Lambda)):
                return None
        return None

    def in_loop(self, node: cst.CSTNode, stop: cst.CSTNode | None) -> bool:
        """Inside a loop body or comprehension element, below ``stop`` (a function)."""
        for child, parent in self.ancestors(node):
            if parent is stop or isinstance(parent, (cst.FunctionDef, cst.Lambda)):
                return False
            if isinstance(parent, (cst.For, cst.While)) and child is parent.body:
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

    def scope(self, node: cst.CSTNode) -> Scope | None:
        scope: Scope | None = self._rule.get_metadata(ScopeProvider, node, None)
        return scope

    # -- functions --------------------------------------------------------------------------

    def decorator_names(self, function: cst.FunctionDef) -> list[tuple[cst.Decorator, set[str]]]:
        out = []
        for decorator in function.decorators:
            expr = decorator.decorator
            target = expr.func if isinstance(expr, cst.Call) else expr
            out.append((decorator, set(self._rule.qualnames(target))))
        return out

    def _owner_constructors(self, expr: cst.BaseExpression) -> set[str]:
        """For ``app`` in ``@app.get(...)``: qualified names of what ``app`` was built from."""
        if (
            isinstance(expr, cst.Attribute)
            and isinstance(expr.value, cst.Name)
            and (expr.attr.value in ("app", "router"))
        ):
            expr = expr.value  # e.g. `web.app` is not a pattern we resolve; keep simple
        if not isinstance(expr, cst.Name):
            return set()
        value = self.assigned_value(expr)
        if isinstance(value, cst.Call):
            return set(self._rule.qualnames(value.func))
        return set()

    def is_request_handler(self, function: FunctionNode) -> bool:
        if not isinstance(function, cst.FunctionDef):
            return False
        for decorator in function.decorators:
            expr = decorator.decorator
            target = expr.func if isinstance(expr, cst.Call) else expr
            if isinstance(target, cst.Attribute):
                owners = self._owner_constructors(target.value)
                if target.attr.value in ROUTE_METHODS and owners & ROUTE_OWNERS:
                    return True
                if target.attr.value == "task" and owners & TASK_OWNERS:
                    return True
            if set(self._rule.qualnames(target)) & TASK_DECORATORS:
                return True
        # AWS-Lambda style: a module-level handler(event, context)
        params = [p.name.value for p in function.params.params]
        return (
            params == ["event", "context"]
            and function.name.value in ("handler", "lambda_handler")
            and self.enclosing_function(function) is None
            and not self.in_class_body(function)
        )

    def is_exempt_factory(self, function: FunctionNode) -> bool:
        """main, __init__, __aenter__, cached factories, context managers, lifespans, tests."""
        if not isinstance(function, cst.FunctionDef):
            return False
        name = function.name.value
        if name in EXEMPT_FUNCTION_NAMES or name.startswith("test_") or "lifespan" in name:
            return True
        for decorator, names in self.decorator_names(function):
            if names & CACHE_DECORATORS or names & CONTEXT_DECORATORS:
                return True
            if any(n == "pytest.fixture" or n.startswith("pytest_asyncio.") for n in names):
                return True
            del decorator
        return self._passed_as_lifespan(function)

    def _passed_as_lifespan(self, function: cst.FunctionDef) -> bool:
        scope = self.scope(function)
        if scope is None:
            return False
        for assignment in scope.assignments[function.name.value]:
            for access in assignment.references:
                parent = self.parent(access.node)
                if (
                    isinstance(parent, cst.Arg)
                    and parent.keyword is not None
                    and (parent.keyword.value == "lifespan")
                ):
                    return True
        return False

    # -- bindings ---------------------------------------------------------------------------

    def assigned_value(self, name: cst.Name) -> cst.BaseExpression | None:
        """The single value assigned to ``name`` in its scope (None when not exactly one)."""
        scope = self.scope(name)
        if scope is None:
            return None
        assignments = list(scope.accesses[name])
        referents = {a for access in assignments for a in access.referents}
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

    def build_for_expr(self, expr: cst.BaseExpression) -> ClientBuild | None:
        """The client build an expression refers to: a build, a name bound to one, self.attr."""
        if isinstance(expr, cst.Await):
            expr = expr.expression
        if isinstance(expr, cst.Call):
            return self._builds_by_call.get(id(expr))
        if isinstance(expr, cst.Name):
            value = self.assigned_value(expr)
            if isinstance(value, cst.Call):
                return self._builds_by_call.get(id(value))
            return None
        if (
            isinstance(expr, cst.Attribute)
            and isinstance(expr.value, cst.Name)
            and expr.value.value == "self"
        ):
            function = self.enclosing_function(expr)
            cls = self.enclosing_class(function) if isinstance(function, cst.FunctionDef) else None
            matches = [
                b
                for b in self.builds
                if b.binding == "self"
                and b.name == expr.attr.value
                and isinstance(b.function, cst.FunctionDef)
                and self.enclosing_class(b.function) is cls
            ]
            specs = {b.spec.qualname for b in matches}
            return matches[0] if len(specs) == 1 else None
        return None

    def spec_for_expr(self, expr: cst.BaseExpression) -> ClientSpec | None:
        build = self.build_for_expr(expr)
        if build is not None:
            return build.spec
        # A parameter annotated with a client class: `async def f(client: httpx.AsyncClient)`.
        if isinstance(expr, cst.Name):
            function = self.enclosing_function(expr)
            if isinstance(function, cst.FunctionDef):
                for param in (*function.params.params, *function.params.kwonly_params):
                    if param.name.value == expr.value and param.annotation is not None:
                        for qualname in self._rule.qualnames(param.annotation.annotation):
                            spec = self._rule.context.catalog.client(qualname)
                            if spec is not None:
                                return spec
        return None

    # -- collection -------------------------------------------------------------------------

    def _collect(self, module: cst.Module) -> None:
        analysis = self

        class _Calls(cst.CSTVisitor):
            def visit_Call(self, node: cst.Call) -> None:
                spec = analysis._rule.client_spec(node)
                if spec is not None:
                    build = analysis._describe_build(node, spec)
                    analysis.builds.append(build)
                    analysis._builds_by_call[id(node)] = build

        module.visit(_Calls())
        for build in self.builds:
            self._follow_uses(build)

    def _describe_build(self, call: cst.Call, spec: ClientSpec) -> ClientBuild:
        function = self.enclosing_function(call)
        build = ClientBuild(
            call=call,
            spec=spec,
            function=function,
            in_class_body=self.in_class_body(call),
            in_loop=self.in_loop(call, function),
            binding="none",
        )
        node: cst.CSTNode = call
        parent = self.parent(node)
        if isinstance(parent, cst.Await):  # `await SomeAsyncFactory()`
            node, parent = parent, self.parent(parent)
        if isinstance(parent, cst.WithItem):
            build.binding = "with"
            build.context_managed = True
        elif isinstance(parent, (cst.Return, cst.Yield)):
            build.handed_on = True
        elif isinstance(parent, cst.Arg):
            build.handed_on = True  # passed to another constructor or call
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
        elif isinstance(parent, cst.Attribute):
            build.binding = "none"  # used once and dropped: `httpx.Client().get(url)`
        else:
            build.handed_on = True  # anything we do not model: stay silent
        return build

    def _container_handed_on(self, node: cst.CSTNode) -> bool:
        for _, parent in self.ancestors(node):
            if isinstance(parent, (cst.Element, cst.DictElement, cst.Tuple, cst.List, cst.Dict)):
                continue
            return not isinstance(parent, cst.Expr)
        return True

    def _follow_uses(self, build: ClientBuild) -> None:
        if build.binding == "with":
            with_item = self.parent(build.call)
            if isinstance(with_item, cst.WithItem) and isinstance(
                getattr(with_item.asname, "name", None), cst.Name
            ):
                asname = with_item.asname
                assert asname is not None
                self._follow_name(build, asname.name)  # type: ignore[arg-type]
            return
        if build.binding in ("local", "module", "class") and build.name is not None:
            target = self._assign_target(build.call)
            if target is not None:
                self._follow_name(build, target)

    def _assign_target(self, call: cst.Call) -> cst.Name | None:
        parent = self.parent(call)
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
                build.handed_on = True  # captured by a nested function: lifetime unknown
                continue
            if self.in_loop(node, build.function):
                build.uses_in_loop = True
            self._classify_use(build, node)
        if any(
            getattr(a, "node", None) is not target for a in assignments if a.scope is scope
        ) and (build.binding == "local"):
            # The name is rebound: which client a later use refers to is unknown.
            build.handed_on = True

    def _classify_use(self, build: ClientBuild, name: cst.Name) -> None:
        parent = self.parent(name)
        if isinstance(parent, cst.Attribute) and parent.value is name:
            call = self.parent(parent)
            closers = (*build.spec.close_methods, "__exit__", "__aexit__")
            if isinstance(call, cst.Call) and call.func is parent and parent.attr.value in closers:
                build.closed = True
            return
        if isinstance(parent, cst.WithItem):
            build.closed = True
            return
        # return/yield it, put it in a container, pass it on, store it anywhere: handed on
        build.handed_on = True
