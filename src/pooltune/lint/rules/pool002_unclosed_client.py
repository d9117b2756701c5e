"""POOL002 unclosed-client: a client whose pool (and sockets) is never closed."""

from __future__ import annotations

import libcst as cst

from pooltune.lint.closefix import escapes, region_after, region_fix, with_statement
from pooltune.lint.cstedit import code_in_place, holds_stub, indents_at
from pooltune.lint.facts import ClientBuild
from pooltune.lint.findings import Edit, Fix, Location
from pooltune.lint.rule import Rule
from pooltune.lint.rules.pool001_client_per_request import unclosed_local


class UnclosedClient(Rule):
    code = "POOL002"
    name = "unclosed-client"
    message = "HTTP client is never closed: use `with`/`async with` or call close()/aclose()"
    fix_offered = "safe"

    def visit_Module(self, node: cst.Module) -> None:
        facts = self.facts
        for build in facts.builds:
            if build.spec.kind == "sdk" or not build.spec.entry.pool_per_instance:
                continue  # the SDK clients close their pool themselves
            if unclosed_local(build):
                # also when POOL001 reports the build: a client per call and a client never
                # closed are two problems (two fixes); POOL001 then leaves the close to this one
                close = build.spec.close_methods[0]
                verb = "async with" if build.spec.is_async else "with"
                if build.fallback:
                    # `given or Client()`: a close of the name would also close a given client
                    advice = (
                        "close it only where it is built (not a client given to the call), or "
                        "build one once and pass it in"
                    )
                    self.report(
                        build.node,
                        f"{build.label} bound to `{build.name}` is never closed when it is "
                        f"built here: {advice}",
                    )
                    continue
                self.report(
                    build.node,
                    f"{build.label} bound to `{build.name}` is never closed: "
                    f"use `{verb}` or call `{build.name}.{close}()` in a finally block",
                    fix=self._with_fix(build),
                )
            elif build.binding == "self" and not self._class_closes(build):
                self.report(
                    build.node,
                    f"`self.{build.name}` holds a `{build.spec.display}` that no method of the "
                    f"class closes: add a close/aclose (or __aexit__) that calls "
                    f"`self.{build.name}.{build.spec.close_methods[0]}()`",
                    fix=self._close_method_fix(build),
                )

    # -- fixes ----------------------------------------------------------------------------------

    def _with_fix(self, build: ClientBuild) -> Fix | None:
        """``c = Client()`` and the statements after it become ``with Client() as c:``. Safe
        when nothing leaves the block (no ``return``/``yield`` of a value): the client then
        closes when the block ends instead of never. Unsafe otherwise: a response returned from
        it may be read after the close (aiohttp reads bodies lazily)."""
        function = build.function
        if (
            build.spec.kind != "pool"
            or build.name is None
            or not isinstance(function, cst.FunctionDef)
        ):
            return None
        is_async = build.spec.is_async
        if is_async and function.asynchronous is None:
            return None  # `async with` needs a coroutine
        assign = self.facts.parent(build.node)
        if not isinstance(assign, cst.Assign) or assign.value is not build.node:
            return None
        target = assign.targets[0].target
        if not isinstance(target, cst.Name):
            return None
        region = region_after(self.facts, target, build.uses)
        if region is None:
            return None
        verb = "async with" if is_async else "with"
        return region_fix(
            self.facts,
            self.context.module,
            region,
            with_statement(region, build.node, build.name, is_async),
            keep_line=False,
            message=f"Use `{verb}` so that `{build.name}` is closed",
            applicability="unsafe" if escapes(region.statements) else "safe",
        )

    def _close_method_fix(self, build: ClientBuild) -> Fix | None:
        """Add ``close``/``aclose`` (and ``__exit__``/``__aexit__`` when the class has an
        ``__enter__``/``__aenter__`` without one) closing every client the class leaves open.
        Safe for a class without bases: a new method changes nothing until it is called.
        Unsafe when the class has bases: the new method may override theirs."""
        function = build.function
        if not isinstance(function, cst.FunctionDef):
            return None
        cls = self.facts.enclosing_class(function)
        if cls is None or not isinstance(cls.body, cst.IndentedBlock):
            return None
        facts = self.facts
        open_builds = sorted(
            (
                b
                for b in facts.builds
                if b.binding == "self"
                and b.name is not None
                and b.spec.kind != "sdk"
                and isinstance(b.function, cst.FunctionDef)
                and facts.enclosing_class(b.function) is cls
                and not self._class_closes(b)
            ),
            key=lambda b: (facts.position(b.node).start.line, facts.position(b.node).start.column),
        )
        # The new method goes after the method that builds the first of them: that method is
        # never stubbed by slicing (it builds a client), so its end is where the file says.
        after = open_builds[0].function
        if not isinstance(after, cst.FunctionDef) or holds_stub(after.body):
            return None
        open_attrs = sorted(
            {(b.name or "", b.spec.close_methods[0], b.spec.is_async) for b in open_builds}
        )
        if len({is_async for _, _, is_async in open_attrs}) != 1:
            return None
        is_async = open_attrs[0][2]
        method = "aclose" if is_async else "close"
        exit_method, enter_method = (
            ("__aexit__", "__aenter__")
            if is_async
            else (
                "__exit__",
                "__enter__",
            )
        )
        defined = {stmt.name.value for stmt in cls.body.body if isinstance(stmt, cst.FunctionDef)}
        if method in defined:
            return None
        prefix = "await " if is_async else ""
        lines = [f"{prefix}self.{attr}.{close}()" for attr, close, _ in open_attrs]
        methods = [_method(method, "self", lines, is_async)]
        if enter_method in defined and exit_method not in defined:
            methods.append(
                _method(
                    exit_method, "self, *exc_info: object", [f"{prefix}self.{method}()"], is_async
                )
            )
        module = self.context.module
        indents = [
            *indents_at([parent for _, parent in self.facts.ancestors(cls)], module),
            cls.body.indent if cls.body.indent is not None else module.default_indent,
        ]
        content = "".join(
            module.default_newline + "".join(indents) + code_in_place(module, m, indents)
            for m in methods
        )
        end = facts.position(after).end
        bases = [
            arg
            for arg in cls.bases
            if not (isinstance(arg.value, cst.Name) and arg.value.value == "object")
        ]
        names = " and ".join(f"`{m.name.value}`" for m in methods)
        return Fix(
            f"Add {names} closing the client",
            (Edit(content, Location(end.line + 1, 1), Location(end.line + 1, 1)),),
            "unsafe" if bases or cls.keywords else "safe",
        )

    def _class_closes(self, build: ClientBuild) -> bool:
        """Some method of the class (or a base in the tree) closes `self.<attr>`, enters it with
        `with`, or hands it to something that may close or keep it (the joined summaries: a
        function that only uses it does not count)."""
        function = build.function
        if not isinstance(function, cst.FunctionDef):
            return True
        facts = self.facts
        cls = facts.enclosing_class(function)
        if cls is None:
            return True  # `self` outside a class: not ours to judge
        return build.name in facts.view.class_closes.get(facts.class_qualname(cls), ())


def _method(name: str, params: str, lines: list[str], is_async: bool) -> cst.FunctionDef:
    keyword = "async def" if is_async else "def"
    body = "".join(f"    {line}\n" for line in lines)
    parsed = cst.parse_statement(f"{keyword} {name}({params}) -> None:\n{body}")
    assert isinstance(parsed, cst.FunctionDef)
    return parsed
