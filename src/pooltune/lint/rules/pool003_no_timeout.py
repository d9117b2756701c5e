"""POOL003 no-timeout: a request that can wait forever."""

from __future__ import annotations

import libcst as cst

from pooltune.lint.args import has_star_args, is_none, keyword, literal, positional
from pooltune.lint.catalog import LibraryEntry
from pooltune.lint.cstedit import add_keyword, timeout_fix_value
from pooltune.lint.findings import Fix
from pooltune.lint.rule import Rule


class NoTimeout(Rule):
    code = "POOL003"
    name = "no-timeout"
    message = "request without a timeout can hang forever: pass `timeout=`"
    fix_offered = "unsafe"

    def visit_Call(self, node: cst.Call) -> None:
        facts = self.facts
        catalog = self.context.catalog
        qualname = self.call_qualname(node)
        if qualname is not None:
            if not facts.local_url_only(node):
                self._check_request(node, f"{qualname}()", catalog.calls[qualname].library)
            return
        spec = self.client_spec(node)
        if spec is not None:
            build = facts.build_for_expr(node)
            if build is None or not build.inprocess:
                self._check_none_timeout(node, spec.library, spec.display)
            return
        for name in self.qualnames(node.func):
            timeout_lib = catalog.timeout_classes.get(name)
            if timeout_lib is not None:
                if not (
                    facts.is_parameter_default(node) or facts.argument_of_inprocess_client(node)
                ):
                    self._check_timeout_object(node, name, timeout_lib)
                return
        func = node.func
        receiver: cst.BaseExpression | None = None
        method: str | None = None
        if isinstance(func, cst.Attribute):
            receiver, method = func.value, func.attr.value
        elif (dynamic := facts.dynamic_method(node)) is not None:
            receiver, method = dynamic  # `getattr(session, method)(url)`: any request method
        if receiver is not None:
            held = facts.held(receiver)
            methods = held.spec.library.request_methods if held is not None else ()
            if held is not None and (method in methods or (method is None and methods)):
                if not held.inprocess and not held.resource:
                    label = f"{held.spec.display}.{method or '<method>'}()"
                    self._check_request(node, label, held.spec.library)
                return
        self._check_relies_on_default(node)

    # -- requests and clients ---------------------------------------------------------------

    def _check_request(self, node: cst.Call, label: str, library: LibraryEntry) -> None:
        param = library.timeout_param
        if param is None or self.facts.under_deadline(node):
            return  # `await asyncio.wait_for(client.get(url, timeout=None), 30)`: bounded
        arg = keyword(node, param)
        if arg is None:
            star = self._star_kwargs(node)
            if star is _UNKNOWN:
                return  # `*args`/`**kwargs` we cannot see into
            if isinstance(star, cst.BaseExpression):
                value = self.facts.value_through_local(star)
                if library.timeout_none_disables and (none := _none(value)):
                    self.report(
                        node,
                        f"`timeout=None` (from the `**` dict){none.rstrip()} on `{label}` disables "
                        "every timeout",
                    )
                return
            if library.timeout_positional is not None:
                if len(positional(node)) < library.timeout_positional:
                    self.report(
                        node,
                        f"`{label}` without `{param}=` can hang forever",
                        fix=self._add_timeout(node, library),
                    )
            elif library.timeout_required_per_call:
                self.report(
                    node,
                    f"`{label}` without `{param}=` can hang forever: "
                    f"pass e.g. `{library.timeout_example}`",
                    fix=self._add_timeout(node, library),
                )
            return
        value = self.facts.value_through_local(arg.value)
        if library.timeout_none_disables and (none := _none(value)):
            through = "" if value is arg.value else f" (through `{self._code(arg.value)}`)"
            self.report(
                arg,
                f"`timeout=None`{through}{none.rstrip()} on `{label}` disables every timeout",
                fix=self._replace_none(arg, library) if value is arg.value else None,
            )

    def _star_kwargs(self, node: cst.Call) -> cst.BaseExpression | object | None:
        """The `timeout` a `**d` argument carries when its keys are known (a literal, a local
        bound once to one, a function of this module or class returning one); None when there
        is no `**` or it has no timeout; _UNKNOWN for `*args` or a `**` we cannot see into."""
        if any(a.star == "*" for a in node.args):
            return _UNKNOWN
        stars = [a for a in node.args if a.star == "**"]
        if not stars:
            return None
        found: cst.BaseExpression | None = None
        for star in stars:
            keys = self.facts.dict_keys(star.value)
            if keys is None:
                return _UNKNOWN
            found = keys.get("timeout", found)
        return found

    def _check_none_timeout(self, node: cst.Call, library: LibraryEntry, label: str) -> None:
        if library.timeout_param is None or not library.timeout_none_disables:
            return
        arg = keyword(node, library.timeout_param)
        if arg is not None:
            value = self.facts.value_through_local(arg.value)
            if none := _none(value):
                through = "" if value is arg.value else f" (through `{self._code(arg.value)}`)"
                self.report(
                    arg,
                    f"`timeout=None`{through}{none.rstrip()} on `{label}` disables every timeout: "
                    "requests can hang forever",
                    fix=self._replace_none(arg, library) if value is arg.value else None,
                )
            return
        star = self._star_kwargs(node)
        if isinstance(star, cst.BaseExpression) and (
            none := _none(self.facts.value_through_local(star))
        ):
            self.report(
                node,
                f"`timeout=None` (from the `**` dict){none.rstrip()} on `{label}` disables "
                "every timeout: requests can hang forever",
            )

    def _check_relies_on_default(self, node: cst.Call) -> None:
        """`fetch(url)` where `def fetch(url, timeout=None)` passes its timeout to a request."""
        facts = self.facts.callee_facts(node)
        if facts is None or has_star_args(node):
            return
        if facts.kwargs_timeout_sink and keyword(node, "timeout") is None:
            short = facts.qualname.rsplit(".", 1)[-1]
            self.report(
                node,
                f"`{short}()` passes its `**kwargs` to `{facts.kwargs_timeout_sink}`, and this "
                "call gives no `timeout=`: requests can hang forever; pass `timeout=`",
            )
            return
        if not facts.timeout_defaults:
            return
        params = list(facts.params)
        if (
            facts.kind in ("method", "property")
            and params[:1] in (["self"], ["cls"])
            and isinstance(node.func, cst.Attribute)
        ):
            params = params[1:]
        given = {a.keyword.value for a in node.args if a.keyword is not None}
        given.update(params[: len(positional(node))])
        for param, sink in sorted(facts.timeout_defaults.items()):
            if param in given:
                continue
            short = facts.qualname.rsplit(".", 1)[-1]
            self.report(
                node,
                f"`{short}()` relies on its default `{param}=None`, which `{sink}` receives: "
                f"requests can hang forever; pass `{param}=`",
            )
            return

    # -- timeout objects --------------------------------------------------------------------

    def _check_timeout_object(self, node: cst.Call, name: str, library: LibraryEntry) -> None:
        if has_star_args(node):
            return
        if library.timeout_style == "fields":
            args = positional(node)
            default = args[0].value if args else None
            kw = keyword(node, library.timeout_param or "timeout")
            if kw is not None:
                default = kw.value
            others = [a for a in node.args if a.keyword is not None and a is not kw]
            if default is not None and is_none(default) and all(is_none(a.value) for a in others):
                fix = None
                if not others and library.timeout_object_fix is not None:
                    fixed = cst.parse_expression(f"f({library.timeout_object_fix})")
                    assert isinstance(fixed, cst.Call)
                    fix = self.replacement(
                        node,
                        node.with_changes(args=fixed.args),
                        f"Set the timeout to `{library.timeout_object_fix}`",
                        "unsafe",
                    )
                self.report(node, f"`{name}(None)` disables every timeout", fix=fix)
        elif library.timeout_style == "total":
            values = [keyword(node, f) for f in library.timeout_fields]
            if positional(node):
                return
            if all(v is None or literal(v.value) is None for v in values):
                fix = None
                if not node.args and library.timeout_object_fix is not None:
                    fixed = cst.parse_expression(f"f({library.timeout_object_fix})")
                    assert isinstance(fixed, cst.Call)
                    fix = self.replacement(
                        node,
                        node.with_changes(args=fixed.args),
                        f"Set `{library.timeout_object_fix}`",
                        "unsafe",
                    )
                self.report(
                    node,
                    f"`{name}()` with no field set has no timeout at all: "
                    f"set {' or '.join(f'{f}=' for f in library.timeout_pool_fields)}",
                    fix=fix,
                )

    # -- fixes (unsafe: a request that used to wait now fails after the timeout) ---------------

    def _add_timeout(self, node: cst.Call, library: LibraryEntry) -> Fix | None:
        value = timeout_fix_value(library)
        if value is None or library.timeout_param is None or any(a.star == "*" for a in node.args):
            return None
        fixed = add_keyword(node, library.timeout_param, cst.parse_expression(value))
        return self.replacement(node, fixed, f"Add `{library.timeout_param}={value}`", "unsafe")

    def _replace_none(self, arg: cst.Arg, library: LibraryEntry) -> Fix | None:
        value = timeout_fix_value(library)
        if value is None or not is_none(arg.value):
            return None
        fixed = arg.with_changes(value=cst.parse_expression(value))
        return self.replacement(arg.value, fixed.value, f"Set `timeout={value}`", "unsafe")

    def _code(self, node: cst.CSTNode) -> str:
        return self.context.module.code_for_node(node)


_UNKNOWN = object()


def _none(value: cst.BaseExpression) -> str:
    """ "" when ``value`` is not None; " " when it is; a note when only one branch is."""
    if is_none(value):
        return " "
    if isinstance(value, cst.IfExp) and (is_none(value.body) or is_none(value.orelse)):
        return " (unless the caller passes one)"
    return ""
