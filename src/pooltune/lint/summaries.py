"""Function summaries: what each function and method does with HTTP clients, across modules.

Phase one reads every file once with :mod:`ast` (the same parse that checks its syntax) and
writes a :class:`ModuleSummary`: for each function whether it is a *factory* (builds and returns
a fresh client on every call, a ``@property`` returning ``self.x or Client()`` included), what it
does with each parameter (only uses it, closes it, or stores it), which functions it calls (and
whether in a loop), whether it is a request handler or task by itself, whether it makes implicit
per-call requests, which parameters default to ``timeout=None`` and reach a request, which
shared clients it uses, which client class each parameter's annotation names (exactly one),
whether it returns early from a time-to-live cache, whether its `**kwargs` reach a request; for
each class the clients its attributes hold (however they get there) and which it closes or
hands to a helper; the module's own module-level clients, the functions it gives to
`Depends(...)` and to `asyncio.run(...)`, and the first line of every retry or polling loop
(:mod:`pooltune.lint.loops`). These are the verdicts: the libcst rules read them (through the
view) and never decide the same question again. Summaries are small, JSON-serializable and
cached with the file.

The runner joins them (:class:`ProjectIndex`) by qualified name across the linted tree, and
hands each file a :class:`ModuleView`: only the joined facts that file's rules may read (so its
fingerprint says exactly when a change elsewhere changes the file's findings). Names that cannot
be resolved are simply absent: the rules stay silent there.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields, is_dataclass, replace
from enum import Enum
from pathlib import Path
from typing import Any, NamedTuple

from pooltune.lint.catalog import Catalog
from pooltune.lint.loops import LoopKind, loop_kind
from pooltune.lint.occasions import poll_sleep_seconds, sets_up, step_names

SUMMARY_VERSION = "3"

_BUILTIN_HELPERS = frozenset(
    {"isinstance", "hasattr", "getattr", "id", "repr", "str", "type", "print"}
)


# A member of a class (a method, or an attribute holding a client) is referred to as
# `pkg.mod.Class#member`: one spelling, made and read only here (refs are JSON keys in the
# cached summaries and views, so they stay strings).
MEMBER = "#"


def member_ref(owner: str, member: str) -> str:
    return f"{owner}{MEMBER}{member}"


def split_member(ref: str) -> tuple[str, str] | None:
    """(class, member) of a member ref; None for a plain name."""
    owner, sep, member = ref.partition(MEMBER)
    return (owner, member) if sep else None


# -- records ---------------------------------------------------------------------------------


class FunctionKind(str, Enum):
    FUNCTION = "function"
    METHOD = "method"
    PROPERTY = "property"


class Root(str, Enum):
    """Why a function runs once per request by itself."""

    HANDLER = "handler"  # a route of a web framework, an AWS-Lambda-style handler
    TASK = "task"  # a Celery/Dramatiq/RQ task
    DEPENDENCY = "dependency"  # a FastAPI dependency (`Depends(get_client)`)


class ParamUse(str, Enum):
    """What a function does with a client passed to it."""

    USE = "use"  # only calls its methods
    CLOSE = "close"  # closes it (or enters it with `with`)
    STORE = "store"  # keeps it beyond the call


class CallSite(NamedTuple):
    ref: str  # the callee, as phase one spells it (`pkg.mod.f`, `pkg.mod.C#m`)
    in_loop: bool  # in a loop that repeats work (not a retry loop) or a comprehension


class ArgSite(NamedTuple):
    callee: str
    where: int | str  # positional index (self excluded) or keyword


@dataclass(slots=True)
class ClientRef:
    """A client a name or attribute holds: its class, and how it got there."""

    client: str | None = None  # catalog display name (`requests.Session`); None until resolved
    via: str | None = None  # a function ref whose result it holds (a factory), resolved at join
    resource: bool = False  # an attribute chain of the client (`OpenAI().embeddings`)
    inprocess: bool = False  # built on an in-process transport (no network)
    shared: bool = False  # built once for the process (module level, class level, singleton)
    weak: bool = False  # only declared (an annotation or a parameter's type), not built here


@dataclass(slots=True)  # one per function of the tree: no __dict__ each
class FunctionSummary:
    qualname: str
    is_async: bool = False
    params: list[str] = field(default_factory=list)
    kind: FunctionKind = FunctionKind.FUNCTION
    factory: str | None = None  # the client class it returns fresh on every call
    # every client class it may return fresh (`AzureOpenAI() if azure else OpenAI()`), sorted
    factory_clients: list[str] = field(default_factory=list)
    factory_via: list[str] = field(default_factory=list)  # returns the result of these refs
    # a fresh client only when none is given or set (`return self.client or OpenAI()`, `if
    # self.client: return self.client` before building one)
    factory_fallback: bool = False
    # the attributes of self whose client it returns when set (`if self.client: return
    # self.client`, `self.client or OpenAI()`): no factory when the class itself sets one there
    factory_given: list[str] = field(default_factory=list)
    cached_client: str | None = None  # a cached function returning a client (shared, built once)
    param_use: dict[str, ParamUse] = field(default_factory=dict)
    param_forward: dict[str, list[ArgSite]] = field(default_factory=dict)
    annotated: dict[str, str] = field(default_factory=dict)  # param -> the one client it declares
    root: Root | None = None  # runs per request by itself
    exempt: bool = False  # main, __init__, cached factories, context managers, lifespans, tests
    is_test: bool = False
    demo: bool = False  # defined under `if __name__ == "__main__":`: a demo, not a caller
    # the classes of what it returns, one per tuple element (`return args, Controller()`; "" for
    # an element of unknown class); empty when unknown or when its returns disagree
    return_types: list[str] = field(default_factory=list)
    # callee ref -> the keywords every call to it here passes as a literal True
    true_flags: dict[str, list[str]] = field(default_factory=dict)
    ttl_cached: bool = False  # returns early while a clock says its cached value is fresh
    calls: list[CallSite] = field(default_factory=list)
    uses: list[str] = field(default_factory=list)  # refs of the clients it calls methods on
    requests: bool = False  # makes implicit per-call requests (requests.get & co.)
    timeout_defaults: dict[str, str] = field(default_factory=dict)  # param -> sink label
    # `def post(url, **kwargs): return requests.post(url, **kwargs)`: the request that gets the
    # caller's keywords, and whose only timeout is one the caller passes
    kwargs_timeout_sink: str | None = None
    # refs it calls only under a process-wide memo guard (`global MODELS; if MODELS is None:
    # MODELS = load()`): once per process, so no request path goes on through them
    memo_calls: list[str] = field(default_factory=list)
    # the occasional step its name says it is (`an account step`: `login`, `refresh_token`...;
    # lint/occasions.py), None for most functions
    occasion: str | None = None


# the occasions phase one knows by shape (the others by name: `_by_name`)
CLI_COMMAND = "a CLI command (runs once per process)"
START_UP = "start-up code (runs once per process)"


def _leftover_copy(filename: str, tree: ast.Module) -> bool:
    """`client.backup.py`, `utils (copy).py`: a stem that is no identifier, so no import
    reaches it, and no `__main__` block nor top-level call, so it is no script either."""
    stem = Path(filename).name.removesuffix(".py")
    if stem.isidentifier() or stem == Path(filename).name:
        return False
    for stmt in tree.body:
        if _is_main_guard(stmt) or (
            isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)
        ):
            return False
    return True


def _first_callable(node: ast.Call) -> str | None:
    """The name a call is given as its first argument (`app.command("x")(run)`)."""
    first = node.args[0] if node.args else None
    return first.id if isinstance(first, ast.Name) else None


def _by_name(kind: str | None) -> str | None:
    return f"{kind} (its name says so)" if kind is not None else None


class AttrPass(NamedTuple):
    """`helper(self.session)`: an attribute passed to a function (closing it or not is the
    callee's business, resolved at the join)."""

    attr: str
    callee: str
    where: int | str


@dataclass(slots=True)
class ClassSummary:
    qualname: str
    bases: list[str] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)
    attrs: dict[str, ClientRef] = field(default_factory=dict)
    closes: list[str] = field(default_factory=list)
    passes: list[AttrPass] = field(default_factory=list)
    built: list[str] = field(default_factory=list)  # attributes set from a call (not given)


@dataclass(slots=True)
class ModuleSummary:
    module: str
    functions: dict[str, FunctionSummary] = field(default_factory=dict)
    classes: dict[str, ClassSummary] = field(default_factory=dict)
    clients: dict[str, ClientRef] = field(default_factory=dict)  # module-level names
    exports: dict[str, str] = field(default_factory=dict)  # imported names (re-exports)
    calls_catalog: bool = False  # calls a catalog name: the rules must see it
    unresolved_calls: list[str] = field(default_factory=list)  # `x.name(...)`, x unknown
    refs: list[str] = field(default_factory=list)  # other refs it depends on (base classes)
    # First lines of the loops (`for`/`while`) that retry or poll one unit of work: one verdict
    # (Summarizer._loop_kind), read by the rules too (one loop statement per line)
    retry_loops: list[int] = field(default_factory=list)
    poll_loops: list[int] = field(default_factory=list)
    # the polling loops among them that sleep `slow_poll_seconds` or more on every pass
    slow_poll_loops: list[int] = field(default_factory=list)
    # first lines of `if` statements whose body runs once, not per pass or per call: a lazy
    # initialisation in a loop (`if llm is None: llm = make_llm()`), a refresh behind a clock
    # (`if time.time() - self._at > ttl: ...`)
    once_guards: list[int] = field(default_factory=list)
    # first lines of `if` statements of a loop's body whose body ends by leaving that loop
    # (`if found: ...; break`): the body runs at most once per run of the loop
    leaving_branches: list[int] = field(default_factory=list)
    dependencies: list[str] = field(default_factory=list)  # refs given to `Depends(...)`
    # coroutines `asyncio.run` starts -> the functions that start them so (a coroutine also
    # awaited elsewhere runs on that caller's loop there)
    loop_starters: dict[str, list[str]] = field(default_factory=dict)
    # module-level objects: name -> the ref of what built them (`Controller`), or of the function
    # whose result they are, with the tuple index (`create_controller[1]`)
    instances: dict[str, str] = field(default_factory=dict)
    # a leftover copy (`client.backup.py`): a file name no import can reach, no `__main__`
    # block, no statement of its own at the top: nothing runs it (POOL001 reads no evidence)
    leftover: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ModuleSummary:
        return cls(
            module=raw["module"],
            functions={k: _function_from_json(v) for k, v in raw["functions"].items()},
            classes={
                k: ClassSummary(
                    **{
                        **v,
                        "attrs": {a: ClientRef(**r) for a, r in v["attrs"].items()},
                        "passes": [AttrPass(*p) for p in v["passes"]],
                    }
                )
                for k, v in raw["classes"].items()
            },
            clients={k: ClientRef(**v) for k, v in raw["clients"].items()},
            exports=dict(raw["exports"]),
            calls_catalog=bool(raw["calls_catalog"]),
            unresolved_calls=list(raw.get("unresolved_calls", [])),
            refs=list(raw["refs"]),
            retry_loops=list(raw["retry_loops"]),
            poll_loops=list(raw["poll_loops"]),
            slow_poll_loops=list(raw.get("slow_poll_loops", [])),
            once_guards=list(raw.get("once_guards", [])),
            leaving_branches=list(raw.get("leaving_branches", [])),
            dependencies=list(raw["dependencies"]),
            loop_starters={k: list(v) for k, v in raw.get("loop_starters", {}).items()},
            instances=dict(raw.get("instances", {})),
            leftover=bool(raw.get("leftover", False)),
        )


def _function_from_json(raw: dict[str, Any]) -> FunctionSummary:
    return FunctionSummary(
        **{
            **raw,
            "kind": FunctionKind(raw["kind"]),
            "root": Root(raw["root"]) if raw["root"] else None,
            "param_use": {k: ParamUse(v) for k, v in raw["param_use"].items()},
            "param_forward": {
                k: [ArgSite(*site) for site in v] for k, v in raw["param_forward"].items()
            },
            "calls": [CallSite(*call) for call in raw["calls"]],
            "true_flags": {k: list(v) for k, v in raw.get("true_flags", {}).items()},
        }
    )


# -- module names ----------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _package_parts(folder: str) -> tuple[str, ...]:
    """The dotted package path of a folder: its name and its parents' while __init__.py exists.
    A folder without one inside such a package is a namespace package (PEP 420): Python
    imports `pkg.sub.mod` from `pkg/sub/mod.py` all the same, so it is named that way too."""
    parent = os.path.dirname(folder)
    name = os.path.basename(folder)
    if not os.path.isfile(os.path.join(folder, "__init__.py")):
        if parent == folder or not name.isidentifier():
            return ()
        above = _package_parts(parent)
        return (*above, name) if above else ()
    if parent == folder or not name.isidentifier():
        return (name,) if name.isidentifier() else ()
    return (*_package_parts(parent), name)


def module_name_for(filename: str) -> tuple[str, bool]:
    """(dotted module name, is a package ``__init__``) of a file, from the packages around it."""
    path = os.path.abspath(filename)
    folder, base = os.path.split(path)
    stem = base.rsplit(".", 1)[0]
    parts = _package_parts(folder)
    if stem == "__init__":
        return (".".join(parts) or os.path.basename(folder) or "__init__"), True
    return ".".join((*parts, stem)), False


def absolute_import(name: str, module: str, is_package: bool) -> str:
    """``.http.get`` in ``pkg.api.routes`` -> ``pkg.api.http.get`` (PEP 328)."""
    level = len(name) - len(name.lstrip("."))
    if level == 0:
        return name
    parts = module.split(".")
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
    rest = name[level:]
    return ".".join([*parts, rest] if rest else parts)


# Codes not reported in test code unless `test-ignore` says otherwise (config.LintConfig).
DEFAULT_TEST_IGNORE = frozenset({"POOL001", "POOL008"})


def is_test_file(filename: str) -> bool:
    path = Path(filename)
    name = path.name
    if name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py":
        return True
    return any(part in ("tests", "test") for part in path.parts[:-1])


# -- phase one: one module ---------------------------------------------------------------------


class _Fn:
    __slots__ = (
        "assigned",
        "build_refs",
        "captures",
        "cls",
        "context_yields",
        "defaults",
        "escaped_defs",
        "fallback",
        "given_attrs",
        "given_returns",
        "global_names",
        "has_yield",
        "kwargs_sink",
        "local_builds",
        "local_defs",
        "local_types",
        "memo_refs",
        "node",
        "param_stores",
        "params",
        "plain_refs",
        "rebound",
        "return_types",
        "returns",
        "stored",
        "summary",
        "timeout_sinks",
        "true_flags",
        "typed",
    )  # fmt: skip

    def __init__(self, summary: FunctionSummary, node: ast.AST, cls: _Cls | None) -> None:
        self.summary = summary
        self.node = node
        self.cls = cls
        self.params: set[str] = set()
        self.defaults: dict[str, ast.expr] = {}
        self.local_builds: dict[str, ClientRef] = {}
        self.stored: set[str] = set()  # locals whose value went somewhere that outlives the call
        self.assigned: dict[str, int] = {}
        self.returns: list[ast.expr | None] = []
        self.return_types: list[list[str | None]] = []  # per return: each element's class ref
        self.has_yield = False
        # the values a `@contextmanager` function yields (None: not one): its `with` gives them
        self.context_yields: list[ast.expr | None] | None = None
        self.local_defs: dict[str, str] = {}
        self.local_types: dict[str, str] = {}  # local -> class ref it was built from
        self.param_stores: set[str] = set()
        self.timeout_sinks: dict[str, str] = {}
        self.kwargs_sink: str | None = None  # a request given this function's `**kwargs`
        self.global_names: set[str] = set()
        self.typed: dict[str, str] = {}  # parameter -> the client class its annotation names
        self.rebound: set[str] = set()  # parameters assigned a new value in the body
        self.true_flags: dict[str, set[str]] = {}  # callee -> keywords always passed as True
        # every value bound to a local (a client build or None), in order: a factory may bind
        # its client in several branches (`if azure: c = AzureOpenAI() else: c = OpenAI()`)
        self.build_refs: dict[str, list[ClientRef | None]] = {}
        # a client (parameter or local build) a nested `def` only uses: a use of this call when
        # each `def` on the way is only called here (else the closure may outlive the call)
        self.captures: dict[str, list[list[tuple[_Fn, str]]]] = {}
        self.escaped_defs: set[str] = set()  # nested defs decorated, stored, passed or returned
        self.fallback = False  # a return gives the client the caller or the object holds
        self.given_returns: set[int] = set()  # `if self.client: return self.client` (ids)
        self.given_attrs: set[str] = set()  # ... and the attributes they read
        # the refs it calls under a process-wide memo guard (`if MODELS is None: MODELS =
        # load()`), and those it calls elsewhere
        self.memo_refs: set[str] = set()
        self.plain_refs: set[str] = set()


class _Cls:
    __slots__ = ("attr_types", "summary", "validators")

    def __init__(self, summary: ClassSummary) -> None:
        self.summary = summary
        self.validators: set[str] = set()
        # `self.app = FastAPI()`, `self.app: Flask = app`: the class an attribute holds
        self.attr_types: dict[str, str] = {}


def _dotted(expr: ast.expr) -> list[str] | None:
    parts: list[str] = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return None
    parts.append(expr.id)
    parts.reverse()
    return parts


class Summarizer:
    """One pass over a module's ast: its summary, and whether libcst needs to see it."""

    def __init__(self, catalog: Catalog, module: str, is_package: bool, filename: str) -> None:
        self.catalog = catalog
        self.runtime = catalog.runtime
        self.module = module
        self.is_package = is_package
        self.test_file = is_test_file(filename)
        self.filename = filename
        # module-level functions registered as a command (`app.command("x")(run)`): phase one
        # marks them at the end
        self.commands: set[str] = set()
        self.aliases: dict[str, str] = {}
        self.relative_names: set[str] = set()
        self.top_defs: set[str] = set()
        self.module_values: dict[str, ast.expr] = {}
        self.lifespans: set[str] = set()
        self.summary = ModuleSummary(module=module)
        self.stack: list[ast.AST] = []
        self.fn: _Fn | None = None
        self.cls: _Cls | None = None
        self.loop = False  # inside a loop over units of work (not a retry or polling loop)
        self.any_loop = False
        self.in_lambda = 0
        self.outer_fns: list[_Fn] = []
        self.cli_groups: set[str] = set()  # module-level click groups: `@cli.command()`
        self.refs: set[str] = set()
        self.unresolved: set[str] = set()
        self.dependencies: set[str] = set()
        self.loop_kinds: dict[LoopKind, set[int]] = {}
        self.slow_polls: set[int] = set()
        self.in_main_block = False  # under `if __name__ == "__main__":`
        self.once_guards: set[int] = set()
        self.leaving_branches: set[int] = set()
        self.outer_loops: list[bool] = []  # `self.loop` outside each loop being visited
        self.memo_depth = 0  # inside the body of a process-wide memo guard
        self.step_names = step_names(self.runtime.occasional_steps)
        # module-level names bound to a call's result (and the tuple element they take)
        self.instance_sources: dict[str, tuple[ast.expr, int | None]] = {}
        self.tree: ast.Module | None = None
        # flag -> the functions that clear it; found on first need (few functions memo-guard)
        self._resets: dict[str, set[int]] | None = None

    # -- names ---------------------------------------------------------------------------

    def _collect_module(self, tree: ast.Module) -> None:
        for node in self._module_statements(tree.body):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                self.visit_import(node)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.top_defs.add(node.name)
            elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name):
                    self.module_values[target.id] = node.value
                    if isinstance(node.value, ast.Call):
                        self.instance_sources[target.id] = (node.value.func, None)
                elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Call):
                    # `args, controller = create_controller()`
                    for index, element in enumerate(target.elts):
                        if isinstance(element, ast.Name):
                            self.instance_sources[element.id] = (node.value.func, index)
            elif (
                isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value
            ):
                self.module_values[node.target.id] = node.value
        if self.is_package:  # re-exports (`from .http import get_session` in __init__.py)
            self.summary.exports = dict(self.aliases)

    def visit_import(self, node: ast.Import | ast.ImportFrom) -> None:
        """Imports anywhere (a function's own `import httpx` too) name what follows them."""
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    self.aliases[top] = top
                self.relative_names.discard(alias.asname or alias.name.split(".")[0])
            return
        base = absolute_import("." * node.level + (node.module or ""), self.module, self.is_package)
        for alias in node.names:
            if alias.name == "*":
                continue
            local = alias.asname or alias.name
            self.aliases[local] = f"{base}.{alias.name}" if base else alias.name
            if node.level:
                self.relative_names.add(local)
            else:
                self.relative_names.discard(local)

    def _module_statements(self, body: list[ast.stmt]) -> Iterator[ast.stmt]:
        for stmt in body:
            yield stmt
            if isinstance(stmt, ast.If):
                yield from self._module_statements(stmt.body)
                yield from self._module_statements(stmt.orelse)
            elif isinstance(stmt, ast.Try):
                yield from self._module_statements(stmt.body)
                for handler in stmt.handlers:
                    yield from self._module_statements(handler.body)
                yield from self._module_statements(stmt.orelse)

    def resolve(self, expr: ast.expr) -> str | None:
        """The absolute name an expression refers to (imports, module-level definitions)."""
        if isinstance(expr, ast.Name):
            name = expr.id
            fn = self.fn
            if fn is not None and name in fn.local_defs:
                return fn.local_defs[name]
            if name in self.aliases:
                return self.aliases[name]
            if name in self.top_defs:
                return f"{self.module}.{name}"
            if name in _BUILTIN_HELPERS or name in self.runtime.property_decorators:
                return f"builtins.{name}"
            return None
        if isinstance(expr, ast.Attribute):
            parts = _dotted(expr)
            if parts is None:
                return None
            head = self.resolve(ast.Name(parts[0]))
            if head is None or head.startswith("builtins."):
                return None
            return ".".join([head, *parts[1:]])
        return None

    def catalog_name(self, expr: ast.expr) -> str | None:
        """The name as an absolute import spells it (what the catalog lists); a library's own
        modules reaching its classes through relative imports are not its users."""
        root = expr
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name) or root.id in self.relative_names:
            return None
        if root.id not in self.aliases:
            return None
        if self.fn is not None and root.id in self.fn.local_defs:
            return None
        return self.resolve(expr)

    def method_ref(self, expr: ast.expr) -> str | None:
        """``self.m`` / ``cls.m`` in a method -> ``pkg.mod.C#m``; ``x.m`` with ``x = C()``;
        ``C().m``."""
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Call):
            owner_ref = self.resolve(expr.value.func)
            if owner_ref is not None and not owner_ref.startswith("builtins."):
                return member_ref(owner_ref, expr.attr)
            return None
        if not isinstance(expr, ast.Attribute) or not isinstance(expr.value, ast.Name):
            return None
        fn = self.fn
        if fn is None:
            return None
        owner = expr.value.id
        if (
            fn.cls is not None
            and owner in ("self", "cls")
            and fn.summary.kind is not FunctionKind.FUNCTION
        ):
            return member_ref(fn.cls.summary.qualname, expr.attr)
        if owner in fn.local_types:
            return member_ref(fn.local_types[owner], expr.attr)
        if owner in ("self", "cls") and owner not in fn.params:
            # a closure in a method (a route registered there) calls `self.m` of that object
            for outer in reversed(self.outer_fns):
                if owner in outer.params:
                    if outer.cls is not None and outer.summary.kind is FunctionKind.METHOD:
                        return member_ref(outer.cls.summary.qualname, expr.attr)
                    break
        return None

    def instance_call(self, expr: ast.expr) -> str | None:
        """`llm(prompt)` with `llm = Endpoint(...)`: the class's `__call__`."""
        fn = self.fn
        if fn is None or not isinstance(expr, ast.Name) or expr.id not in fn.local_types:
            return None
        return member_ref(fn.local_types[expr.id], "__call__")

    def ref(self, expr: ast.expr) -> str | None:
        return self.method_ref(expr) or self.resolve(expr)

    def client_of_call(self, call: ast.Call) -> ClientRef | None:
        """A client this call builds: a catalog constructor, or a call to a (maybe) factory."""
        name = self.catalog_name(call.func)
        if name is not None:
            spec = self.catalog.client(name)
            if spec is not None:
                return ClientRef(
                    client=spec.display, inprocess=self._inprocess(call, spec.library.name)
                )
            if name in self.catalog.calls or name.startswith("builtins."):
                return None
        ref = self.ref(call.func)
        if ref is not None:
            return ClientRef(via=ref)
        return None

    def _inprocess(self, call: ast.Call, library: str) -> bool:
        lib = self.catalog.libraries_by_name[library]
        for kw in call.keywords:
            if kw.arg in lib.inprocess_params:
                return True
            if (
                kw.arg == lib.transport_param
                and isinstance(kw.value, ast.Call)
                and self.catalog_name(kw.value.func) in self.catalog.inprocess_transports
            ):
                return True
        return False

    def client_of_expr(self, expr: ast.expr) -> ClientRef | None:
        """What a stored value holds: a build, a factory call, a resource chain of a build."""
        if isinstance(expr, ast.Await):
            expr = expr.value
        if isinstance(expr, ast.Call):
            return self.client_of_call(expr)
        if isinstance(expr, ast.Attribute):
            root: ast.expr = expr
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Call):
                inner = self.client_of_call(root)
                if inner is not None and inner.client is not None:
                    return ClientRef(client=inner.client, resource=True, inprocess=inner.inprocess)
            return None
        if isinstance(expr, ast.Name) and self.fn is not None:
            if expr.id in self.fn.local_builds:
                return self.fn.local_builds[expr.id]
            if expr.id in self.fn.typed:
                return ClientRef(client=self.fn.typed[expr.id], weak=True)
        if isinstance(expr, ast.BoolOp) and isinstance(expr.op, ast.Or):
            return self.client_of_expr(expr.values[-1])
        return None

    def resets(self) -> dict[str, set[int]]:
        if self._resets is None:
            self._resets = _resets(self.tree) if self.tree is not None else {}
        return self._resets

    # -- the walk --------------------------------------------------------------------------

    def run(self, tree: ast.Module) -> ModuleSummary:
        self._collect_module(tree)
        self.tree = tree
        for stmt in tree.body:
            self.in_main_block = _is_main_guard(stmt)
            self._walk(stmt)
        self.in_main_block = False
        self.summary.refs = sorted(self.refs)
        self.summary.unresolved_calls = sorted(self.unresolved)
        self.summary.retry_loops = sorted(self.loop_kinds.get(LoopKind.RETRY, ()))
        self.summary.poll_loops = sorted(self.loop_kinds.get(LoopKind.POLL, ()))
        self.summary.slow_poll_loops = sorted(self.slow_polls)
        self.summary.once_guards = sorted(self.once_guards)
        self.summary.leaving_branches = sorted(self.leaving_branches)
        self.summary.dependencies = sorted(self.dependencies)
        for name in self.commands:
            command = self.summary.functions.get(f"{self.module}.{name}")
            if command is not None and command.occasion is None and not command.exempt:
                command.occasion = CLI_COMMAND
        self.summary.leftover = _leftover_copy(self.filename, tree)
        for name, (func, index) in self.instance_sources.items():
            if name in self.aliases or name in self.top_defs:
                continue
            source = self.resolve(func)
            if source is not None and not source.startswith("builtins."):
                self.summary.instances[name] = source if index is None else f"{source}[{index}]"
        return self.summary

    def _walk(self, node: ast.AST) -> None:
        method = _DISPATCH.get(type(node))
        if method is not None:
            method(self, node)
        else:
            self._children(node)

    def _children(self, node: ast.AST) -> None:
        stack = self.stack
        stack.append(node)
        dispatch = _DISPATCH
        for name in _child_fields(type(node)):
            value = getattr(node, name, None)
            if value is None:
                continue
            if type(value) is list:
                for child in value:
                    if isinstance(child, ast.AST):
                        method = dispatch.get(type(child))
                        if method is not None:
                            method(self, child)
                        else:
                            self._children(child)
            elif isinstance(value, ast.AST):
                method = dispatch.get(type(value))
                if method is not None:
                    method(self, value)
                else:
                    self._children(value)
        stack.pop()

    def _visit_list(self, parent: ast.AST, nodes: Iterable[ast.AST]) -> None:
        self.stack.append(parent)
        for node in nodes:
            self._walk(node)
        self.stack.pop()

    # functions and classes

    def _decorators(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    ) -> list[tuple[ast.expr, str | None]]:
        out = []
        for dec in node.decorator_list:
            target = dec.func if isinstance(dec, ast.Call) else dec
            out.append((target, self.resolve(target)))
        return out

    def _registers_command(self, node: ast.Call) -> bool:
        """`app.command(name="x")(run)` on a click/typer object: registers `run` as a command."""
        rt = self.runtime
        func = node.func
        return (
            isinstance(func, ast.Call)
            and isinstance(func.func, ast.Attribute)
            and func.func.attr in rt.cli_owner_methods
            and bool(
                self._owner_constructors(func.func.value) & set(rt.cli_owners)
                or (isinstance(func.func.value, ast.Name) and func.func.value.id in self.cli_groups)
            )
        )

    def _owner_constructors(self, expr: ast.expr) -> set[str]:
        """The class of the object a decorator is taken from (`app` in `@app.get`): a module
        value built by a call; in a function (routes registered in a method or an app
        factory), a local built by a call, a parameter annotated with the class, or `self.app`
        so built or annotated."""
        found: set[str | None] = set()
        fn = self.fn
        if isinstance(expr, ast.Name):
            value = self.module_values.get(expr.id)
            if isinstance(value, ast.Call):
                found.add(self.resolve(value.func))
            for outer in (fn, *reversed(self.outer_fns)) if fn is not None else ():
                if expr.id in outer.local_types:
                    found.add(outer.local_types[expr.id])
                    break
                if expr.id in outer.params:
                    found.add(self._param_type(outer, expr.id))
                    break
        elif fn is not None and fn.cls is not None and (attr := _self_attr(expr)) is not None:
            found.add(fn.cls.attr_types.get(attr))
        return {name for name in found if name}

    def _param_type(self, fn: _Fn, name: str) -> str | None:
        """The class a parameter's annotation names (`app: FastAPI`)."""
        args = getattr(fn.node, "args", None)
        if not isinstance(args, ast.arguments):
            return None
        for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
            if arg.arg == name and isinstance(arg.annotation, (ast.Name, ast.Attribute)):
                return self.resolve(arg.annotation)
        return None

    def _attr_type(self, fn: _Fn, node: ast.Assign | ast.AnnAssign) -> None:
        """Note the class `self.<attr>` holds, for the route decorators taken from it."""
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        attrs = [a for t in targets if (a := _self_attr(t)) is not None]
        if fn.cls is None or not attrs:
            return
        kind: str | None = None
        if isinstance(node, ast.AnnAssign) and isinstance(
            node.annotation, (ast.Name, ast.Attribute)
        ):
            kind = self.resolve(node.annotation)
        elif isinstance(node.value, ast.Call):
            kind = self.resolve(node.value.func)
        elif isinstance(node.value, ast.Name) and node.value.id in fn.params:
            kind = self._param_type(fn, node.value.id)
        if kind is not None:
            for attr in attrs:
                fn.cls.attr_types[attr] = kind

    def visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer_fn, outer_cls = self.fn, self.cls
        if outer_fn is not None:
            base = f"{outer_fn.summary.qualname}.<locals>"
        elif outer_cls is not None:
            base = outer_cls.summary.qualname
        else:
            base = self.module
        qualname = f"{base}.{node.name}"
        if outer_fn is not None:
            outer_fn.local_defs[node.name] = qualname
            if node.decorator_list:
                outer_fn.escaped_defs.add(node.name)  # a decorator may register it
        kind = (
            FunctionKind.METHOD
            if outer_cls is not None and outer_fn is None
            else FunctionKind.FUNCTION
        )
        summary = FunctionSummary(
            qualname=qualname,
            is_async=isinstance(node, ast.AsyncFunctionDef),
            demo=self.in_main_block,
            occasion=_by_name(self.step_names.kind(node.name)),
        )
        rt = self.runtime
        cached = context = fixture = validator = cli = startup = False
        static = False
        for target, name in self._decorators(node):
            if name in rt.property_decorators or (
                isinstance(target, ast.Name) and target.id in rt.property_decorators
            ):
                kind = FunctionKind.PROPERTY if kind is FunctionKind.METHOD else kind
            if name is not None:
                cached = cached or name in rt.cache_decorators
                context = context or name in rt.context_decorators
                fixture = fixture or name in rt.fixture_decorators
                validator = validator or name in rt.validator_decorators
                cli = cli or name in rt.cli_decorators
                if name in rt.task_decorators:
                    summary.root = Root.TASK
            if isinstance(target, ast.Name) and target.id == "staticmethod":
                static = True
            if isinstance(target, ast.Attribute):
                owners = self._owner_constructors(target.value)
                if target.attr in rt.route_methods and owners & set(rt.route_owners):
                    summary.root = Root.HANDLER
                if target.attr in rt.task_owner_methods and owners & set(rt.task_owners):
                    summary.root = Root.TASK
                if target.attr in rt.startup_hooks and owners & set(rt.route_owners):
                    startup = True  # `@app.on_event("startup")`: once per process
                if target.attr in rt.cli_owner_methods and (
                    owners & set(rt.cli_owners)
                    or (isinstance(target.value, ast.Name) and target.value.id in self.cli_groups)
                ):
                    cli = True
        if kind is FunctionKind.METHOD and static:
            kind = FunctionKind.FUNCTION
        summary.kind = kind
        args = node.args
        all_args = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        summary.params = [a.arg for a in all_args]
        if (
            outer_fn is None
            and outer_cls is None
            and node.name in rt.lambda_handler_names
            and summary.params == list(rt.lambda_handler_params)
        ):
            summary.root = Root.HANDLER
        name = node.name
        cli = cli or any(
            isinstance(default, ast.Call) and self.resolve(default.func) in rt.cli_param_calls
            for default in (*args.defaults, *args.kw_defaults)
            if default is not None
        )
        summary.is_test = self.test_file or name.startswith("test_") or fixture
        startup = startup or "lifespan" in name or name in self.lifespans
        summary.exempt = (
            name in rt.exempt_function_names
            or name.startswith("test_")
            or cached
            or context
            or fixture
            or validator  # a model validator runs once per object, like __init__
            or startup
        )
        # code that runs once per process by what it is (POOL102): a CLI command (its own
        # builds too), start-up code (exempt itself: only what it reaches)
        if cli:
            summary.occasion = CLI_COMMAND
        elif startup:
            summary.occasion = START_UP
        if cli and outer_fn is None and outer_cls is None:
            self.cli_groups.add(name)
        fn = _Fn(summary, node, outer_cls)
        if context:
            fn.context_yields = []
        fn.params = {a.arg for a in all_args} | {a.arg for a in (args.vararg, args.kwarg) if a}
        for arg in all_args:
            if arg.annotation is not None:
                self._dependencies_in(arg.annotation)  # `Annotated[C, Depends(get_c)]`
                client = self._annotation_client(arg.annotation)
                if client is not None:
                    fn.typed[arg.arg] = client
                    summary.annotated[arg.arg] = client
                    self.summary.calls_catalog = True  # a client comes in: streams, requests
        positional = [*args.posonlyargs, *args.args]
        with_defaults = positional[len(positional) - len(args.defaults) :]
        for arg, default in zip(with_defaults, args.defaults, strict=True):
            fn.defaults[arg.arg] = default
        for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if kw_default is not None:
                fn.defaults[arg.arg] = kw_default
        # decorators and defaults run in the enclosing scope
        self._visit_list(node, node.decorator_list)
        self._visit_list(node, [d for d in (*args.defaults, *args.kw_defaults) if d is not None])
        if validator and outer_cls is not None:
            outer_cls.validators.add(qualname)
        saved = self.loop, self.any_loop, self.in_lambda
        if outer_fn is not None:
            self.outer_fns.append(outer_fn)
        self.fn, self.loop, self.any_loop, self.in_lambda = fn, False, False, 0
        self._visit_list(node, node.body)
        self._finish_function(fn, cached)
        if outer_fn is not None:
            self.outer_fns.pop()
        self.fn, self.cls = outer_fn, outer_cls
        self.loop, self.any_loop, self.in_lambda = saved
        self.summary.functions[qualname] = summary
        if outer_cls is not None and outer_fn is None:
            outer_cls.summary.methods.append(name)

    def _finish_function(self, fn: _Fn, cached: bool) -> None:
        summary = fn.summary
        summary.true_flags = {ref: sorted(kws) for ref, kws in fn.true_flags.items() if kws}
        first = fn.return_types[0] if fn.return_types else []
        if any(t is not None for t in first) and all(t == first for t in fn.return_types):
            summary.return_types = [t or "" for t in first]
        for name, chains in fn.captures.items():
            if any(inner in holder.escaped_defs for chain in chains for holder, inner in chain):
                self._stored(fn, name, name in fn.params)  # the closure may outlive the call
        summary.uses = sorted(set(summary.uses))
        summary.calls = list(dict.fromkeys(summary.calls))
        summary.memo_calls = sorted(fn.memo_refs - fn.plain_refs)
        # factory: every value returned is a fresh client, none stored on the way
        fresh: list[ClientRef] = []
        ok = bool(fn.returns) and not fn.has_yield
        given = fn.given_returns
        for value in fn.returns:
            if value is None or (isinstance(value, ast.Constant) and value.value is None):
                continue
            if id(value) in given:
                fn.fallback = True  # `if self.client: return self.client`
                continue
            refs = self._fresh(fn, value)
            if refs is None:
                ok = False
                break
            fresh.extend(refs)
        if not fresh and fn.context_yields:
            # `@asynccontextmanager def session(): async with ClientSession() as s: yield s`:
            # each `with session()` gets a fresh client, as a factory's call does
            yielded = [self._fresh(fn, value) for value in fn.context_yields if value is not None]
            if yielded and all(refs for refs in yielded):
                fresh = [ref for refs in yielded for ref in refs or ()]
                clients = sorted({r.client for r in fresh if r.client})
                if clients and len(fresh) == len([r for r in fresh if r.client]):
                    summary.factory, summary.factory_clients = clients[0], clients
        if ok and fresh and not summary.factory:
            clients = sorted({r.client for r in fresh if r.client})
            vias = [r.via for r in fresh if r.via]
            if cached:
                if len(clients) == 1 and not vias:
                    summary.cached_client = clients[0]
            elif not summary.exempt or summary.kind is FunctionKind.PROPERTY:
                if clients and not vias:
                    summary.factory = clients[0]
                    summary.factory_clients = clients
                    summary.factory_fallback = fn.fallback
                    summary.factory_given = sorted(fn.given_attrs)
                elif not clients and vias:
                    summary.factory_via = sorted(set(vias))
        for param in fn.params:
            if param in ("self", "cls"):
                continue
            if param in fn.param_stores:
                summary.param_use[param] = ParamUse.STORE
        for param, sink in fn.timeout_sinks.items():
            default = fn.defaults.get(param)
            if default is not None and self._none_timeout(default) and param not in fn.rebound:
                summary.timeout_defaults[param] = sink
        body = getattr(fn.node, "body", [])
        summary.ttl_cached = any(self._fresh_cache_guard(stmt) for stmt in body)
        if _memo_guarded(fn, body, self.resets):
            summary.exempt = True  # its body runs once per process, as a cached factory's does
        if fn.kwargs_sink is not None and _only_spread(fn.node):
            summary.kwargs_timeout_sink = fn.kwargs_sink

    def _fresh_cache_guard(self, stmt: ast.stmt) -> bool:
        """`if self._at and time.monotonic() - self._at < TTL: return self._cached`: an early
        return while a clock says the cached value is fresh (what follows runs once per TTL)."""
        if not isinstance(stmt, ast.If) or not any(
            isinstance(s, ast.Return) and s.value is not None for s in stmt.body
        ):
            return False
        clocks = self.runtime.clocks
        return any(
            isinstance(sub, ast.Call) and self.resolve(sub.func) in clocks
            for sub in ast.walk(stmt.test)
        )

    def _none_timeout(self, expr: ast.expr) -> bool:
        if isinstance(expr, ast.Constant) and expr.value is None:
            return True
        if (
            isinstance(expr, ast.Call)
            and self.catalog_name(expr.func) in self.catalog.timeout_classes
        ):
            args = [*expr.args, *(k.value for k in expr.keywords)]
            return bool(args) and all(isinstance(a, ast.Constant) and a.value is None for a in args)
        return False

    def _fresh(self, fn: _Fn, value: ast.expr) -> list[ClientRef] | None:
        """The clients a returned value may be, each built fresh by this call (None: it may
        be something else, or a client kept elsewhere)."""
        if isinstance(value, ast.Await):
            value = value.value
        if isinstance(value, ast.Call):
            ref = self.client_of_call(value)
            return [ref] if ref is not None and not ref.resource else None
        if isinstance(value, ast.Name):
            bound = fn.build_refs.get(value.id)
            if not bound or value.id in fn.stored or fn.assigned.get(value.id, 0) != len(bound):
                return None
            if any(ref is None or ref.resource or ref.weak for ref in bound):
                return None  # a branch binds something else (a client the caller gave)
            return [ref for ref in bound if ref is not None]
        if isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or):
            # `return self.http_client or httpx.Client()`: a new client whenever the first is unset
            fn.fallback = True
            attr = _self_attr(value.values[0])
            if attr is not None:
                fn.given_attrs.add(attr)
            return self._fresh(fn, value.values[-1])
        if isinstance(value, ast.IfExp):
            # `AsyncOpenAI() if use_async else OpenAI()`: either is fresh; a branch that is not
            # a client (None, a shared one) leaves the other branch's
            found = [ref for b in (value.body, value.orelse) for ref in self._fresh(fn, b) or ()]
            return found if any(ref.client for ref in found) else None
        return None

    def visit_class(self, node: ast.ClassDef) -> None:
        outer_fn, outer_cls = self.fn, self.cls
        if outer_fn is not None:
            qualname = f"{outer_fn.summary.qualname}.<locals>.{node.name}"
        elif outer_cls is not None:
            qualname = f"{outer_cls.summary.qualname}.{node.name}"
        else:
            qualname = f"{self.module}.{node.name}"
        bases = [b for b in (self.resolve(base) for base in node.bases) if b]
        summary = ClassSummary(qualname=qualname, bases=bases)
        self.refs.update(bases)
        self._visit_list(node, [*node.decorator_list, *node.bases, *node.keywords])
        cls = _Cls(summary)
        self.fn, self.cls = None, cls
        saved_loop = self.loop, self.any_loop
        self.loop = self.any_loop = False
        self._visit_list(node, node.body)
        self.loop, self.any_loop = saved_loop
        self.fn, self.cls = outer_fn, outer_cls
        summary.closes = sorted(set(summary.closes))
        self.summary.classes[qualname] = summary

    def visit_lambda(self, node: ast.Lambda) -> None:
        # A lambda's body runs later, maybe elsewhere (run_in_executor, callbacks): not this
        # call; what it captures outlives the call.
        saved = self.loop, self.any_loop
        self.in_lambda += 1
        self._children(node)
        self.in_lambda -= 1
        self.loop, self.any_loop = saved

    # loops

    def visit_loop(self, node: ast.For | ast.AsyncFor | ast.While) -> None:
        kind = loop_kind(node, self.resolve, self.runtime.sleeps)
        if kind is not LoopKind.WORK:
            self.loop_kinds.setdefault(kind, set()).add(node.lineno)
        if kind is LoopKind.POLL:
            seconds = poll_sleep_seconds(node, self.resolve, self.runtime.sleeps)
            if seconds is not None and seconds >= self.runtime.slow_poll_seconds:
                self.slow_polls.add(node.lineno)
        head = [node.test] if isinstance(node, ast.While) else [node.target, node.iter]
        self._visit_list(node, head)
        saved = self.loop, self.any_loop
        self.any_loop = True
        # a callee runs per iteration of a loop over work (a polling loop runs as often as the
        # function around it: its callees inherit that function's reasons)
        self.loop = self.loop or kind is LoopKind.WORK
        self.outer_loops.append(saved[0])
        self._visit_list(node, node.body)
        self.outer_loops.pop()
        self.loop, self.any_loop = saved
        self._visit_list(node, node.orelse)

    def visit_comprehension_expr(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
    ) -> None:
        generators = node.generators
        self._visit_list(node, [generators[0].iter])
        saved = self.loop, self.any_loop
        self.loop = self.any_loop = True
        rest: list[ast.AST] = [generators[0].target, *generators[0].ifs]
        for gen in generators[1:]:
            rest.extend([gen.target, gen.iter, *gen.ifs])
        rest.extend([node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt])
        self._visit_list(node, rest)
        self.loop, self.any_loop = saved

    def visit_if(self, node: ast.If) -> None:
        fn = self.fn
        if fn is None:
            self._children(node)
            return
        given = _given_return(node)
        if given is not None:
            fn.given_returns.add(id(given))
            attr = _self_attr(given.func if isinstance(given, ast.Call) else given)
            if attr is not None:
                fn.given_attrs.add(attr)
        if not (self._lazy_init(node) or self._clock_guard(node)):
            if self._process_memo(node, fn):
                self._visit_list(node, [node.test])
                self.memo_depth += 1
                self._visit_list(node, node.body)
                self.memo_depth -= 1
                self._visit_list(node, node.orelse)
                return
            if not self._leaves_loop(node):
                self._children(node)
                return
            # `for ext in exts: if found: ...; break`: once per run of that loop, not per pass
            self.leaving_branches.add(node.lineno)
            self._visit_list(node, [node.test])
            saved = self.loop
            self.loop = self.outer_loops[-1]
            self._visit_list(node, node.body)
            self.loop = saved
            self._visit_list(node, node.orelse)
            return
        # its body runs once (per process, per cache period): not per pass of a loop around it
        self.once_guards.add(node.lineno)
        self._visit_list(node, [node.test])
        saved = self.loop
        self.loop = False
        self._visit_list(node, node.body)
        self.loop = saved
        self._visit_list(node, node.orelse)

    def _process_memo(self, node: ast.If, fn: _Fn) -> bool:
        """`if MODELS is None: MODELS = load()` on a `global` or a class attribute: the body
        runs once per process (unless another function clears the value to load again)."""
        subject = _unset_test_subject(node.test)
        if subject is None:
            return False
        if not process_wide(subject, fn) or not any(assigns(stmt, subject) for stmt in node.body):
            return False
        owner = fn.cls.summary.qualname.rsplit(".", 1)[-1] if fn.cls is not None else ""
        names = {_shape(subject), _shape(subject).replace("cls.", f"{owner}.", 1)}
        cleared = self.resets()
        return not any(cleared.get(name, set()) - {id(fn.node)} for name in names)

    def _leaves_loop(self, node: ast.If) -> bool:
        """A statement of a loop's body whose body ends with `break` or `return`."""
        loop = self.stack[-1] if self.stack and self.outer_loops else None
        return (
            isinstance(loop, (ast.For, ast.AsyncFor, ast.While))
            and any(stmt is node for stmt in loop.body)
            and isinstance(node.body[-1], (ast.Break, ast.Return))
        )

    def _lazy_init(self, node: ast.If) -> bool:
        """`if llm is None: ... llm = ...` (or `if not self.x:`) in a loop: the body sets what
        the test asks for, so later passes skip it."""
        if not self.any_loop:
            return False
        subject = _unset_test_subject(node.test)
        if not isinstance(subject, (ast.Name, ast.Attribute)):
            return False
        wanted = ast.dump(subject, include_attributes=False).replace("Load()", "Store()")
        return any(
            isinstance(sub, (ast.Assign, ast.AnnAssign))
            and any(
                ast.dump(t, include_attributes=False) == wanted
                for t in (sub.targets if isinstance(sub, ast.Assign) else [sub.target])
            )
            for stmt in node.body
            for sub in ast.walk(stmt)
        )

    def _clock_guard(self, node: ast.If) -> bool:
        """`if time.time() - self._fetched_at > ttl:`: a refresh once per time-to-live."""
        clocks = self.runtime.clocks
        return isinstance(node.test, ast.Compare) and any(
            isinstance(sub, ast.Call) and self.resolve(sub.func) in clocks
            for sub in ast.walk(node.test)
        )

    # statements

    def visit_return(self, node: ast.Return) -> None:
        fn = self.fn
        if fn is not None:
            fn.returns.append(node.value)
            value = node.value
            elements = value.elts if isinstance(value, ast.Tuple) else [value]
            fn.return_types.append([self._value_type(fn, e) for e in elements])
        self._children(node)

    def _value_type(self, fn: _Fn, value: ast.expr | None) -> str | None:
        """The class ref a value was built from: `C(...)`, or a local bound to one."""
        if isinstance(value, ast.Call):
            ref = self.resolve(value.func)
            return ref if ref is not None and not ref.startswith("builtins.") else None
        if isinstance(value, ast.Name):
            return fn.local_types.get(value.id)
        return None

    def visit_yield(self, node: ast.Yield | ast.YieldFrom) -> None:
        if self.fn is not None:
            self.fn.has_yield = True
            if self.fn.context_yields is not None and isinstance(node, ast.Yield):
                self.fn.context_yields.append(node.value)
        self._children(node)

    def visit_global(self, node: ast.Global) -> None:
        if self.fn is not None:
            self.fn.global_names.update(node.names)

    def visit_assign(self, node: ast.Assign | ast.AnnAssign) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        value = node.value
        fn, cls = self.fn, self.cls
        ref = None
        if value is not None:
            ref = self.client_of_expr(value)
            for target in targets:
                self._bind(target, ref, value)
        if isinstance(node, ast.AnnAssign) and cls is not None and fn is None:
            self._annotated_attr(node)
        if fn is not None:
            self._attr_type(fn, node)
        self._children(node)

    def _annotation_client(self, annotation: ast.expr) -> str | None:
        """The one client class an annotation names (`httpx.Client`, `Optional[OpenAI]`,
        `OpenAI | None`); None for none or several (`httpx.Client | requests.Session`)."""
        found: set[str] = set()
        for sub in _subtree(annotation):
            if isinstance(sub, (ast.Name, ast.Attribute)):
                name = self.catalog_name(sub)
                spec = self.catalog.client(name) if name else None
                if spec is not None:
                    found.add(spec.display)
        return found.pop() if len(found) == 1 else None

    def _annotated_attr(self, node: ast.AnnAssign) -> None:
        """`session: requests.Session` / `client: Optional[httpx.Client] = None` on a class."""
        cls = self.cls
        if cls is None or not isinstance(node.target, ast.Name):
            return
        client = self._annotation_client(node.annotation)
        if client is not None:
            self._set_attr(cls, node.target.id, ClientRef(client=client), weak=True)

    def _dependencies_in(self, expr: ast.expr) -> None:
        """`Depends(get_client)` anywhere in an annotation (annotations are not walked)."""
        for sub in _subtree(expr):
            if isinstance(sub, ast.Call):
                self._dependency(sub)

    def _dependency(self, call: ast.Call) -> None:
        if not call.args or self.resolve(call.func) not in self.runtime.dependency_markers:
            return
        ref = self.ref(call.args[0])
        if ref is not None and not ref.startswith("builtins."):
            self.dependencies.add(ref)

    def _set_attr(self, cls: _Cls, name: str, ref: ClientRef, weak: bool = False) -> None:
        """An attribute's client; two different clients for one attribute: unknown."""
        attrs = cls.summary.attrs
        old = attrs.get(name)
        if old is None or old.weak:
            attrs[name] = ref
            ref.weak = weak
        elif weak:
            return
        elif (old.client, old.via) != (ref.client, ref.via):
            attrs[name] = ClientRef()  # conflicting: resolves to nothing

    def _bind(self, target: ast.expr, ref: ClientRef | None, value: ast.expr) -> None:
        fn, cls = self.fn, self.cls
        if isinstance(target, ast.Name):
            name = target.id
            if fn is not None:
                fn.assigned[name] = fn.assigned.get(name, 0) + 1
                if name in fn.params:
                    fn.param_stores.add(name)
                    fn.rebound.add(name)
                fn.local_builds.pop(name, None)
                fresh = ref is not None and not ref.resource and name not in fn.global_names
                fn.build_refs.setdefault(name, []).append(ref if fresh else None)
                if ref is not None and not ref.resource:
                    if name in fn.global_names:
                        self.summary.clients[name] = _shared(ref)
                    else:
                        fn.local_builds[name] = ref
                if isinstance(value, ast.Call):
                    cref = self.resolve(value.func)
                    if cref is not None and not cref.startswith("builtins."):
                        fn.local_types[name] = cref
            elif cls is not None:
                factory = self._field_factory(value) if isinstance(value, ast.Call) else None
                if factory is not None:
                    self._set_attr(cls, name, factory)
                elif ref is not None:
                    self._set_attr(cls, name, _shared(ref))
            elif ref is not None:
                self.summary.clients[name] = _shared(ref)
            return
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            owner = target.value.id
            if (
                fn is not None
                and fn.cls is not None
                and owner in ("self", "cls")
                and ref is not None
            ):
                stored = replace(ref)  # (its fields are plain values: no deep copy)
                stored.shared = owner == "cls"
                self._set_attr(fn.cls, target.attr, stored)
                built = value.values[-1] if isinstance(value, ast.BoolOp) else value
                if isinstance(built, ast.Await):
                    built = built.value
                if isinstance(built, ast.Call) and target.attr not in fn.cls.summary.built:
                    fn.cls.summary.built.append(target.attr)  # (not a client it was given)
            return
        if (
            isinstance(target, ast.Subscript)
            and fn is not None
            and fn.cls is not None
            and fn.summary.qualname in fn.cls.validators
            and isinstance(target.value, ast.Name)
            and target.value.id in fn.params
            and isinstance(target.slice, ast.Constant)
            and isinstance(target.slice.value, str)
            and ref is not None
        ):
            # `values["session"] = requests.Session()` in a (root) validator sets a field
            self._set_attr(fn.cls, target.slice.value, replace(ref))

    def _field_factory(self, call: ast.Call) -> ClientRef | None:
        """`Field(default_factory=requests.Session)`."""
        if self.resolve(call.func) not in self.runtime.field_factories:
            return None
        for kw in call.keywords:
            if kw.arg == self.runtime.field_factory_param:
                name = self.catalog_name(kw.value)
                spec = self.catalog.client(name) if name else None
                if spec is not None:
                    return ClientRef(client=spec.display)
                ref = self.ref(kw.value)
                if ref is not None:
                    return ClientRef(via=ref)
        return None

    def visit_with(self, node: ast.With | ast.AsyncWith) -> None:
        fn = self.fn
        for item in node.items:
            expr = item.context_expr
            if fn is not None and isinstance(expr, ast.Name) and expr.id in fn.params:
                fn.summary.param_use.setdefault(expr.id, ParamUse.CLOSE)
            if fn is not None and fn.cls is not None:
                attr = _self_attr(expr)
                if attr is not None:
                    fn.cls.summary.closes.append(attr)
            if fn is not None and isinstance(item.optional_vars, ast.Name):
                ref = self.client_of_expr(expr)
                name = item.optional_vars.id
                fn.assigned[name] = fn.assigned.get(name, 0) + 1
                fn.build_refs.setdefault(name, []).append(ref)
                if ref is not None:
                    fn.local_builds[name] = ref
        self._children(node)

    # expressions

    def visit_call(self, node: ast.Call) -> None:
        fn = self.fn
        catalog = self.catalog
        name = self.catalog_name(node.func)
        if name is None and (dynamic := self._dynamic_catalog_call(node)) is not None:
            name = dynamic  # `getattr(requests, method)(url)`
        if name is not None and (
            name in catalog.clients
            or name in catalog.calls
            or name in catalog.timeout_classes
            or name in catalog.limits_classes
            or name in catalog.sdk_default_http_clients
        ):
            self.summary.calls_catalog = True
            call = catalog.calls.get(name)
            if call is not None and call.implicit and fn is not None:
                fn.summary.requests = True
            if fn is not None:
                self._timeout_sink(fn, node, name)
        elif name is not None and name in self.runtime.loop_runners:
            self.summary.calls_catalog = True  # POOL013 looks at what the new loop runs
            coroutine = node.args[0] if node.args else None
            if isinstance(coroutine, ast.Call):
                entry = self.ref(coroutine.func)
                if entry is not None and not entry.startswith("builtins."):
                    # it runs on a loop of its own
                    starter = fn.summary.qualname if fn is not None else self.module
                    starters = self.summary.loop_starters.setdefault(entry, [])
                    if starter not in starters:
                        starters.append(starter)
            if fn is not None:
                self._children(node)
                return
        elif fn is not None:
            func = node.func
            if isinstance(func, ast.Attribute):
                self._method_call(fn, node)
            instance = self._instance_method(func)
            ref = (
                instance
                or self.instance_call(func)
                or (None if self._module_value_root(func) else self.ref(func))
            )
            if ref is not None and not ref.startswith("builtins."):
                fn.summary.calls.append(CallSite(ref, self.loop))
                (fn.memo_refs if self.memo_depth else fn.plain_refs).add(ref)
            if (ref is None or instance) and isinstance(func, ast.Attribute):
                # (a module-level object's class is only known at the join, maybe not at all)
                self.unresolved.add(func.attr)
        self._dependency(node)
        if fn is not None and fn.cls is not None:
            self._attr_closes(fn.cls, node)
        if fn is None and self.cls is None:
            given = _first_callable(node)
            if given is not None and self._registers_command(node):
                self.commands.add(given)
        if name is not None and fn is None and self.cls is None:
            for kw in node.keywords:
                if kw.arg == "lifespan" and isinstance(kw.value, ast.Name):
                    self.lifespans.add(kw.value.id)
        if fn is not None:
            self._args(
                fn,
                node,
                self.ref(node.func) if name is None or name not in catalog.clients else name,
            )
        self._children(node)

    def _dynamic_catalog_call(self, node: ast.Call) -> str | None:
        """`getattr(requests, method)(url)`: the library's generic request function;
        `sync_to_async(requests.get)(url)`: the function run on a worker thread."""
        func = node.func
        if not isinstance(func, ast.Call) or not func.args:
            return None
        if self.resolve(func.func) in self.runtime.thread_offloaders:
            wrapped = self.catalog_name(func.args[0])
            return wrapped if wrapped in self.catalog.calls else None
        if not (
            isinstance(func.func, ast.Name) and func.func.id == "getattr" and len(func.args) == 2
        ):
            return None
        module = self.catalog_name(func.args[0])
        method = func.args[1]
        literal = method.value if isinstance(method, ast.Constant) else None
        name = f"{module}.{literal if isinstance(literal, str) else 'request'}"
        return name if module is not None and name in self.catalog.calls else None

    def _attr_closes(self, cls: _Cls, node: ast.Call) -> None:
        """`self.c.close()`; `stack.enter_context(self.c)` or `stack.callback(self.c.close)`
        (handed to an owner); `helper(self.c)`: closes it only if the helper does (the join
        decides, through the helper's summary)."""
        closers = self.catalog.closers
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in closers:
            attr = _self_attr(func.value)
            if attr is not None:
                cls.summary.closes.append(attr)
        callee = self.catalog_name(func) or self.ref(func)
        sites: list[tuple[int | str, ast.expr]] = [*enumerate(node.args)]
        sites.extend((k.arg, k.value) for k in node.keywords if k.arg is not None)
        for where, arg in sites:
            attr = _self_attr(arg)
            if attr is not None and callee in self.catalog.use_helpers:
                continue  # `isinstance(self.c, X)`, `aconnect_sse(self.c, ...)`: only used
            if attr is not None and callee is not None and callee not in self.catalog.close_helpers:
                cls.summary.passes.append(AttrPass(attr, callee, where))
                continue
            if attr is None and isinstance(arg, ast.Attribute) and arg.attr in closers:
                attr = _self_attr(arg.value)
            if attr is not None:
                cls.summary.closes.append(attr)

    def _timeout_sink(self, fn: _Fn, node: ast.Call, name: str) -> None:
        spec = self.catalog.client(name)
        call = self.catalog.calls.get(name)
        library = spec.library if spec else call.library if call else None
        kwarg = getattr(fn.node, "args", None)
        kwarg_name = kwarg.kwarg.arg if kwarg is not None and kwarg.kwarg else None
        if (
            call is not None
            and call.library.timeout_required_per_call
            and kwarg_name is not None
            and not any(kw.arg == call.library.timeout_param for kw in node.keywords)
            and any(
                kw.arg is None and isinstance(kw.value, ast.Name) and kw.value.id == kwarg_name
                for kw in node.keywords
            )
        ):
            fn.kwargs_sink = name + "()"
        if library is None or library.timeout_param is None or not library.timeout_none_disables:
            return
        for kw in node.keywords:
            if (
                kw.arg == library.timeout_param
                and isinstance(kw.value, ast.Name)
                and kw.value.id in fn.params
            ):
                fn.timeout_sinks[kw.value.id] = spec.display if spec else name + "()"

    def _instance_method(self, func: ast.expr) -> str | None:
        """`controller.generate(...)` where `controller` is a module-level object: the method,
        as `pkg.mod.controller#generate` (its class is found at the join)."""
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
            return None
        name = func.value.id
        if not self._module_variable(name, self.instance_sources):
            return None
        return member_ref(f"{self.module}.{name}", func.attr)

    def _module_value_root(self, func: ast.expr) -> str | None:
        """`client` in `client.get(...)` when it is a module-level variable (not a local)."""
        root = func
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name) or root is func:
            return None
        name = root.id
        if not self._module_variable(name, self.module_values):
            return None
        return f"{self.module}.{name}"

    def _module_variable(self, name: str, bound: Collection[str]) -> bool:
        """``name`` reads the module-level variable of ``bound``: not an import or a top-level
        def, nor shadowed by the current function's parameter or local."""
        if name not in bound or name in self.aliases or name in self.top_defs:
            return False
        fn = self.fn
        return not (
            fn is not None
            and name not in fn.global_names
            and (name in fn.params or name in fn.assigned)
        )

    def _method_call(self, fn: _Fn, node: ast.Call) -> None:
        """`client.get(...)`, `self.client.post(...)`: remember which client is used."""
        func = node.func
        root: ast.expr = func
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name):
            ref = self._module_value_root(func) or self.resolve(root)
            if ref is not None and not ref.startswith("builtins."):
                fn.summary.uses.append(ref)
                return
            if (
                fn.cls is not None
                and root.id in ("self", "cls")
                and isinstance(func, ast.Attribute)
            ):
                chain = _dotted(func)
                if chain and len(chain) >= 3:
                    fn.summary.uses.append(member_ref(fn.cls.summary.qualname, chain[1]))
        elif isinstance(root, ast.Call):
            ref = self.ref(root.func)
            if ref is not None and not ref.startswith("builtins."):
                fn.summary.uses.append(ref)

    def _args(self, fn: _Fn, node: ast.Call, callee: str | None) -> None:
        """Parameters (and local builds) passed on: forwarded to a callee, or stored."""
        close_helper = callee in self.catalog.close_helpers if callee else False
        use_helper = callee in self.catalog.use_helpers if callee else False
        if callee is not None:
            passed = {
                kw.arg
                for kw in node.keywords
                if kw.arg and isinstance(kw.value, ast.Constant) and kw.value.value is True
            }
            known = fn.true_flags.get(callee)
            fn.true_flags[callee] = passed if known is None else known & passed
        for index, arg in enumerate(node.args):
            if isinstance(arg, ast.Name):
                self._passed(fn, arg.id, callee, index, close_helper, use_helper)
        for kw in node.keywords:
            if isinstance(kw.value, ast.Name):
                self._passed(fn, kw.value.id, callee, kw.arg, close_helper, use_helper)

    def _passed(
        self,
        fn: _Fn,
        name: str,
        callee: str | None,
        where: int | str | None,
        close: bool,
        use: bool,
    ) -> None:
        if name in fn.local_builds and not (use or close):
            fn.stored.add(name)
        if name not in fn.params or name in ("self", "cls"):
            return
        if close:
            fn.summary.param_use.setdefault(name, ParamUse.CLOSE)
        elif use:
            fn.summary.param_use.setdefault(name, ParamUse.USE)
        elif (
            callee is not None
            and where is not None
            and callee.split(".", 1)[0] not in self.catalog.http_library_modules
        ):
            fn.summary.param_forward.setdefault(name, []).append(ArgSite(callee, where))
        else:
            fn.param_stores.add(name)

    def visit_name(self, node: ast.Name) -> None:
        fn = self.fn
        if fn is None or not isinstance(node.ctx, ast.Load):
            return
        name = node.id
        if fn.local_defs or self.outer_fns:
            self._local_def_used(fn, node)
        is_param = name in fn.params
        if not is_param and name not in fn.local_builds:
            if self.outer_fns and name not in fn.assigned:
                self._captured(name, self.in_lambda > 0 or self._load_stores(node))
            return
        if self.in_lambda:
            self._stored(fn, name, is_param)  # captured by a lambda: it outlives the call
            return
        if self._load_stores(node):
            self._stored(fn, name, is_param)

    def _local_def_used(self, fn: _Fn, node: ast.Name) -> None:
        """A nested `def` named other than as a call's callee (returned, stored, passed as a
        callback): what it captures may outlive the call."""
        for holder in (fn, *reversed(self.outer_fns)):
            if node.id in holder.local_defs:
                parent = self.stack[-1] if self.stack else None
                if not (isinstance(parent, ast.Call) and parent.func is node):
                    holder.escaped_defs.add(node.id)
                return
            if node.id in holder.assigned or node.id in holder.params:
                return

    def _load_stores(self, node: ast.Name) -> bool:
        """Whether this read of a client keeps it beyond the call (True), or only uses it:
        calls a method on it, tests it, gives it to a call (classified in `_args`)."""
        fn = self.fn
        assert fn is not None
        name = node.id
        is_param = name in fn.params
        parent = self.stack[-1] if self.stack else None
        if isinstance(parent, ast.Attribute):
            top: ast.AST = parent
            depth = len(self.stack) - 1
            while depth > 0 and isinstance(self.stack[depth - 1], ast.Attribute):
                depth -= 1
                top = self.stack[depth]
            holder = self.stack[depth - 1] if depth > 0 else None
            if isinstance(holder, ast.Call) and holder.func is top:
                if (
                    is_param
                    and isinstance(top, ast.Attribute)
                    and top is parent
                    and parent.attr in self.catalog.closers
                ):
                    fn.summary.param_use.setdefault(name, ParamUse.CLOSE)
                return False
            return isinstance(holder, (ast.Assign, ast.AnnAssign, ast.Return, ast.keyword)) or (
                isinstance(holder, ast.Call) and holder.func is not top
            )
        if isinstance(parent, (ast.Call, ast.keyword, ast.withitem, ast.Compare)):
            # arguments are classified in _args (a closure's: kept); `with p:`; `p is None`
            return (
                isinstance(parent, (ast.Call, ast.keyword))
                and name not in fn.params
                and (name not in fn.local_builds)
            )
        if isinstance(parent, (ast.If, ast.While, ast.UnaryOp, ast.Assert, ast.IfExp)) and not (
            isinstance(parent, ast.IfExp) and parent.test is not node
        ):
            return False  # `if client:` tests it, nothing more
        if isinstance(parent, ast.Yield) and not is_param and fn.context_yields is not None:
            # what a context manager gives its `with`: decided in _finish_function
            return name not in fn.local_builds
        # returning the local build: a factory, decided in _finish_function
        return not (isinstance(parent, ast.Return) and not is_param and name in fn.local_builds)

    def _captured(self, name: str, stores: bool) -> None:
        """A name of an enclosing function read in a nested one (a closure): kept beyond the
        call when the read keeps it (``stores``), else a use pending on the nested defs."""
        fns = [*self.outer_fns, self.fn]
        for index in range(len(fns) - 2, -1, -1):
            outer = fns[index]
            assert outer is not None
            if name in outer.params or name in outer.local_builds:
                if stores:
                    self._stored(outer, name, name in outer.params)
                    return
                chain = []
                for depth in range(index, len(fns) - 1):
                    holder, inner = fns[depth], fns[depth + 1]
                    assert holder is not None and inner is not None
                    chain.append((holder, getattr(inner.node, "name", "")))
                outer.captures.setdefault(name, []).append(chain)
                return
            if name in outer.assigned:
                return

    def _stored(self, fn: _Fn, name: str, is_param: bool) -> None:
        if is_param:
            fn.param_stores.add(name)
        else:
            fn.stored.add(name)


def _is_main_guard(stmt: ast.stmt) -> bool:
    """`if __name__ == "__main__":`"""
    test = stmt.test if isinstance(stmt, ast.If) else None
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )


def _unset_test_subject(test: ast.expr) -> ast.expr | None:
    """What `if not x:` or `if x is None:` asks about, else None."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return test.operand
    return _compared_with_none(test, ast.Is)


def _compared_with_none(test: ast.expr, op: type[ast.cmpop]) -> ast.expr | None:
    """``x`` of `x is None` (``op`` ast.Is) or `x is not None` (ast.IsNot)."""
    if (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], op)
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value is None
    ):
        return test.left
    return None


def _given_return(node: ast.If) -> ast.expr | None:
    """The returned value that gives back what the guard found set: `if self.client:
    return self.client`, `if factory is not None: return factory()` (the caller's or the
    object's client, or what its own factory makes). A function whose other returns build a
    fresh client builds one whenever none is set, as `return self.client or OpenAI()` does."""
    if len(node.body) != 1:
        return None
    ret = node.body[0]
    if not isinstance(ret, ast.Return) or ret.value is None:
        return None
    test = _compared_with_none(node.test, ast.IsNot) or node.test
    if not isinstance(test, (ast.Name, ast.Attribute)):
        return None
    value = ret.value.func if isinstance(ret.value, ast.Call) else ret.value
    return ret.value if ast.dump(value) == ast.dump(test) else None


_ALL_FIELDS: dict[type, tuple[str, ...]] = {}  # what may hold nodes: all but the context


def _subtree(root: ast.AST) -> list[ast.AST]:
    """``root`` and every node below it but contexts (what ``ast.walk`` yields, in another
    order), without ast.walk's generators: most annotations are a name or two."""
    kind = type(root)
    if kind is ast.Name or kind is ast.Constant:
        return [root]
    found: list[ast.AST] = []
    stack = [root]
    while stack:
        node = stack.pop()
        found.append(node)
        kind = type(node)
        names = _ALL_FIELDS.get(kind)
        if names is None:
            names = _ALL_FIELDS[kind] = tuple(f for f in kind._fields if f != "ctx")
        for name in names:
            value = getattr(node, name, None)
            if type(value) is list:
                stack.extend(child for child in value if isinstance(child, ast.AST))
            elif isinstance(value, ast.AST):
                stack.append(value)
    return found


def _only_spread(function: ast.AST) -> bool:
    """The function's `**kwargs` is only ever spread into calls (never read, changed or
    passed as a whole): a `timeout` in it can only come from the caller."""
    args = getattr(function, "args", None)
    name = args.kwarg.arg if args is not None and args.kwarg else None
    spread: set[int] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.keyword) and node.arg is None and isinstance(node.value, ast.Name):
            spread.add(id(node.value))
    return all(
        id(node) in spread
        for node in ast.walk(function)
        if isinstance(node, ast.Name) and node.id == name
    )


def _shared(ref: ClientRef) -> ClientRef:
    return replace(ref, shared=True)


def _memo_guarded(fn: _Fn, body: list[ast.stmt], resets: Callable[[], dict[str, set[int]]]) -> bool:
    """`global _done; if _done: return; ...; _done = True` (or `cls._loaded`): the function
    returns at once when a process-wide flag it sets itself is set, so its body runs once --
    unless another function clears the flag (`_done = None` to force a reload)."""
    leading = [s for s in body if not isinstance(s, ast.Global) and not _is_docstring(s)][:2]
    for stmt in leading:
        if not (
            isinstance(stmt, ast.If)
            and not stmt.orelse
            and any(isinstance(s, ast.Return) for s in stmt.body)
        ):
            continue
        flag = stmt.test
        if isinstance(flag, ast.Compare) and isinstance(flag.ops[0], ast.IsNot):
            flag = flag.left  # `if _client is not None: return _client`
        if process_wide(flag, fn) and assigns(fn.node, flag):
            owner = fn.cls.summary.qualname.rsplit(".", 1)[-1] if fn.cls is not None else ""
            names = {_shape(flag), _shape(flag).replace("cls.", f"{owner}.", 1)}
            cleared = resets()
            return not any(cleared.get(name, set()) - {id(fn.node)} for name in names)
    return False


def _resets(tree: ast.Module) -> dict[str, set[int]]:
    """Where functions clear a value (`x = None`, `cls.models = []`): by the value's dotted
    name, the ids of the functions doing it."""
    found: dict[str, set[int]] = {}
    # one walk, each node with the functions around it (an assignment in a nested function
    # clears the value for the functions enclosing it too)
    stack: list[tuple[ast.AST, tuple[int, ...]]] = [(tree, ())]
    while stack:
        node, around = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            around = (*around, id(node))
        elif around and isinstance(node, ast.Assign) and _falsy(node.value):
            for target in node.targets:
                found.setdefault(_shape(target), set()).update(around)
        stack.extend((child, around) for child in ast.iter_child_nodes(node))
    return found


def _falsy(value: ast.expr) -> bool:
    if isinstance(value, ast.Constant):
        return not value.value
    return isinstance(value, (ast.List, ast.Dict, ast.Tuple)) and not (
        value.elts if isinstance(value, (ast.List, ast.Tuple)) else value.keys
    )


def process_wide(flag: ast.expr, fn: _Fn) -> bool:
    """A name the function declares `global`, or an attribute of its class (`cls.x`)."""
    if isinstance(flag, ast.Name):
        return flag.id in fn.global_names
    return (
        isinstance(flag, ast.Attribute)
        and isinstance(flag.value, ast.Name)
        and (
            (flag.value.id == "cls" and fn.summary.kind is not FunctionKind.FUNCTION)
            or (fn.cls is not None and flag.value.id == fn.cls.summary.qualname.rsplit(".", 1)[-1])
        )
    )


def assigns(scope: ast.AST, target: ast.expr) -> bool:
    """Whether anything in ``scope`` assigns ``target`` (`x = ...`, `cls.x: T = ...`, `x += 1`)."""
    wanted = _shape(target)
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        else:
            continue
        if any(_shape(t) == wanted for t in targets):
            return True
    return False


def _shape(expr: ast.expr) -> str:
    return ".".join(_dotted(expr) or ["<?>"])


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)


def _self_attr(expr: ast.expr) -> str | None:
    if (
        isinstance(expr, ast.Attribute)
        and isinstance(expr.value, ast.Name)
        and expr.value.id in ("self", "cls")
    ):
        return expr.attr
    return None


# Fields never walked: contexts and operators hold no names; annotations are read where they
# matter (parameters, class fields), and they are a large part of typed SDK code.
_SKIPPED_FIELDS = frozenset({"ctx", "op", "annotation", "returns", "type_comment", "type_params"})


_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(cls: type) -> tuple[str, ...]:
    fields = _CHILD_FIELDS.get(cls)
    if fields is None:
        fields = _CHILD_FIELDS[cls] = tuple(
            f for f in getattr(cls, "_fields", ()) if f not in _SKIPPED_FIELDS
        )
    return fields


_DISPATCH: dict[type, Any] = {
    ast.FunctionDef: Summarizer.visit_function,
    ast.AsyncFunctionDef: Summarizer.visit_function,
    ast.ClassDef: Summarizer.visit_class,
    ast.Lambda: Summarizer.visit_lambda,
    ast.For: Summarizer.visit_loop,
    ast.AsyncFor: Summarizer.visit_loop,
    ast.While: Summarizer.visit_loop,
    ast.ListComp: Summarizer.visit_comprehension_expr,
    ast.SetComp: Summarizer.visit_comprehension_expr,
    ast.GeneratorExp: Summarizer.visit_comprehension_expr,
    ast.DictComp: Summarizer.visit_comprehension_expr,
    ast.If: Summarizer.visit_if,
    ast.Return: Summarizer.visit_return,
    ast.Yield: Summarizer.visit_yield,
    ast.YieldFrom: Summarizer.visit_yield,
    ast.Global: Summarizer.visit_global,
    ast.Assign: Summarizer.visit_assign,
    ast.AnnAssign: Summarizer.visit_assign,
    ast.With: Summarizer.visit_with,
    ast.AsyncWith: Summarizer.visit_with,
    ast.Call: Summarizer.visit_call,
    ast.Name: Summarizer.visit_name,
    ast.Import: Summarizer.visit_import,
    ast.ImportFrom: Summarizer.visit_import,
    ast.Constant: lambda self, node: None,
}


def summarize(
    tree: ast.Module,
    catalog: Catalog,
    filename: str,
    module: str | None = None,
    is_package: bool | None = None,
) -> ModuleSummary:
    """Phase one for one file (its ast already parsed)."""
    if module is None or is_package is None:
        module, is_package = module_name_for(filename)
    summarizer = Summarizer(catalog, module, is_package, filename)
    return summarizer.run(tree)


# -- the join ----------------------------------------------------------------------------------


@dataclass(slots=True)
class FunctionFacts:
    """What a rule may know about one function, resolved across the project."""

    qualname: str
    is_async: bool = False
    kind: FunctionKind = FunctionKind.FUNCTION
    params: list[str] = field(default_factory=list)
    factory: str | None = None
    factory_clients: list[str] = field(default_factory=list)  # every class it may return
    factory_fallback: bool = False  # a new one only when none is given or set
    always_true: list[str] = field(default_factory=list)  # flags every caller passes as True
    param_use: dict[str, ParamUse] = field(default_factory=dict)
    annotated: dict[str, str] = field(default_factory=dict)  # param -> the client it declares
    timeout_defaults: dict[str, str] = field(default_factory=dict)
    kwargs_timeout_sink: str | None = None  # the request its `**kwargs` reach (timeout: caller's)
    shared_async: str | None = None  # a shared async client it (or what it awaits) uses
    root: Root | None = None
    exempt: bool = False
    is_test: bool = False
    ttl_cached: bool = False  # its work runs once per time-to-live, not per call
    own_loop: bool = False  # started by `asyncio.run(...)`: a client per loop is required
    per_request: str | None = None  # why it runs per request (called from a handler/loop...)
    once: bool = False  # only called (in the tree) from functions that run once: __init__, main
    # why it runs now and then, when nothing shows it runs per request: "an account step (its
    # name says so)", "called only from `login`, an account step (...)" (POOL102's evidence)
    occasional: str | None = None


@dataclass(slots=True)
class ModuleView:
    """The joined facts one module's rules read. Its fingerprint keys the module's findings."""

    module: str
    functions: dict[str, FunctionFacts] = field(default_factory=dict)
    methods: dict[str, str] = field(default_factory=dict)  # member_ref(C, m) -> function qualname
    attrs: dict[str, ClientRef] = field(default_factory=dict)  # member_ref(C, attr) -> client
    class_closes: dict[str, list[str]] = field(default_factory=dict)  # class -> attrs closed
    clients: dict[str, ClientRef] = field(default_factory=dict)  # module-level clients by ref
    aliases: dict[str, str] = field(default_factory=dict)  # ref as spelled -> canonical
    retry_loops: list[int] = field(default_factory=list)  # first lines of retry loops
    poll_loops: list[int] = field(default_factory=list)  # first lines of polling loops
    slow_poll_loops: list[int] = field(default_factory=list)  # those sleeping >= 1 s a pass
    once_guards: list[int] = field(default_factory=list)  # first lines of run-once `if`s
    leaving_branches: list[int] = field(default_factory=list)  # `if ...: ...; break` in loops
    hot_classes: list[str] = field(default_factory=list)  # client/provider classes of the module
    tool_classes: list[str] = field(default_factory=list)  # agent tools: called now and then
    leftover: bool = False  # a leftover copy nothing runs (`client.backup.py`)
    # a hot class held by another (a sub-resource) -> the client/provider class that holds it
    hot_holders: dict[str, str] = field(default_factory=dict)

    def fingerprint(self) -> str:
        # the JSON of asdict(self), without asdict's deep copy of every value
        raw = json.dumps(self, default=_as_dict, sort_keys=True, separators=(",", ":"))
        return hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()

    def canonical(self, ref: str) -> str:
        return self.aliases.get(ref, ref)

    def function(self, ref: str) -> FunctionFacts | None:
        ref = self.canonical(ref)
        if split_member(ref) is not None:
            target = self.methods.get(ref)
            return self.functions.get(target) if target else None
        return self.functions.get(ref)

    def attr(self, cls: str, name: str) -> ClientRef | None:
        return self.attrs.get(member_ref(cls, name))

    def client(self, ref: str) -> ClientRef | None:
        return self.clients.get(self.canonical(ref))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _as_dict(value: object) -> dict[str, Any]:
    """A dataclass's fields by name, for ``json.dumps(default=...)`` (what asdict gives)."""
    kind = type(value)
    names = _FIELD_NAMES.get(kind)
    if names is None:
        if not is_dataclass(value):
            raise TypeError(f"{kind.__name__} is not JSON serializable")
        names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(value))
    return {name: getattr(value, name) for name in names}


class ProjectIndex:
    """Every module's summary, joined by qualified name."""

    MAX_DEPTH = 8

    def __init__(self, summaries: Iterable[ModuleSummary], catalog: Catalog) -> None:
        self.catalog = catalog
        self.modules: dict[str, ModuleSummary] = {}
        duplicates: set[str] = set()
        for summary in summaries:
            if summary.module in self.modules:
                duplicates.add(summary.module)
            self.modules[summary.module] = summary
        for name in duplicates:  # two files claim one module name: nothing there is resolved
            del self.modules[name]
        self.functions: dict[str, FunctionSummary] = {}
        self.classes: dict[str, ClassSummary] = {}
        self.clients: dict[str, ClientRef] = {}
        for summary in self.modules.values():
            self.functions.update(summary.functions)
            self.classes.update(summary.classes)
            for name, ref in summary.clients.items():
                self.clients[f"{summary.module}.{name}"] = ref
        self._resolved: dict[str, str | None] = {}
        self._factory: dict[str, tuple[str, ...]] = {}
        self._roots: dict[str, Root] | None = None
        self._loop_entries: set[str] | None = None
        self._per_request: dict[str, str] | None = None
        self._strong: dict[str, str] | None = None
        self._flags: dict[str, set[str]] | None = None
        self._nested: dict[str, list[str]] | None = None
        self._once: set[str] | None = None
        self._occasional: dict[str, str] | None = None
        self._reach: dict[str, tuple[str, str]] | None = None
        self._shared: dict[str, str | None] = {}
        self._hot: dict[str, str] | None = None
        self._tools: set[str] = set()  # filled with _hot

    # resolution

    def resolve(self, ref: str) -> str | None:
        """The canonical qualname of a function, class, method ("C#m") or module-level client."""
        if ref in self._resolved:
            return self._resolved[ref]
        self._resolved[ref] = None  # cycles
        result = self._resolve(ref, 0)
        self._resolved[ref] = result
        return result

    def _resolve(self, ref: str, depth: int) -> str | None:
        if depth > self.MAX_DEPTH:
            return None
        member_of = split_member(ref)
        if member_of is not None:
            owner, member = member_of
            cls = self._resolve(owner, depth + 1)
            if cls is None:
                cls = self._instance_class(owner, depth + 1)
            if cls is None or cls not in self.classes:
                return None
            found = self._mro_lookup(cls, member, set())
            return found
        if ref in self.functions or ref in self.classes or ref in self.clients:
            return ref
        # a re-export: `pkg.get_session` where pkg/__init__.py does `from .http import get_session`
        parts = ref.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            summary = self.modules.get(module)
            if summary is None:
                continue
            target = summary.exports.get(parts[cut])
            if target is None or target == ref:
                return None
            return self._resolve(".".join([target, *parts[cut + 1 :]]), depth + 1)
        return None

    def _instance_class(self, ref: str, depth: int) -> str | None:
        """The class of a module-level object (`pkg.mod.controller`): what built it, or the
        class the function it came from returns at its tuple index."""
        module, _, name = ref.rpartition(".")
        summary = self.modules.get(module)
        source = summary.instances.get(name) if summary is not None else None
        if source is None:
            return None
        index = None
        if source.endswith("]"):
            source, _, position = source[:-1].rpartition("[")
            index = int(position)
        target = self._resolve(source, depth + 1)
        if target is None:
            return None
        if target in self.classes:
            return target if index is None else None
        fn = self.functions.get(target)
        if fn is None or not fn.return_types:
            return None
        if index is None:
            found = fn.return_types[0] if len(fn.return_types) == 1 else None
        else:
            found = fn.return_types[index] if index < len(fn.return_types) else None
        return self._resolve(found, depth + 1) if found else None

    def _mro_lookup(self, cls: str, member: str, seen: set[str]) -> str | None:
        if cls in seen or len(seen) > self.MAX_DEPTH:
            return None
        seen.add(cls)
        summary = self.classes.get(cls)
        if summary is None:
            return None
        if member in summary.methods:
            return f"{cls}.{member}"
        if f"{cls}.{member}" in self.classes:
            return f"{cls}.{member}"  # a nested class: `self.Transcriptions(...)`
        for base in summary.bases:
            resolved = self.resolve(base)
            if resolved is not None and resolved in self.classes:
                found = self._mro_lookup(resolved, member, seen)
                if found is not None:
                    return found
        return None

    def attr(self, cls: str, name: str, seen: set[str] | None = None) -> ClientRef | None:
        seen = seen if seen is not None else set()
        if cls in seen or len(seen) > self.MAX_DEPTH:
            return None
        seen.add(cls)
        summary = self.classes.get(cls)
        if summary is None:
            return None
        ref = summary.attrs.get(name)
        if ref is not None:
            return self._client_ref(ref)
        for base in summary.bases:
            resolved = self.resolve(base)
            if resolved is not None and resolved in self.classes:
                found = self.attr(resolved, name, seen)
                if found is not None:
                    return found
        return None

    def all_attrs(self, cls: str) -> dict[str, ClientRef]:
        out: dict[str, ClientRef] = {}
        chain = self._mro(cls)
        for name in reversed(chain):
            for attr in self.classes[name].attrs:
                ref = self.attr(cls, attr)
                if ref is not None:
                    out[attr] = ref
        return out

    def _mro(self, cls: str) -> list[str]:
        out: list[str] = []
        todo = [cls]
        while todo and len(out) <= self.MAX_DEPTH:
            current = todo.pop(0)
            if current in out or current not in self.classes:
                continue
            out.append(current)
            for base in self.classes[current].bases:
                resolved = self.resolve(base)
                if resolved is not None:
                    todo.append(resolved)
        return out

    def _client_ref(self, ref: ClientRef) -> ClientRef | None:
        if ref.client is not None:
            return ref
        if ref.via is None:
            return None
        target = self.resolve(ref.via)
        if target is None:
            return None
        if target in self.classes:
            return None
        client = self.factory(target)
        if client is None:
            fn = self.functions.get(target)
            client = fn.cached_client if fn is not None else None
            if client is None:
                return None
            return ClientRef(client=client, resource=ref.resource, shared=True)
        return ClientRef(client=client, resource=ref.resource, shared=ref.shared)

    def factory(self, qualname: str) -> str | None:
        """The client class a factory returns (the first of several: `factory_clients`)."""
        clients = self.factory_clients(qualname)
        return clients[0] if clients else None

    def factory_clients(self, qualname: str, depth: int = 0) -> tuple[str, ...]:
        if qualname in self._factory:
            return self._factory[qualname]
        self._factory[qualname] = ()
        fn = self.functions.get(qualname)
        result: tuple[str, ...] = ()
        if fn is not None and depth < self.MAX_DEPTH:
            if fn.factory is not None and not self._given_set(qualname, fn.factory_given):
                result = tuple(fn.factory_clients or [fn.factory])
            elif fn.factory_via:
                found: set[str] = set()
                for via in fn.factory_via:
                    target = self.resolve(via)
                    clients = self.factory_clients(target, depth + 1) if target else ()
                    if not clients:
                        found.clear()
                        break
                    found.update(clients)
                result = tuple(sorted(found))
        self._factory[qualname] = result
        return result

    def param_use(self, qualname: str, param: str, depth: int = 0) -> ParamUse | None:
        """What a function does with a client given as ``param`` (None: stores it, or unknown)."""
        fn = self.functions.get(qualname)
        if fn is None or depth > self.MAX_DEPTH:
            return None
        local = fn.param_use.get(param)
        if local is ParamUse.STORE:
            return None
        outcome = local or ParamUse.USE
        for callee, where in fn.param_forward.get(param, []):
            use = self._use_by(callee, where, depth + 1)
            if use is None:
                return None
            if use is ParamUse.CLOSE:
                outcome = ParamUse.CLOSE
        return outcome

    def _use_by(self, callee: str, where: int | str, depth: int = 0) -> ParamUse | None:
        """What ``callee`` does with the argument at ``where``."""
        if callee in self.catalog.use_helpers:
            return ParamUse.USE
        if callee in self.catalog.close_helpers:
            return ParamUse.CLOSE
        target = self.resolve(callee)
        if target is None or target not in self.functions:
            return None
        name = self._param_name(target, where)
        return self.param_use(target, name, depth) if name else None

    def _param_name(self, qualname: str, where: int | str) -> str | None:
        fn = self.functions[qualname]
        if isinstance(where, str):
            return where if where in fn.params else None
        params = fn.params
        if fn.kind is not FunctionKind.FUNCTION and params and params[0] in ("self", "cls"):
            params = params[1:]
        return params[where] if where < len(params) else None

    # roots, loops of their own, client classes

    def roots(self) -> dict[str, Root]:
        """Functions that run per request by themselves: handlers, tasks, and the functions
        given to `Depends(...)` anywhere in the tree."""
        if self._roots is None:
            roots = {q: fn.root for q, fn in self.functions.items() if fn.root is not None}
            for summary in self.modules.values():
                for ref in summary.dependencies:
                    target = self.resolve(ref)
                    if target in self.functions and not self.functions[target].exempt:
                        roots.setdefault(target, Root.DEPENDENCY)
            self._roots = roots
        return self._roots

    def loop_entries(self) -> set[str]:
        """Coroutines that only `asyncio.run(...)` starts: each run is a loop of its own. One
        also awaited by another function (or called on a receiver we cannot resolve, by its
        name) runs on that caller's loop too."""
        if self._loop_entries is None:
            starters: dict[str, set[str]] = {}
            for summary in self.modules.values():
                for ref, callers in summary.loop_starters.items():
                    target = self.resolve(ref)
                    if target is not None:
                        starters.setdefault(target, set()).update(callers)
            unseen = {name for m in self.modules.values() for name in m.unresolved_calls}
            other_callers = {
                target
                for qualname, fn in self.functions.items()
                for ref, _ in fn.calls
                if (target := self.resolve(ref)) in starters and qualname not in starters[target]
            }
            self._loop_entries = {
                target
                for target in starters
                if target not in other_callers and _short(target) not in unseen
            }
        return self._loop_entries

    def hot_classes(self) -> dict[str, str]:
        """Client or provider classes (by their name or a base's, resolved or not), and the
        sub-resources they hold (`self.audio = Audio(...)`, as an SDK client holds
        `client.audio.transcriptions`): their methods are their hot path. Each maps to the
        client/provider class whose hot path it is (itself, or the class holding it)."""
        if self._hot is not None:
            return self._hot
        runtime = self.catalog.runtime
        hot_suffixes, tool_suffixes = runtime.hot_path_class_suffixes, runtime.tool_class_suffixes
        hot: dict[str, str] = {}
        held: dict[str, set[str]] = {}  # holder class -> the classes of what it keeps on self
        for cls, summary in self.classes.items():
            names = [name.rsplit(".", 1)[-1] for name in self._mro(cls)]
            for name in self._mro(cls):
                names.extend(base.rsplit(".", 1)[-1] for base in self.classes[name].bases)
            # the most specific name that says anything decides: a tool is not a hot path
            decisive = next(
                (n for n in names if n.endswith(tool_suffixes) or n.endswith(hot_suffixes)), ""
            )
            if decisive.endswith(tool_suffixes):
                self._tools.add(cls)
            elif decisive:
                hot[cls] = cls
            for ref in summary.attrs.values():
                target = self.resolve(ref.via) if ref.via and not ref.resource else None
                if target is not None and target in self.classes:
                    held.setdefault(cls, set()).add(target)
        queue = deque(hot)
        while queue:
            holder = queue.popleft()
            for target in held.get(holder, ()):
                if target not in hot:
                    hot[target] = hot[holder]
                    queue.append(target)
        self._hot = hot
        return hot

    def class_closes(self, cls: str) -> set[str]:
        """The attributes some method of the class (or a base in the tree) closes, enters with
        `with`, or hands to something that may close or keep it."""
        closes: set[str] = set()
        for name in self._mro(cls):
            summary = self.classes[name]
            closes.update(summary.closes)
            for attr, callee, where in summary.passes:
                if attr not in closes and self._use_by(callee, where) is not ParamUse.USE:
                    closes.add(attr)
        return closes

    # per request

    def per_request(self) -> dict[str, str]:
        """Why each function runs per request: reached from a root (handler, task, dependency)
        or from a call made in a loop; else, weaker, from a method of a client/provider class
        (its hot path goes on in what it calls) unless everything calling it runs once. The
        reason names the caller and where the chain starts."""
        if self._per_request is not None:
            return self._per_request
        reasons = dict(self._strong_per_request())
        once = self.once()
        hot = self.hot_classes()
        seeds: list[tuple[str, str, str, bool]] = []
        for cls, holder in hot.items():
            for method in self.classes[cls].methods:
                qualname = f"{cls}.{method}"
                hot_fn = self.functions.get(qualname)
                if (
                    hot_fn is None
                    or hot_fn.exempt
                    or hot_fn.occasion
                    or qualname in once
                    or sets_up(method, self.catalog.runtime.setup_method_words)
                ):
                    # (a provider's model listing, token refresh or `connect` is not its hot path)
                    continue
                start = f"the client/provider method `{_short(cls)}.{method}`"
                if holder != cls:
                    start = f"`{_short(cls)}.{method}` (of a resource `{_short(holder)}` holds)"
                for ref in _per_call_refs(hot_fn):
                    target = self._runs_by_call(ref)
                    if target is not None and self._class_of(target) not in hot:
                        seeds.append((target, f"called from {start}", start, False))
        self._per_request = self._propagate(seeds, reasons, once)
        return self._per_request

    def _strong_per_request(self) -> dict[str, str]:
        """`per_request` from handlers, tasks, dependencies and loops only."""
        if self._strong is not None:
            return self._strong
        roots = self.roots()
        # Seeds: (function, why, where the chain starts, whether that is a loop): handlers
        # first, then loops; each chain is followed breadth first, so a reason names the
        # nearest start, and a callee several calls away still says where the loop is.
        seeds: list[tuple[str, str, str, bool]] = []
        nested = self._nested_defs()
        for qualname, root in roots.items():
            if self.functions[qualname].occasion:
                continue  # a handler that is an account step runs per account action
            start = f"the {_ROOT_WORDS[root]} `{_short(qualname)}`"
            for ref in _per_call_refs(self.functions[qualname]):
                target = self._runs_by_call(ref)
                if target is not None:
                    seeds.append((target, f"called from {start}", start, False))
            for inner in nested.get(qualname, ()):
                if self._runs_by_call(inner) is not None:
                    seeds.append((inner, f"defined in {start}", start, False))
        quiet = self._step_reach()
        for qualname, fn in self.functions.items():
            if fn.demo or qualname in quiet or self._leftover(qualname):
                # a loop in a `__main__` demo is not how the module is used; one in an
                # occasional step (checking each configured key), or in code only such steps
                # reach, runs per item of that step; a leftover copy runs nowhere
                continue
            for ref, in_loop in fn.calls:
                target = self._runs_by_call(ref) if in_loop else None
                if target is None:
                    continue
                start = f"`{_short(qualname)}`"
                module = self._module_of(qualname)
                if module is not None and module != self._module_of(target):
                    start += f" (module `{module}`)"
                seeds.append((target, f"called in a loop in {start}", start, True))
        self._strong = self._propagate(seeds, {}, set())
        return self._strong

    def _propagate(
        self,
        seeds: list[tuple[str, str, str, bool]],
        reasons: dict[str, str],
        skip: set[str],
    ) -> dict[str, str]:
        """Follow each seed's callees breadth first, adding to ``reasons`` (not to ``skip``)."""
        nested = self._nested_defs()
        queue: deque[tuple[str, str, str, bool]] = deque()
        for target, why, start, loop in seeds:
            if target not in reasons and target not in skip:
                reasons[target] = why
                queue.append((target, target, start, loop))
        while queue:
            current, first, start, loop = queue.popleft()
            # a closure defined per call runs (or is scheduled: `add_task(inner)`) per call too
            defined = nested.get(current, [])
            for ref in [*_per_call_refs(self.functions[current]), *defined]:
                callee = self._runs_by_call(ref)
                if callee is None or callee in reasons or callee in skip:
                    continue
                if not loop:
                    how = f"which {start} reaches"
                elif current == first:
                    how = f"which {start} calls in a loop"
                else:
                    how = f"which runs in a loop of {start} (through `{_short(first)}`)"
                link = "defined in" if ref in defined else "called from"
                reasons[callee] = f"{link} `{_short(current)}`, {how}"
                queue.append((callee, first, start, loop))
        return reasons

    def _nested_defs(self) -> dict[str, list[str]]:
        """The functions defined directly in each function (`h.<locals>.inner` under `h`)."""
        if self._nested is None:
            self._nested = {}
            for qualname in self.functions:
                definer, sep, name = qualname.rpartition(".<locals>.")
                if sep and "." not in name:
                    self._nested.setdefault(definer, []).append(qualname)
        return self._nested

    def _given_set(self, qualname: str, attrs: list[str]) -> bool:
        """The class itself stores a client in one of ``attrs``: the getter returns that one,
        and its fresh build is a rare fallback, not a client per call."""
        cls = self._class_of(qualname)
        if cls is None or not attrs:
            return False
        built = {a for name in self._mro(cls) for a in self.classes[name].built}
        for attr in set(attrs) & built:
            ref = self.attr(cls, attr)
            if ref is not None and ref.client is not None:
                return True
        return False

    def always_true(self, qualname: str) -> list[str]:
        """The flag parameters of a private function that every call in the tree passes as a
        literal True (`async_client=True`): code only reached when they are false is dead."""
        if _short(qualname).startswith("__") or not _short(qualname).startswith("_"):
            return []  # public: its users outside the tree may pass anything
        flags = self._callers_flags().get(qualname)
        return sorted(flags) if flags else []

    def _callers_flags(self) -> dict[str, set[str]]:
        if self._flags is not None:
            return self._flags
        unseen = {name for m in self.modules.values() for name in m.unresolved_calls}
        flags: dict[str, set[str]] = {}
        spoiled: set[str] = set()
        for fn in self.functions.values():
            passed: dict[str, set[str]] = {}
            for ref, kws in fn.true_flags.items():
                target = self.resolve(ref)
                if target is not None:
                    passed[target] = set(kws)
            for ref, _ in fn.calls:
                target = self.resolve(ref)
                if target is None or target not in self.functions:
                    continue
                if target not in passed or _short(target) in unseen:
                    spoiled.add(target)
                elif target in flags:
                    flags[target] &= passed[target]
                else:
                    flags[target] = set(passed[target])
        self._flags = {t: f for t, f in flags.items() if f and t not in spoiled}
        return self._flags

    def _class_of(self, qualname: str) -> str | None:
        owner = qualname.rpartition(".")[0]
        return owner if owner in self.classes else None

    def _runs_by_call(self, ref: str) -> str | None:
        """The function a call runs, when its running says something (not exempt, not a root)."""
        target = self.resolve(ref)
        if target is None or target not in self.functions:
            return None
        callee = self.functions[target]
        if callee.exempt or target in self.roots():
            return None
        return target

    def once(self) -> set[str]:
        """Functions whose every caller in the tree runs once (per process or per object:
        `main`, `__init__`, a validator, a CLI command, or another such function), never in a
        loop, and that are private or only called from their own module (a public method called
        from elsewhere is API: its users outside the tree are unknown). What they build is built
        once too."""
        if self._once is not None:
            return self._once
        callers: dict[str, list[tuple[str, bool]]] = {}
        for qualname, fn in self.functions.items():
            if fn.demo:
                continue  # a module's `__main__` demo says nothing of how its users call it
            for ref, in_loop in fn.calls:
                target = self.resolve(ref)
                if target is not None and target in self.functions and target != qualname:
                    callers.setdefault(target, []).append((qualname, in_loop))
        per_request = self._strong_per_request()  # (the weaker hot-path reasons defer to once)
        # a name also called on receivers we cannot resolve (`self.scraper.scrape(url)`) may
        # have callers we do not see
        unseen = {name for m in self.modules.values() for name in m.unresolved_calls}
        # what can run once whatever else does, decided once; then the fixpoint over callers
        roots = self.roots()
        candidates: list[tuple[str, list[tuple[str, bool]]]] = []
        for target, found in callers.items():
            if target in per_request or target in roots:
                continue
            short = target.rsplit(".", 1)[-1]
            if short in unseen:
                continue
            private = short.startswith("_") and not short.startswith("__")
            module = self._module_of(target)
            if not private and any(self._module_of(c) != module for c, _ in found):
                continue  # public API of another module: its users outside the tree are unknown
            if any(in_loop for _, in_loop in found):
                continue
            candidates.append((target, found))
        once: set[str] = set()
        changed = True
        while changed:
            changed = False
            for target, found in candidates:
                if target not in once and all(
                    self.functions[caller].exempt or caller in once for caller, _ in found
                ):
                    once.add(target)
                    changed = True
        self._once = once
        return once

    def _leftover(self, qualname: str) -> bool:
        module = self._module_of(qualname)
        return module is not None and self.modules[module].leftover

    def _step_reach(self) -> dict[str, tuple[str, str]]:
        """Each occasional step (an account step by its name, a CLI command, start-up code:
        `FunctionSummary.occasion`) and each
        function every caller in the tree of which is one (or runs once: `main`, `__init__`),
        in a loop or not: -> (the step it is or is reached from, its nearest caller). What
        reaches them from a handler, task or loop is decided after (`occasional`)."""
        if self._reach is not None:
            return self._reach
        reach: dict[str, tuple[str, str]] = {}
        for qualname, fn in self.functions.items():
            if fn.occasion:
                reach[qualname] = (qualname, qualname)
        callers: dict[str, list[tuple[str, bool]]] = {}
        for qualname, fn in self.functions.items():
            if fn.demo:
                continue
            for ref, _ in fn.calls:
                target = self.resolve(ref)
                if target is not None and target in self.functions and target != qualname:
                    callers.setdefault(target, []).append((qualname, False))
        unseen = {name for m in self.modules.values() for name in m.unresolved_calls}
        changed = True
        while changed:
            changed = False
            for target, found in callers.items():
                if target in reach or self.functions[target].exempt or _short(target) in unseen:
                    continue
                private = _short(target).startswith("_") and not _short(target).startswith("__")
                module = self._module_of(target)
                if not private and any(self._module_of(c) != module for c, _ in found):
                    continue  # public API of another module: its users outside the tree are unknown
                stepped = [c for c, _ in found if c in reach]
                if stepped and all(
                    c in reach or (self.functions[c].exempt and not self.functions[c].is_test)
                    for c, _ in found
                ):
                    reach[target] = (reach[stepped[0]][0], stepped[0])
                    changed = True
        self._reach = reach
        return reach

    def occasional(self) -> dict[str, str]:
        """Why each function runs now and then, where nothing shows it runs per request: it is
        an occasional step (its name says so; a CLI command), or every caller in
        the tree is one or reaches only from one (start-up code too), in a loop or not: a loop
        there runs per item of the step (private, or called from its own module only, as for
        `once`). A handler, task or loop that reaches a function wins: those are in
        `per_request` and never here."""
        if self._occasional is not None:
            return self._occasional
        per_request = self.per_request()
        roots = self.roots()
        reasons: dict[str, str] = {}
        for qualname, (step, caller) in self._step_reach().items():
            fn = self.functions[qualname]
            if fn.exempt or qualname in per_request or (qualname in roots and not fn.occasion):
                continue
            if step in per_request:
                continue  # (a token refresh a handler runs: what it reaches is per request)
            occasion = self.functions[step].occasion or ""  # (a step has one)
            if step == qualname:
                reasons[qualname] = occasion
            elif step == caller:
                reasons[qualname] = f"called only from `{_short(caller)}`, {occasion}"
            else:
                reasons[qualname] = (
                    f"called only from `{_short(caller)}`, which `{_short(step)}`, "
                    f"{occasion}, reaches"
                )
        self._occasional = reasons
        return reasons

    def _module_of(self, qualname: str) -> str | None:
        """The module of the tree a qualified name belongs to."""
        parts = qualname.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            name = ".".join(parts[:cut])
            if name in self.modules:
                return name
        return None

    # shared async clients (POOL013)

    def shared_async(self, qualname: str, depth: int = 0) -> str | None:
        if qualname in self._shared:
            return self._shared[qualname]
        self._shared[qualname] = None
        fn = self.functions.get(qualname)
        result: str | None = None
        if fn is not None and depth < self.MAX_DEPTH:
            for ref in fn.uses:
                result = self._shared_client(ref)
                if result:
                    break
            if result is None:
                for ref, _ in fn.calls:
                    target = self.resolve(ref)
                    if target is not None and target in self.functions:
                        result = self.shared_async(target, depth + 1)
                        if result:
                            break
        self._shared[qualname] = result
        return result

    def _shared_client(self, ref: str) -> str | None:
        catalog = self.catalog
        member_of = split_member(ref)
        if member_of is not None:
            owner, attr = member_of
            cls = self.resolve(owner)
            client = self.attr(cls, attr) if cls else None
            label = f"{owner.rsplit('.', 1)[-1]}.{attr}"
        else:
            target = self.resolve(ref)
            if target is None:
                return None
            if target in self.functions:
                fn = self.functions[target]
                if fn.cached_client is None:
                    return None
                client = ClientRef(client=fn.cached_client, shared=True)
                label = f"{target.rsplit('.', 1)[-1]}()"
            else:
                raw = self.clients.get(target)
                client = self._client_ref(raw) if raw else None
                label = target.rsplit(".", 1)[-1]
        if client is None or not client.shared or client.client is None:
            return None
        spec = catalog.client(client.client)
        if spec is None or not spec.is_async:
            return None
        return f"`{label}` ({spec.display})"

    # which files the rules must see

    def needs_rules(self, summary: ModuleSummary) -> bool:
        """The file calls a catalog name, or holds clients that come from elsewhere in the tree:
        a factory or property it calls, a base class's client attribute, an imported
        module-level client, a function whose `timeout=None` default reaches a request."""
        if summary.calls_catalog:
            return True
        for cls in summary.classes:
            if any(not ref.weak for ref in self.all_attrs(cls).values()):
                return True  # a client built for the object (annotations alone do not count)
        for fn in summary.functions.values():
            for ref in fn.uses:
                target = self.resolve(ref)
                if (
                    target is not None
                    and target in self.clients
                    and self._client_ref(self.clients[target]) is not None
                ):
                    return True
            for ref, _ in fn.calls:
                target = self.resolve(ref)
                if target is None or target not in self.functions:
                    continue
                callee = self.functions[target]
                if (
                    callee.timeout_defaults
                    or callee.kwargs_timeout_sink
                    or self.factory(target) is not None
                ):
                    return True
        return False

    # views

    def view_for(self, summary: ModuleSummary) -> ModuleView:
        """The joined facts of one file (alone when another file claims its module name)."""
        if self.modules.get(summary.module) is summary:
            return self.view(summary.module)
        return ProjectIndex([summary], self.catalog).view(summary.module)

    def view(self, module: str) -> ModuleView:
        summary = self.modules.get(module)
        view = ModuleView(module=module)
        if summary is None:
            return view
        per_request = self.per_request()
        once = self.once()
        occasional = self.occasional()
        roots = self.roots()
        loop_entries = self.loop_entries()
        wanted: set[str] = set()
        view.retry_loops = list(summary.retry_loops)
        view.poll_loops = list(summary.poll_loops)
        view.slow_poll_loops = list(summary.slow_poll_loops)
        view.once_guards = list(summary.once_guards)
        view.leaving_branches = list(summary.leaving_branches)
        view.leftover = summary.leftover

        def add_function(qualname: str) -> FunctionFacts | None:
            if qualname in view.functions:
                return view.functions[qualname]
            fn = self.functions.get(qualname)
            if fn is None:
                return None
            clients = self.factory_clients(qualname)
            facts = FunctionFacts(
                qualname=qualname,
                is_async=fn.is_async,
                kind=fn.kind,
                params=list(fn.params),
                factory=clients[0] if clients else None,
                factory_clients=list(clients),
                factory_fallback=fn.factory_fallback,
                always_true=self.always_true(qualname),
                annotated=dict(fn.annotated),
                timeout_defaults=dict(fn.timeout_defaults),
                kwargs_timeout_sink=fn.kwargs_timeout_sink,
                root=roots.get(qualname),
                exempt=fn.exempt,
                is_test=fn.is_test,
                ttl_cached=fn.ttl_cached,
                own_loop=qualname in loop_entries,
                per_request=per_request.get(qualname),
                once=qualname in once,
                occasional=occasional.get(qualname),
            )
            for param in fn.params:
                use = self.param_use(qualname, param)
                if use is not None and param not in ("self", "cls"):
                    facts.param_use[param] = use
            if fn.is_async:
                facts.shared_async = self.shared_async(qualname)
            view.functions[qualname] = facts
            return facts

        for qualname, fn in summary.functions.items():
            add_function(qualname)
            wanted.update(call.ref for call in fn.calls)
            wanted.update(fn.uses)
        for cls_name, cls in summary.classes.items():
            for attr, held in self.all_attrs(cls_name).items():
                view.attrs[member_ref(cls_name, attr)] = held
            for name in self._mro(cls_name):
                if name != cls_name:
                    for method in self.classes[name].methods:
                        wanted.add(member_ref(cls_name, method))
                for attr_pass in self.classes[name].passes:
                    wanted.add(attr_pass.callee)
            view.class_closes[cls_name] = sorted(self.class_closes(cls_name))
            holder = self.hot_classes().get(cls_name)
            if cls_name in self._tools:
                view.tool_classes.append(cls_name)
            if holder is not None:
                view.hot_classes.append(cls_name)
                if holder != cls_name:
                    view.hot_holders[cls_name] = holder
            for method in cls.methods:
                wanted.add(member_ref(cls_name, method))
        for name, client in summary.clients.items():
            resolved = self._client_ref(client)
            if resolved is not None:
                view.clients[f"{module}.{name}"] = resolved
        for ref in sorted(wanted | set(summary.refs)):
            target = self.resolve(ref)
            if target is None:
                continue
            if target != ref:
                view.aliases[ref] = target
            is_member = split_member(ref) is not None
            if is_member or target in self.functions:
                if target in self.functions:
                    facts = add_function(target)
                    if is_member and facts is not None:
                        view.methods[ref] = target
                        view.aliases.pop(ref, None)
            elif target in self.clients:
                resolved = self._client_ref(self.clients[target])
                if resolved is not None:
                    view.clients[target] = resolved
        # keep only what says something: an unknown function is the same as an absent one
        view.functions = {
            k: v for k, v in view.functions.items() if k.startswith(module + ".") or interesting(v)
        }
        view.methods = {k: v for k, v in view.methods.items() if v in view.functions}
        view.aliases = {
            k: v for k, v in view.aliases.items() if v in view.functions or v in view.clients
        }
        return view


_ROOT_WORDS = {
    Root.HANDLER: "request handler",
    Root.TASK: "task",
    Root.DEPENDENCY: "FastAPI dependency",
}


def _short(qualname: str) -> str:
    return qualname.rsplit(".", 1)[-1]


def _per_call_refs(fn: FunctionSummary) -> list[str]:
    """What a function calls each time it runs (not what it calls once per process, under a
    memo guard): a request path goes on through these only."""
    if not fn.memo_calls:
        return [ref for ref, _ in fn.calls]
    memo = set(fn.memo_calls)
    return [ref for ref, _ in fn.calls if ref not in memo]


def interesting(facts: FunctionFacts) -> bool:
    return bool(
        facts.factory
        or facts.param_use
        or facts.timeout_defaults
        or facts.kwargs_timeout_sink
        or facts.shared_async
        or facts.kind == "property"
    )


def view_for_single_module(summary: ModuleSummary, catalog: Catalog) -> ModuleView:
    return ProjectIndex([summary], catalog).view(summary.module)
