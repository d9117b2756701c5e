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
    if isinstance(last.comma, cst.Comma):  # a trailing comma: the new argument takes it over
        between = (
            args[-2].comma.whitespace_after
            if len(args) > 1 and isinstance(args[-2].comma, cst.Comma)
            else call.whitespace_before_args
        )
        new = cst.Arg(value, keyword=cst.Name(name), equal=equal, comma=last.comma)
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=between))
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


def timeout_fix_value(library: LibraryEntry, measured: str | None = None) -> str | None:
    """The `timeout=` value POOL003's fix writes: ``measured`` (a Python expression, e.g. from a
    `pooltune recommend` profile) when given, else the library's stated default (the catalog's
    `timeout_fix`); None when the library has neither."""
    return measured if measured is not None else library.timeout_fix
