"""Plan the hoist for the POOL001 findings of a run (see :mod:`pooltune.lint.hoist`)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence

import libcst as cst

from pooltune.lint.catalog import Catalog
from pooltune.lint.findings import Edit, Finding, Fix
from pooltune.lint.hoist import CODE, FRAMEWORK_MARKERS
from pooltune.lint.hoist.app import (
    REQUEST_CLASSES,
    ROUTER_CLASSES,
    AppSite,
    NotHoisted,
    app_names,
    find_app,
)
from pooltune.lint.hoist.edits import bound_names, imports_edit, statement_edit
from pooltune.lint.hoist.handler import (
    Build,
    HandlerRewrite,
    find_build,
    imports_for,
    request_parameter,
    route_owner,
)
from pooltune.lint.hoist.local import loop_fix, module_fix
from pooltune.lint.hoist.parsed import ParsedModule
from pooltune.lint.summaries import module_name_for

APP_MARKERS = ("FastAPI(", "Starlette(")
# POOL001's message names the client class first: "`openai.AsyncOpenAI` built ..."
_BUILT = re.compile(r"^`([\w.]+)` built")
NOT_FIXED = " (no automatic fix: {reason})"
MAX_STATE_NAMES = 9


class _Project:
    """The run's files, read and parsed on demand."""

    def __init__(self, filenames: Sequence[str], read: Callable[[str], str | None]) -> None:
        self.filenames = list(filenames)
        self.read = read
        self._by_module: dict[str, str] | None = None
        self._sources: dict[str, str | None] = {}
        self._parsed: dict[str, ParsedModule | None] = {}
        self.other_fixes: dict[str, list[int]] = {}  # rows of other rules' fixable findings

    def source(self, filename: str) -> str | None:
        if filename not in self._sources:
            self._sources[filename] = self.read(filename)
        return self._sources[filename]

    def parsed(self, filename: str) -> ParsedModule | None:
        if filename not in self._parsed:
            source = self.source(filename)
            self._parsed[filename] = (
                None if source is None else ParsedModule.parse(filename, source)
            )
        return self._parsed[filename]

    def module(self, name: str) -> ParsedModule | None:
        if self._by_module is None:
            self._by_module = {module_name_for(f)[0]: f for f in self.filenames}
        filename = self._by_module.get(name)
        return None if filename is None else self.parsed(filename)

    def apps(self) -> list[AppSite]:
        sites: list[AppSite] = []
        for filename in self.filenames:
            source = self.source(filename)
            if source is None or not any(marker in source for marker in APP_MARKERS):
                continue
            parsed = self.parsed(filename)
            if parsed is not None:
                sites.extend(site for name in app_names(parsed) if (site := find_app(parsed, name)))
        return sites


def plan_hoists(
    findings: list[Finding],
    filenames: Sequence[str],
    read: Callable[[str], str | None],
    catalog: Catalog,
) -> list[Finding]:
    project = _Project(filenames, read)
    # Other rules' fixes inside a function go first (a timeout added to `requests.get`, a
    # stream closed): the hoist rewrites the whole function and would push them out.
    for finding in findings:
        if finding.code != CODE and finding.fix is not None:
            project.other_fixes.setdefault(finding.filename, []).append(finding.location.row)
    return [
        _with_hoist(finding, project, catalog)
        if finding.code == CODE and finding.fix is None
        else finding
        for finding in findings
    ]


def _with_hoist(finding: Finding, project: _Project, catalog: Catalog) -> Finding:
    source = project.source(finding.filename)
    if source is None:
        return finding
    framework = any(marker in source for marker in FRAMEWORK_MARKERS)
    parsed = project.parsed(finding.filename)
    call = parsed.call_at(finding.location) if parsed is not None else None
    if parsed is None or call is None:
        return finding
    built = _BUILT.match(finding.message)
    factory_client = built.group(1) if built else None
    function = next((a for a in parsed.ancestors(call) if isinstance(a, cst.FunctionDef)), None)
    if _has_other_fixes(project, parsed, function or call):
        return finding  # planned again in the next round, after those
    owner = route_owner(parsed, function, catalog) if function is not None else None
    try:
        site = _app_for(project, parsed, owner) if framework and owner is not None else None
        if site is not None and function is not None:
            if parsed.parents.get(function) is not parsed.module:
                raise NotHoisted("the handler is not a function at module level")
            hoist = _hoist(finding, parsed, function, call, site, catalog)
            return dataclasses.replace(finding, fix=hoist)
    except NotHoisted as exc:
        return dataclasses.replace(finding, message=finding.message + NOT_FIXED.format(reason=exc))
    try:
        fix = None
        if "inside a loop" in finding.message:
            fix = loop_fix(parsed, call, catalog, factory_client)
        if fix is None:  # `requests.get` in a loop, a handler, a method: one shared client
            fix = module_fix(parsed, call, catalog, factory_client)
    except NotHoisted:
        return finding  # stays as reported (the rule's message says what to do)
    return finding if fix is None else dataclasses.replace(finding, fix=fix)


def _has_other_fixes(project: _Project, parsed: ParsedModule, node: cst.CSTNode) -> bool:
    rows = project.other_fixes.get(parsed.filename)
    if not rows:
        return False
    first, last = parsed.start(node).row, parsed.end(node).row
    decorators = getattr(node, "decorators", ())
    if decorators:
        first = parsed.start(decorators[0]).row
    return any(first <= row <= last for row in rows)


def _app_for(project: _Project, parsed: ParsedModule, owner: cst.Name) -> AppSite | None:
    """The app whose route decorator registers the handler; None for another framework."""
    for qualname in parsed.qualnames(owner):
        module_name, _, variable = qualname.rpartition(".")
        module = project.module(module_name)
        if module is None:
            continue
        site = find_app(module, variable)
        if site is not None:
            return site
        if _is_router(module, variable):
            sites = project.apps()
            if len(sites) != 1:
                raise NotHoisted(f"cannot tell which app includes `{owner.value}`")
            return sites[0]
    return None


def _is_router(parsed: ParsedModule, name: str) -> bool:
    for statement in parsed.module.body:
        if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
            assign = statement.body[0]
            if (
                isinstance(assign, cst.Assign)
                and any(
                    isinstance(t.target, cst.Name) and t.target.value == name
                    for t in assign.targets
                )
                and isinstance(assign.value, cst.Call)
                and parsed.qualnames(assign.value.func) & ROUTER_CLASSES
            ):
                return True
    return False


def _hoist(
    finding: Finding,
    parsed: ParsedModule,
    function: cst.FunctionDef,
    call: cst.Call,
    site: AppSite,
    catalog: Catalog,
) -> Fix:
    built = _BUILT.match(finding.message)
    build = find_build(parsed, call, catalog, built.group(1) if built else None)
    same_module = site.parsed.filename == parsed.filename
    code = build.constructor_code(parsed)
    values = site.state_values()
    name = _state_name(build, code, values)
    app_imports: set[str] = set()
    edits: list[Edit] = []
    if values.get(name) != code:
        sync = not build.spec.is_async  # built in the (async) lifespan it would be POOL008
        if sync and build.awaited:
            raise NotHoisted("a sync client from an async factory")
        creates: list[str] = []
        lines = imports_for(parsed, build) if not same_module or build.kind == "implicit" else []
        for line in lines:
            if line.split()[1] == parsed.name:  # from the handler's module, which may import
                if sync:  # the app's: at the top of the app's module it could be circular
                    raise NotHoisted("its arguments come from the handler's module")
                creates.append(line)  # imported where it is used, at startup
            else:
                app_imports.add(line)
        if sync and same_module:
            _defined_before_app(parsed, build, site)
        owner = site.variable if sync else site.app_param
        create = f"{owner}.state.{name} = {code}"
        awaited = "await " if build.spec.is_async else ""
        closes = [f"{awaited}{site.app_param}.state.{name}.{build.spec.close_methods[0]}()"]
        edits.extend(
            site.lifespan_edits(
                [] if sync else [*creates, create], closes, [create] if sync else [], app_imports
            )
        )
    request_param, import_request = request_parameter(parsed, function)
    rewrite = HandlerRewrite(function, build, name, site.framework, request_param)
    edits.extend(statement_edit(parsed, function, rewrite.apply(parsed)))
    handler_imports = set()
    if import_request:
        module, cls = REQUEST_CLASSES[site.framework]
        handler_imports.add(f"from {module} import {cls}")
    if same_module:
        handler_imports |= app_imports
    else:
        edits.extend(imports_edit(site.parsed, app_imports))
    edits.extend(imports_edit(parsed, handler_imports))
    edits = [
        dataclasses.replace(e, filename=None) if e.filename == finding.filename else e
        for e in edits
    ]
    where = "" if same_module else f" (in {site.parsed.filename})"
    return Fix(
        f"Create `{build.spec.display}` once in the app's lifespan{where} as "
        f"`app.state.{name}` and use it in the handler",
        tuple(edits),
        "unsafe",
    )


def _defined_before_app(parsed: ParsedModule, build: Build, site: AppSite) -> None:
    """A client built next to the app statement reads only names bound above it."""
    app_index = site.statement_index()
    body = list(parsed.module.body)
    for name in build.needed_names:
        for statement in body[app_index:]:
            if name in bound_names(statement):
                raise NotHoisted(f"`{name}` is defined after the app")


def _state_name(build: Build, code: str, values: dict[str, str]) -> str:
    """The build's name on `app.state`: the same name where the same client already is."""
    base = build.state_name()
    for n in range(1, MAX_STATE_NAMES + 1):
        name = base if n == 1 else f"{base}_{n}"
        if values.get(name, code) == code:
            return name
    raise NotHoisted(f"`app.state` already holds {MAX_STATE_NAMES} different `{base}` clients")
