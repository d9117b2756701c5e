"""Small libcst rewrites the fixes share: add a keyword argument, keeping the call's layout."""

from __future__ import annotations

import libcst as cst

from pooltune.lint.catalog import LibraryEntry


def add_keyword(call: cst.Call, name: str, value: cst.BaseExpression) -> cst.Call:
    """``call`` with ``name=value`` after its last argument. A call laid out one argument per
    line keeps that layout (and its trailing comma); a one-line call stays on one line."""
    equal = cst.AssignEqual(
        whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
    )
    args = list(call.args)
    if not args:
        return call.with_changes(args=[cst.Arg(value, keyword=cst.Name(name), equal=equal)])
    last = args[-1]
    after = last.comma.whitespace_after if isinstance(last.comma, cst.Comma) else None
    if isinstance(after, cst.ParenthesizedWhitespace):
        # One argument per line, a trailing comma: the last argument keeps its comma and its
        # comment; the new one goes on a line of its own, before the closing parenthesis.
        between = (
            args[-2].comma.whitespace_after
            if len(args) > 1 and isinstance(args[-2].comma, cst.Comma)
            else call.whitespace_before_args
        )
        if isinstance(between, cst.ParenthesizedWhitespace):
            args[-1] = last.with_changes(
                comma=cst.Comma(
                    whitespace_before=last.comma.whitespace_before,  # type: ignore[union-attr]
                    whitespace_after=after.with_changes(
                        indent=between.indent, last_line=between.last_line
                    ),
                )
            )
        closing = cst.ParenthesizedWhitespace(indent=after.indent, last_line=after.last_line)
        new = cst.Arg(
            value,
            keyword=cst.Name(name),
            equal=equal,
            comma=cst.Comma(whitespace_after=closing),
        )
    elif after is not None:  # `f(a, )`: a trailing comma on one line
        new = cst.Arg(value, keyword=cst.Name(name), equal=equal, comma=last.comma)
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    else:
        new = cst.Arg(
            value,
            keyword=cst.Name(name),
            equal=equal,
            whitespace_after_arg=last.whitespace_after_arg,
        )
        args[-1] = last.with_changes(
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
            whitespace_after_arg=cst.SimpleWhitespace(""),
        )
    return call.with_changes(args=[*args, new])


class _Stubs(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.found = self.found or (
            not node.decorators
            and not node.params.children
            and node.returns is None
            and _is_pass(node.body)
        )

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.found = self.found or (
            not node.decorators and not node.bases and not node.keywords and _is_pass(node.body)
        )


def _is_pass(body: cst.BaseSuite) -> bool:
    return (
        isinstance(body, cst.SimpleStatementSuite)
        and len(body.body) == 1
        and isinstance(body.body[0], cst.Pass)
    )


def holds_stub(node: cst.CSTNode) -> bool:
    """Whether ``node`` holds a ``def name(): pass`` or ``class Name: pass``: the shape the
    engine's slicing gives a function or class no rule can see (its real body is not in the
    tree). A fix that would write such a node again is refused; a real one-line stub written
    again is the same text, so refusing it too loses nothing but the fix."""
    finder = _Stubs()
    node.visit(finder)
    return finder.found


def indents_at(ancestors: list[cst.CSTNode], module: cst.Module) -> list[str]:
    """The indentation tokens of the blocks around a node (outermost first)."""
    return [
        block.indent if block.indent is not None else module.default_indent
        for block in reversed(ancestors)
        if isinstance(block, cst.IndentedBlock)
    ]


def code_in_place(module: cst.Module, node: cst.CSTNode, indents: list[str]) -> str:
    """The code of ``node`` as it reads where it stands: continuation lines and nested blocks
    indented from the enclosing blocks (``Module.code_for_node`` starts at column 0). A
    statement's own first indentation is left out: the edit starts after it."""
    from libcst._nodes.internal import CodegenState

    state = CodegenState(
        default_indent=module.default_indent, default_newline=module.default_newline
    )
    state.indent_tokens.extend(indents)
    node._codegen(state)
    code = "".join(state.tokens)
    prefix = "".join(indents)
    if isinstance(node, cst.BaseStatement) and code.startswith(prefix):
        code = code[len(prefix) :]
    return code


def timeout_fix_value(library: LibraryEntry, measured: str | None = None) -> str | None:
    """The `timeout=` value POOL003's fix writes: ``measured`` (a Python expression, e.g. from a
    `pooltune recommend` profile) when given, else the library's stated default (the catalog's
    `timeout_fix`); None when the library has neither."""
    return measured if measured is not None else library.timeout_fix
