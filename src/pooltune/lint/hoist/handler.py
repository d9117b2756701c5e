"""The client a request handler builds, and the handler rewritten to reach the app's one.

What the handler builds (a constructor, a factory call, an implicit `requests.get`), how it is
bound (`x = ...`, `async with ... as x:`, inline), whether its arguments depend on the request,
and the rewrite: the build becomes `request.app.state.<name>`, closes of it go, a `with` block
over it becomes its body, and the handler gets a `request: Request` parameter when it has none.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import BuiltinScope, GlobalScope

from pooltune.lint.catalog import Catalog, ClientSpec
from pooltune.lint.hoist.app import REQUEST_CLASSES, NotHoisted
from pooltune.lint.hoist.edits import (
    binding_count,
    block_statements,
    closes_of,
    enters_name,
    is_close_call,
    names_bound_in,
)
from pooltune.lint.hoist.parsed import ParsedModule

# State names by library when the variable's name says nothing (`client`, `c`, `s`).
LIBRARY_STATE_NAMES = {
    "openai": "llm",
    "anthropic": "llm",
    "httpx": "http",
    "httpx2": "http",
    "urllib3": "http",
    "aiohttp": "session",
    "requests": "session",
}
GENERIC_NAMES = frozenset({"client", "c", "s", "cl", "sess", "http_client", "async_client"})
REQUEST_PARAM_NAMES = ("request", "http_request", "starlette_request")
# What to use instead when the arguments depend on the request.
PER_REQUEST_ADVICE = {
    "openai": "share one client and call `client.with_options(...)` per request",
    "anthropic": "share one client and call `client.with_options(...)` per request",
    "httpx": "share one client and pass `headers=`/`auth=` on each request",
    "httpx2": "share one client and pass `headers=`/`auth=` on each request",
    "aiohttp": "share one session and pass `headers=` on each request",
    "requests": "share one session and pass `headers=`/`auth=` on each request",
}


@dataclass
class Build:
    """One client build in a handler, as the hoist sees it."""

    call: cst.Call
    spec: ClientSpec
    kind: str  # "constructor" | "factory" | "implicit"
    bound: str | None  # the variable it is bound to
    with_item: cst.WithItem | None = None
    needed_names: list[str] = field(default_factory=list)  # module-level names it reads
    awaited: bool = False  # `await make_client()`: the build is the awaited value
    # the variable it may be bound to as one of several values (`A() if x else B()`,
    # `given or A()`): what else it holds is not this build
    shared_holder: str | None = None

    @property
    def holder(self) -> str | None:
        return self.bound or self.shared_holder

    def constructor_code(self, parsed: ParsedModule) -> str:
        if self.kind == "implicit":
            return f"{self.spec.display}()"
        code = parsed.module.code_for_node(self.call)
        return f"await {code}" if self.awaited else code

    def state_name(self) -> str:
        if self.bound and self.bound not in GENERIC_NAMES and len(self.bound) > 1:
            return self.bound.lstrip("_") or self.bound
        return LIBRARY_STATE_NAMES.get(self.spec.library.name, "client")


def route_owner(
    parsed: ParsedModule, function: cst.FunctionDef, catalog: Catalog
) -> cst.Name | None:
    """The variable whose route decorator (`@app.get(...)`) registers ``function``."""
    methods = set(catalog.runtime.route_methods)
    for decorator in function.decorators:
        call = decorator.decorator
        func = call.func if isinstance(call, cst.Call) else call
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.attr.value in methods
        ):
            return func.value
    return None


def find_build(
    parsed: ParsedModule, call: cst.Call, catalog: Catalog, factory_client: str | None
) -> Build:
    names = parsed.qualnames(call.func)
    spec = next((s for q in names if (s := catalog.client(q)) is not None), None)
    kind = "constructor"
    if spec is None:
        call_spec = next((c for q in names if (c := catalog.call(q)) is not None), None)
        if call_spec is not None and call_spec.implicit:
            if call_spec.library.implicit_calls_async:
                raise NotHoisted(f"`{call_spec.qualname}()` is a context manager of its own")
            spec = _sync_client(catalog, call_spec.library.name)
            kind = "implicit"
        elif factory_client is not None:
            spec = catalog.client(factory_client)
            kind = "factory"
    if spec is None:
        raise NotHoisted("the client's class is not known here")
    if spec.kind == "connector":
        raise NotHoisted("a connector is hoisted with its session")
    build = Build(call, spec, kind, None)
    if kind == "implicit":
        return build  # what `x = requests.get(...)` binds is a response, not the client
    parent = parsed.parents.get(call)
    if isinstance(parent, cst.Await):  # an async factory: `llm = await make_llm()`
        build.awaited = True
        parent = parsed.parents.get(parent)
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
        target = parent.targets[0].target
        if isinstance(target, cst.Name):
            build.bound = target.value
    elif isinstance(parent, cst.AnnAssign) and isinstance(parent.target, cst.Name):
        build.bound = parent.target.value
    elif isinstance(parent, (cst.IfExp, cst.BooleanOperation)):
        build.shared_holder = _holder_of_expression(parsed, parent)
    elif isinstance(parent, cst.WithItem):
        build.with_item = parent
        if parent.asname is not None:
            if not isinstance(parent.asname.name, cst.Name):
                raise NotHoisted("the `with` target is not a name")
            build.bound = parent.asname.name.value
    build.needed_names = _module_names_read(parsed, build)
    return build


def _holder_of_expression(parsed: ParsedModule, start: cst.CSTNode) -> str | None:
    """The name a conditional or boolean expression holding a build is assigned to."""
    node: cst.CSTNode | None = start
    while isinstance(node, (cst.IfExp, cst.BooleanOperation, cst.Await)):
        node = parsed.parents.get(node)
    if isinstance(node, cst.Assign) and len(node.targets) == 1:
        target = node.targets[0].target
        return target.value if isinstance(target, cst.Name) else None
    if isinstance(node, cst.AnnAssign) and isinstance(node.target, cst.Name):
        return node.target.value
    return None


def check_closes(scope: cst.CSTNode, build: Build) -> None:
    """NotHoisted when the function ends the client its build's variable holds (a `with`
    block on it, a close call) and that variable may hold another client too (another arm, a
    rebinding): dropping the close would leak that one, keeping it would close the shared one."""
    holder = build.holder
    if holder is None:
        return
    closes = closes_of(scope, holder, build.spec.close_methods)
    if not closes:
        return
    if build.shared_holder is not None or binding_count(scope, holder) > 1:
        raise NotHoisted(f"`{holder}` may hold another client, and the function closes it")
    for node in closes:
        if isinstance(node, cst.With):
            item = enters_name(node, holder)
            if item is not None and item.asname is not None:
                raise NotHoisted(f"`with {holder} as ...` renames the client")


def _sync_client(catalog: Catalog, library: str) -> ClientSpec | None:
    for entry in catalog.libraries:
        if entry.name == library:
            for client in entry.client:
                if client.kind == "pool" and not client.is_async:
                    return catalog.client(client.names[0])
    return None


def _module_names_read(parsed: ParsedModule, build: Build) -> list[str]:
    """Module-level names the constructor reads; NotHoisted when it reads a local or a
    parameter (its arguments depend on the request)."""
    module_level: list[str] = []
    local: list[str] = []
    for name in names_read(build.call):
        scope = parsed.scopes.get(name)
        if scope is None:
            continue
        assignments = list(scope[name.value])
        if not assignments:
            continue
        if all(isinstance(a.scope, BuiltinScope) for a in assignments):
            continue
        if all(isinstance(a.scope, GlobalScope) for a in assignments):
            if name.value not in module_level:
                module_level.append(name.value)
        elif name.value not in local:
            local.append(name.value)
    if local:
        advice = PER_REQUEST_ADVICE.get(build.spec.library.name)
        names = ", ".join(f"`{n}`" for n in local)
        raise NotHoisted(
            f"its arguments depend on the request ({names})" + (f": {advice}" if advice else "")
        )
    return module_level


def names_read(call: cst.Call) -> list[cst.Name]:
    collector = _NameCollector()
    call.visit(collector)
    return collector.names


class _NameCollector(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: list[cst.Name] = []

    def visit_Name(self, node: cst.Name) -> None:
        self.names.append(node)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)  # the attribute's own name is not a variable
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)  # nor is a keyword
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False


def imports_for(parsed: ParsedModule, build: Build) -> list[str]:
    """Import statements the app's module needs for the constructor (absolute)."""
    lines = []
    if build.kind == "implicit":
        return [f"import {build.spec.display.split('.')[0]}"]
    for name in build.needed_names:
        statement = parsed.import_of(name)
        if statement is None:
            statement = f"from {parsed.name} import {name}"
        lines.append(statement)
    return lines


@dataclass
class HandlerRewrite:
    """The handler with the build replaced by the app's client."""

    function: cst.FunctionDef
    build: Build
    state_name: str
    framework: str
    request_param: str | None = None  # an existing parameter annotated with Request
    needs_request_import: bool = False

    def apply(self, parsed: ParsedModule) -> cst.FunctionDef:
        request_name = self.request_param or self._free_request_name()
        shared = cst.parse_expression(f"{request_name}.app.state.{self.state_name}")
        new = rewrite_function(self.function, self.build, shared)
        if self.request_param is None:
            param = cst.Param(
                cst.Name(request_name),
                cst.Annotation(cst.Name("Request")),
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                if new.params.params
                or isinstance(new.params.star_arg, (cst.Param, cst.ParamStar))
                or new.params.kwonly_params
                or new.params.star_kwarg
                else cst.MaybeSentinel.DEFAULT,
            )
            new = new.with_changes(
                params=new.params.with_changes(params=[param, *new.params.params])
            )
        del parsed
        return new

    def _free_request_name(self) -> str:
        taken = {p.name.value for p in _all_params(self.function)}
        taken |= names_bound_in(self.function.body)
        return next(n for n in REQUEST_PARAM_NAMES if n not in taken)


def rewrite_function(
    function: cst.FunctionDef, build: Build, shared: cst.BaseExpression
) -> cst.FunctionDef:
    """``function`` with the build replaced by ``shared`` (closes of it dropped)."""
    check_closes(function, build)
    new = function.visit(_Rewrite(build, shared, build.spec.close_methods))
    assert isinstance(new, cst.FunctionDef)
    return new


def _all_params(function: cst.FunctionDef) -> list[cst.Param]:
    params = function.params
    star = [params.star_arg] if isinstance(params.star_arg, cst.Param) else []
    kwargs = [params.star_kwarg] if params.star_kwarg is not None else []
    return [*params.posonly_params, *params.params, *star, *params.kwonly_params, *kwargs]


CONNECTION_CLASSES = frozenset(
    {"fastapi.WebSocket", "fastapi.websockets.WebSocket", "starlette.websockets.WebSocket"}
)


def _is_websocket_route(function: cst.FunctionDef) -> bool:
    for decorator in function.decorators:
        call = decorator.decorator
        func = call.func if isinstance(call, cst.Call) else call
        if isinstance(func, cst.Attribute) and func.attr.value == "websocket":
            return True
    return False


ACCEPTED_REQUEST_IMPORTS = frozenset(
    {"from fastapi import Request", "from starlette.requests import Request"}
)


def request_parameter(parsed: ParsedModule, function: cst.FunctionDef) -> tuple[str | None, bool]:
    """(the parameter annotated with a Request class, whether `Request` must be imported)."""
    requests = {".".join(pair) for pair in REQUEST_CLASSES.values()} | {"fastapi.requests.Request"}
    for param in _all_params(function):  # a Request or a WebSocket: both reach `.app`
        if param.annotation is not None and parsed.qualnames(param.annotation.annotation) & (
            requests | CONNECTION_CLASSES
        ):
            return param.name.value, False
    if _is_websocket_route(function):
        raise NotHoisted("a websocket handler without a `WebSocket` parameter")
    if "Request" in parsed.global_names():
        if parsed.import_of("Request") not in ACCEPTED_REQUEST_IMPORTS:
            raise NotHoisted("`Request` names something else in this module")
        return None, False
    return None, True


class _Rewrite(cst.CSTTransformer):
    """Replace the build with the shared client; drop closes of it and its `with` block."""

    def __init__(self, build: Build, shared: cst.BaseExpression, closes: tuple[str, ...]):
        super().__init__()
        self.build = build
        self.shared = shared
        self.closes = set(closes)
        self._emptied: set[int] = set()  # blocks left empty by a removed close

    def leave_Await(self, original: cst.Await, updated: cst.Await) -> cst.BaseExpression:
        if self.build.awaited and original.expression is self.build.call:
            return self.shared
        return updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if original is not self.build.call:
            return updated
        if self.build.kind == "implicit":
            func = original.func
            method = func.attr.value if isinstance(func, cst.Attribute) else None
            if method is None and isinstance(func, cst.Name):
                method = func.value
            assert method is not None
            return updated.with_changes(func=cst.Attribute(self.shared, cst.Name(method)))
        return self.shared

    def leave_With(
        self, original: cst.With, updated: cst.With
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        item = self.build.with_item
        if item is None or item not in original.items:
            item = enters_name(original, self.build.bound)  # `with client:` ends the client
            if item is None:
                return updated
            return self._without_item(original.items.index(item), updated)
        index = original.items.index(item)
        rest = [i for n, i in enumerate(updated.items) if n != index]
        body: list[cst.BaseStatement] = []
        # a comment after `with ...:` stays on the line that replaces it
        header = updated.body.header if isinstance(updated.body, cst.IndentedBlock) else None
        if self.build.bound is not None and not self._same_name():
            body.append(
                cst.SimpleStatementLine(
                    [
                        cst.Assign(
                            [cst.AssignTarget(cst.Name(self.build.bound))],
                            self.shared,
                        )
                    ],
                    leading_lines=updated.leading_lines,
                    trailing_whitespace=header or cst.TrailingWhitespace(),
                )
            )
        elif header is not None and header.comment is not None:
            comment = cst.EmptyLine(comment=header.comment)
            updated = updated.with_changes(leading_lines=[*updated.leading_lines, comment])
        if rest:
            rest[-1] = rest[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            return cst.FlattenSentinel([*body, updated.with_changes(items=rest, leading_lines=())])
        inner = block_statements(updated.body, () if body else updated.leading_lines)
        return cst.FlattenSentinel([*body, *inner])

    def _without_item(
        self, index: int, updated: cst.With
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        rest = [i for n, i in enumerate(updated.items) if n != index]
        if rest:
            rest[-1] = rest[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            return updated.with_changes(items=rest)
        return cst.FlattenSentinel(block_statements(updated.body, updated.leading_lines))

    def _same_name(self) -> bool:
        """The shared client is a module-level name spelled like the local one."""
        return isinstance(self.shared, cst.Name) and self.shared.value == self.build.bound

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.RemovalSentinel:
        first = original.body[0] if len(original.body) == 1 else None
        value = first.value if isinstance(first, cst.Assign) else None
        if isinstance(value, cst.Await):
            value = value.expression
        if value is not None and value is self.build.call and self._same_name():
            return cst.RemoveFromParent()  # `session = session` would make it a local
        kept = [s for s in updated.body if not self._closes_build(s)]
        if len(kept) == len(updated.body):
            return updated
        if not kept:
            return cst.RemoveFromParent()
        return updated.with_changes(body=kept)

    def leave_IndentedBlock(
        self, original: cst.IndentedBlock, updated: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        if updated.body:
            return updated
        block = updated.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
        self._emptied.add(id(block))
        return block

    def leave_Try(
        self, original: cst.Try, updated: cst.Try
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        """A `finally:` that only closed the client goes (and the `try` with it if bare)."""
        final = updated.finalbody
        if final is None or id(final.body) not in self._emptied:
            return updated
        if updated.handlers:
            return updated.with_changes(finalbody=None)
        if not isinstance(updated.body, cst.IndentedBlock) or not updated.body.body:
            return updated
        return cst.FlattenSentinel(block_statements(updated.body, updated.leading_lines))

    def _closes_build(self, statement: cst.BaseSmallStatement) -> bool:
        return isinstance(statement, cst.Expr) and is_close_call(
            statement.value, self.build.bound, self.closes
        )
