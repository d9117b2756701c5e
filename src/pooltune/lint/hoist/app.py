"""The app a handler belongs to (FastAPI/Starlette), and the edits that create, store and close
one client in its lifespan."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from libcst.metadata import GlobalScope

from pooltune.lint.findings import Edit, Location
from pooltune.lint.hoist.parsed import ParsedModule

# Apps that take `lifespan=` and give handlers `request.app.state` (routers have no lifespan).
APP_CLASSES = frozenset(
    {"fastapi.FastAPI", "fastapi.applications.FastAPI", "starlette.applications.Starlette"}
)
ROUTER_CLASSES = frozenset(
    {"fastapi.APIRouter", "fastapi.routing.APIRouter", "starlette.routing.Router"}
)
REQUEST_CLASSES = {
    "fastapi": ("fastapi", "Request"),
    "starlette": ("starlette.requests", "Request"),
}
ASYNC_CONTEXT_MANAGER = "contextlib.asynccontextmanager"
LIFESPAN_NAMES = ("lifespan", "app_lifespan", "pooltune_lifespan")
STARTUP_KEYWORDS = frozenset({"on_startup", "on_shutdown"})


class NotHoisted(Exception):
    """Why a client is left where it is (said in the finding)."""


@dataclass
class Lifespan:
    function: cst.FunctionDef
    yield_statement: cst.Expr
    app_param: str


@dataclass
class AppSite:
    """`app = FastAPI(...)` at module level of ``parsed``, and its lifespan if it has one."""

    parsed: ParsedModule
    statement: cst.SimpleStatementLine
    call: cst.Call
    framework: str  # "fastapi" | "starlette"
    lifespan: Lifespan | None

    def state_values(self) -> dict[str, str]:
        """`app.state.<name> = <value>` anywhere in the module: name -> value's code."""
        found: dict[str, str] = {}
        for node in self.parsed.positions:
            if type(node) is not cst.Assign or len(node.targets) != 1:
                continue
            target = node.targets[0].target
            if (
                isinstance(target, cst.Attribute)
                and isinstance(target.value, cst.Attribute)
                and target.value.attr.value == "state"
            ):
                found[target.attr.value] = self.parsed.module.code_for_node(node.value)
        return found

    @property
    def variable(self) -> str:
        target = self.statement.body[0]
        assert isinstance(target, cst.Assign) and isinstance(target.targets[0].target, cst.Name)
        return target.targets[0].target.value

    @property
    def app_param(self) -> str:
        """How the lifespan names the app (`app` in a new one)."""
        return self.lifespan.app_param if self.lifespan is not None else "app"

    def statement_index(self) -> int:
        return list(self.parsed.module.body).index(self.statement)

    def lifespan_edits(
        self, creates: list[str], closes: list[str], module_creates: list[str], imports: set[str]
    ) -> list[Edit]:
        """Add ``creates`` before the lifespan's `yield` and ``closes`` after it (a new lifespan
        passed to the app when it has none), and ``module_creates`` right after the app's
        statement (sync clients: built in a coroutine they would be POOL008). ``imports``
        collects what the new code needs at the top of the module."""
        after_app = "".join(f"\n{line}" for line in module_creates)
        if self.lifespan is not None:
            target = self.lifespan.yield_statement
            indent = " " * (self.parsed.positions[target].start.column)
            original = self.parsed.module.code_for_node(target)
            edits = [
                Edit(
                    f"\n{indent}".join([*creates, original, *closes]),
                    self.parsed.start(target),
                    self.parsed.end(target),
                    self.parsed.filename,
                )
            ]
            if after_app:
                end = self.parsed.end(self.statement.body[-1])
                edits.append(Edit(after_app, end, end, self.parsed.filename))
            return edits
        taken = self.parsed.global_names()
        name = next((n for n in LIFESPAN_NAMES if n not in taken), None)
        if name is None:
            raise NotHoisted("no free name for a lifespan function")
        app_class = self.parsed.module.code_for_node(self.call.func)
        imports.add("from contextlib import asynccontextmanager")
        imports.add("from collections.abc import AsyncIterator")
        body = "\n".join(f"    {line}" for line in [*creates, "yield", *closes])
        function = (
            "@asynccontextmanager\n"
            f"async def {name}(app: {app_class}) -> AsyncIterator[None]:\n"
            "    # pooltune: the app's clients live as long as the app (POOL001)\n"
            f"{body}\n\n\n"
        )
        keyword = cst.Arg(
            value=cst.Name(name),
            keyword=cst.Name("lifespan"),
            equal=cst.AssignEqual(
                whitespace_before=cst.SimpleWhitespace(""),
                whitespace_after=cst.SimpleWhitespace(""),
            ),
        )
        args = list(self.call.args)
        if args:
            last = args[-1]
            if last.comma is cst.MaybeSentinel.DEFAULT:
                args[-1] = last.with_changes(
                    comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                )
        new_call = self.call.with_changes(args=[*args, keyword])
        statement = self.statement.deep_replace(self.call, new_call)
        assert isinstance(statement, cst.SimpleStatementLine)
        code = self.parsed.module.code_for_node(statement.with_changes(leading_lines=()))
        first = self.statement.body[0]
        # two blank lines before the new function, as before any top-level def
        spacing = "\n" * max(0, 2 - len(self.statement.leading_lines))
        return [
            Edit(
                spacing + function + code.rstrip("\n").rstrip("\r") + after_app,
                Location(self.parsed.start(first).row, 1),
                self.parsed.end(self.statement.body[-1]),
                self.parsed.filename,
            )
        ]


def find_app(parsed: ParsedModule, name: str) -> AppSite | None:
    """The module-level `name = FastAPI(...)`/`Starlette(...)` of ``parsed``."""
    for statement in parsed.module.body:
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            continue
        assign = statement.body[0]
        if not (
            isinstance(assign, cst.Assign)
            and len(assign.targets) == 1
            and isinstance(assign.targets[0].target, cst.Name)
            and assign.targets[0].target.value == name
            and isinstance(assign.value, cst.Call)
        ):
            continue
        qualnames = parsed.qualnames(assign.value.func)
        if not qualnames & APP_CLASSES:
            return None
        framework = "fastapi" if any(q.startswith("fastapi") for q in qualnames) else "starlette"
        return AppSite(
            parsed,
            statement,
            assign.value,
            framework,
            _lifespan(parsed, assign.value, name),
        )
    return None


def app_names(parsed: ParsedModule) -> list[str]:
    """Module-level names bound to a FastAPI/Starlette app."""
    return [
        name
        for name, assign in parsed.module_assignments()
        if isinstance(assign.value, cst.Call) and parsed.qualnames(assign.value.func) & APP_CLASSES
    ]


def _lifespan(parsed: ParsedModule, call: cst.Call, app_name: str) -> Lifespan | None:
    for arg in call.args:
        keyword = arg.keyword.value if arg.keyword else None
        if keyword in STARTUP_KEYWORDS:
            raise NotHoisted(f"the app uses `{keyword}=` handlers (pooltune extends a lifespan)")
        if keyword != "lifespan":
            continue
        if not isinstance(arg.value, cst.Name):
            raise NotHoisted("the app's lifespan is not a function of its module")
        function = _module_function(parsed, arg.value.value)
        if function is None:
            raise NotHoisted("the app's lifespan is not a function of its module")
        return _lifespan_of(parsed, function)
    if _uses_on_event(parsed, app_name):
        raise NotHoisted(f"the app uses `@{app_name}.on_event` (pooltune extends a lifespan)")
    return None


def _module_function(parsed: ParsedModule, name: str) -> cst.FunctionDef | None:
    for statement in parsed.module.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == name:
            return statement
    return None


def _lifespan_of(parsed: ParsedModule, function: cst.FunctionDef) -> Lifespan:
    decorated = any(
        ASYNC_CONTEXT_MANAGER in parsed.qualnames(d.decorator) for d in function.decorators
    )
    if not decorated or function.asynchronous is None:
        raise NotHoisted("the app's lifespan is not an `@asynccontextmanager` function")
    yields = [
        node
        for node in parsed.positions
        if type(node) is cst.Expr
        and isinstance(node.value, cst.Yield)
        and _innermost_function(parsed, node) is function
    ]
    if len(yields) != 1:
        raise NotHoisted("the app's lifespan does not yield exactly once")
    params = function.params.params
    if not params:
        raise NotHoisted("the app's lifespan takes no app parameter")
    return Lifespan(function, yields[0], params[0].name.value)


def _innermost_function(parsed: ParsedModule, node: cst.CSTNode) -> cst.CSTNode | None:
    for ancestor in parsed.ancestors(node):
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda)):
            return ancestor
    return None


def _uses_on_event(parsed: ParsedModule, app_name: str) -> bool:
    for statement in parsed.module.body:
        if isinstance(statement, cst.FunctionDef):
            for decorator in statement.decorators:
                call = decorator.decorator
                if (
                    isinstance(call, cst.Call)
                    and isinstance(call.func, cst.Attribute)
                    and isinstance(call.func.value, cst.Name)
                    and call.func.value.value == app_name
                    and call.func.attr.value == "on_event"
                ):
                    return True
    return False


def is_global(parsed: ParsedModule, name: str) -> bool:
    scope = next((parsed.scopes[s] for s in parsed.module.body if s in parsed.scopes), None)
    return isinstance(scope, GlobalScope) and name in scope
