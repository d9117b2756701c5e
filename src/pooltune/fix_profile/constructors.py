"""Write a profile's settings into the constructors of one module's clients.

httpx/httpx2: `limits=`, `timeout=`, `http2=`; aiohttp: `connector=TCPConnector(limit=...,
keepalive_timeout=..., ttl_dns_cache=...)` and `timeout=ClientTimeout(...)` on a session, the same
fields on a connector of its own; openai/anthropic: `http_client=Default(Async)HttpxClient(limits=
..., http2=...)`, `timeout=`, `max_retries=`. A constructor whose `base_url` can be read (a literal
or a module-level constant) is edited only when it reaches the profiled origin; one whose
`base_url` cannot be read is edited too. Each edited constructor gets a comment naming the
profile; a constructor that already carries the settings is left as it is (idempotent).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from pooltune.fix_profile.profile import Profile, origin_of
from pooltune.lint.catalog import Catalog, ClientSpec
from pooltune.lint.findings import Edit, Location
from pooltune.lint.hoist.app import NotHoisted
from pooltune.lint.hoist.edits import imports_edit
from pooltune.lint.hoist.parsed import ParsedModule

HTTPX_LIBRARIES = ("httpx", "httpx2")
SDK_LIBRARIES = ("openai", "anthropic")
BASE_URL = "base_url"
MAX_LINE = 99  # longer one-line calls are written one argument per line


@dataclass
class ModuleEdits:
    matched: int = 0  # constructors of the profiled library at the profiled origin
    changed: int = 0
    edits: list[Edit] = field(default_factory=list)


def _num(value: float) -> str:
    return repr(float(value))


def _kwargs(**values: object) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items() if v is not None)


class _Writer:
    def __init__(self, parsed: ParsedModule, profile: Profile, catalog: Catalog) -> None:
        self.parsed = parsed
        self.profile = profile
        self.catalog = catalog
        self.imports: set[str] = set()

    # -- what each library gets ------------------------------------------------------------

    def httpx_values(self, module: str, call: cst.Call) -> dict[str, str]:
        p = self.profile
        values: dict[str, str] = {}
        has_transport = any(a.keyword and a.keyword.value == "transport" for a in call.args)
        limits = _kwargs(
            max_connections=p.max_connections,
            max_keepalive_connections=p.max_keepalive_connections,
            keepalive_expiry=None if p.keepalive_expiry is None else _num(p.keepalive_expiry),
        )
        if limits and not has_transport:  # next to a transport, httpx ignores them (POOL014)
            values["limits"] = f"{module}.Limits({limits})"
        if p.timeout is not None:
            t = p.timeout
            values["timeout"] = (
                f"{module}.Timeout(connect={_num(t.connect)}, read={_num(t.read)}, "
                f"write={_num(t.write)}, pool={_num(t.pool)})"
            )
        if p.http2 is not None and not has_transport and (p.http2 or _keyword(call, "http2")):
            values["http2"] = str(p.http2)
        return values

    def aiohttp_connector_values(self, call: cst.Call) -> dict[str, str]:
        p = self.profile
        values: dict[str, str] = {}
        limit = p.http1_max_connections or p.max_connections
        if limit is not None:
            values["limit"] = str(limit)
        if p.keepalive_expiry is not None and _keyword(call, "force_close") is None:
            values["keepalive_timeout"] = _num(p.keepalive_expiry)
        if p.ttl_dns_cache is not None:
            values["ttl_dns_cache"] = str(p.ttl_dns_cache)
        return values

    def aiohttp_session_values(self, module: str, call: cst.Call) -> Values:
        p = self.profile
        values: Values = {}
        connector = _keyword(call, "connector")
        if connector is None:
            fields = self.aiohttp_connector_values(call)
            if fields:
                values["connector"] = f"{module}.TCPConnector({_kwargs(**fields)})"
        elif isinstance(connector.value, cst.Call) and self._is(
            connector.value, ("aiohttp.TCPConnector", "aiohttp.connector.TCPConnector")
        ):
            values["connector"] = Nested(
                connector.value, dict(self.aiohttp_connector_values(connector.value))
            )
        if p.timeout is not None:
            t = p.timeout
            values["timeout"] = (
                f"{module}.ClientTimeout(total=None, connect={_num(t.pool + t.connect)}, "
                f"sock_connect={_num(t.connect)}, sock_read={_num(t.read)})"
            )
        return values

    def sdk_values(self, spec: ClientSpec, module: str, call: cst.Call) -> Values:
        p = self.profile
        values: Values = {}
        httpx = self.alias("httpx")
        pool = {k: v for k, v in self.httpx_values(httpx, call).items() if k != "timeout"}
        current = _keyword(call, spec.library.sdk_http_client_param or "http_client")
        wrapper = (
            spec.library.sdk_default_async_http_client
            if spec.is_async
            else spec.library.sdk_default_http_client
        )
        if pool and current is None and wrapper is not None:
            values["http_client"] = f"{module}.{wrapper}({_kwargs(**pool)})"
        elif pool and current is not None and isinstance(current.value, cst.Call):
            values["http_client"] = Nested(current.value, dict(pool))
        if p.timeout is not None:
            t = p.timeout
            values["timeout"] = (
                f"{httpx}.Timeout(connect={_num(t.connect)}, read={_num(t.read)}, "
                f"write={_num(t.write)}, pool={_num(t.pool)})"
            )
        if p.max_retries is not None:
            values["max_retries"] = str(p.max_retries)
        return values

    # -- names -----------------------------------------------------------------------------

    def _is(self, call: cst.Call, names: tuple[str, ...]) -> bool:
        return bool(self.parsed.qualnames(call.func) & set(names))

    def alias(self, module: str) -> str:
        """The name `module` is imported as here (an `import <module>` added if none)."""
        for name in self.parsed.global_names():
            statement = self.parsed.import_of(name)
            if statement in (f"import {module}", f"import {module} as {name}"):
                return name
        if module in self.parsed.global_names():
            raise _Skip(f"`{module}` names something else")
        self.imports.add(f"import {module}")
        return module

    def prefix(self, call: cst.Call, library: str) -> str:
        func = call.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            return func.value.value
        return self.alias(library)


class _Skip(Exception):
    pass


def _keyword(call: cst.Call, name: str) -> cst.Arg | None:
    return next((a for a in call.args if a.keyword and a.keyword.value == name), None)


@dataclass
class Nested:
    """Keywords to write into a constructor given as an argument (a session's connector)."""

    call: cst.Call
    values: dict[str, str | Nested]


Values = dict[str, "str | Nested"]


def _call_edits(parsed: ParsedModule, call: cst.Call, values: Values) -> list[Edit]:
    """Text edits that give ``call`` these keyword arguments: a value replaced where the keyword
    is present and different, the missing ones added after the last argument in the call's own
    layout (one per line when its arguments are one per line)."""
    edits: list[Edit] = []
    present = {a.keyword.value: a for a in call.args if a.keyword is not None}
    missing: list[str] = []
    for key, value in values.items():
        arg = present.get(key)
        if isinstance(value, Nested):
            edits.extend(_call_edits(parsed, value.call, value.values))
        elif arg is None:
            missing.append(f"{key}={value}")
        elif parsed.module.code_for_node(arg.value) != value:
            edits.append(Edit(value, parsed.start(arg.value), parsed.end(arg.value)))
    if not missing:
        return edits
    if not call.args:
        end = parsed.end(call)
        before_paren = Location(end.row, end.column - 1)
        edits.append(Edit(", ".join(missing), before_paren, before_paren))
        return edits
    last = call.args[-1]
    after_value = parsed.end(last.value)
    last_start = parsed.start(last)
    if last_start.row != parsed.start(call).row:  # one argument per line
        indent = " " * (last_start.column - 1)
        text = "".join(f",\n{indent}{item}" for item in missing)
    else:
        text = "".join(f", {item}" for item in missing)
    edits.append(Edit(text, after_value, after_value))
    return edits


def _wrapped_if_long(parsed: ParsedModule, call: cst.Call, edits: list[Edit]) -> list[Edit]:
    """A one-line call that the edits make longer than a line should be is written one
    argument per line instead (the way a formatter would lay it out)."""
    start, end = parsed.start(call), parsed.end(call)
    if start.row != end.row or any(e.location.row != start.row for e in edits):
        return edits
    line = parsed.source.splitlines()[start.row - 1] if parsed.source else ""
    text = parsed.text(start, end)
    for edit in sorted(edits, key=lambda e: e.location.column, reverse=True):
        offset = edit.location.column - start.column
        stop = edit.end_location.column - start.column
        text = text[:offset] + edit.content + text[stop:]
    if len(line) + len(text) - (end.column - start.column) <= MAX_LINE:
        return edits
    try:
        new = cst.parse_expression(text)
    except cst.ParserSyntaxError:
        return edits
    if not isinstance(new, cst.Call):
        return edits
    indent = line[: len(line) - len(line.lstrip())]
    module = parsed.module
    args = [
        module.code_for_node(
            arg.with_changes(
                comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=cst.SimpleWhitespace("")
            )
        ).strip()
        for arg in new.args
    ]
    lines = "".join(f"{indent}    {arg},\n" for arg in args)
    wrapped = f"{module.code_for_node(new.func)}(\n{lines}{indent})"
    return [Edit(wrapped, start, end)]


def profile_edits(parsed: ParsedModule, profile: Profile, catalog: Catalog) -> ModuleEdits:
    writer = _Writer(parsed, profile, catalog)
    result = ModuleEdits()
    commented: set[int] = set()
    for node in list(parsed.positions):
        if type(node) is not cst.Call:
            continue
        spec = next(
            (s for q in parsed.qualnames(node.func) if (s := catalog.client(q)) is not None),
            None,
        )
        if spec is None or (profile.library and spec.library.name != profile.library):
            continue
        if not _reaches(parsed, node, spec, profile):
            continue
        if _inside_written_owner(parsed, node, catalog, profile):
            continue
        result.matched += 1
        try:
            values = _values_for(writer, spec, node)
        except _Skip:
            continue
        call_edits = _call_edits(parsed, node, values)
        if not call_edits:
            continue
        call_edits = _wrapped_if_long(parsed, node, call_edits)
        result.changed += 1
        result.edits.extend(call_edits)
        statement = _statement(parsed, node)
        if statement is not None and id(statement) not in commented:
            commented.add(id(statement))
            if not _has_comment(statement, profile.comment):
                start = parsed.start(statement)
                indent = " " * (start.column - 1)
                row = Location(start.row, 1)
                result.edits.append(Edit(f"{indent}{profile.comment}\n", row, row))
    if writer.imports and result.edits:
        try:
            result.edits.extend(imports_edit(parsed, writer.imports))
        except NotHoisted:  # the module name is taken by something else: leave the file
            return ModuleEdits(matched=result.matched)
    return result


def _values_for(writer: _Writer, spec: ClientSpec, call: cst.Call) -> Values:
    library = spec.library.name
    if library in HTTPX_LIBRARIES:
        return dict(writer.httpx_values(writer.prefix(call, library), call))
    if library == "aiohttp":
        if spec.kind == "connector":
            return dict(writer.aiohttp_connector_values(call))
        return writer.aiohttp_session_values(writer.prefix(call, library), call)
    if library in SDK_LIBRARIES:
        return writer.sdk_values(spec, writer.prefix(call, library), call)
    return {}


def _inside_written_owner(
    parsed: ParsedModule, call: cst.Call, catalog: Catalog, profile: Profile
) -> bool:
    """An argument of another constructor of the profiled library (written with it)."""
    parent = parsed.parents.get(call)
    if not isinstance(parent, cst.Arg):
        return False
    owner = parsed.parents.get(parent)
    if not isinstance(owner, cst.Call):
        return False
    spec = next(
        (s for q in parsed.qualnames(owner.func) if (s := catalog.client(q)) is not None), None
    )
    return spec is not None and (not profile.library or spec.library.name == profile.library)


def _reaches(parsed: ParsedModule, call: cst.Call, spec: ClientSpec, profile: Profile) -> bool:
    """False only when the client's base URL can be read and names another origin."""
    if profile.origin is None:
        return True
    arg = _keyword(call, BASE_URL)
    if arg is None and spec.library.name == "aiohttp" and call.args and not call.args[0].keyword:
        arg = call.args[0]
    if arg is None:
        return True
    url = _string_value(parsed, arg.value)
    if url is None:
        return True
    origin = origin_of(url)
    return origin is None or origin == profile.origin


def _string_value(parsed: ParsedModule, expr: cst.BaseExpression) -> str | None:
    if isinstance(expr, cst.SimpleString):
        value = expr.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(expr, cst.Name):
        for name, assign in parsed.module_assignments():
            if name == expr.value and isinstance(assign.value, cst.SimpleString):
                return _string_value(parsed, assign.value)
    return None


def _statement(parsed: ParsedModule, node: cst.CSTNode) -> cst.CSTNode | None:
    for ancestor in parsed.ancestors(node):
        if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return None
        if isinstance(ancestor, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            return ancestor
    return None


def _has_comment(statement: cst.CSTNode, comment: str) -> bool:
    lines = getattr(statement, "leading_lines", ())
    return any(line.comment is not None and line.comment.value == comment for line in lines)
