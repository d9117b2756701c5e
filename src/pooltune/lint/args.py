"""Reading call arguments: keywords, and literal values where the code spells them out."""

from __future__ import annotations

import libcst as cst

UNKNOWN = object()  # a value we cannot know statically


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def has_star_args(call: cst.Call) -> bool:
    """``*args`` or ``**kwargs``: any argument may be in there, so we know nothing."""
    return any(arg.star for arg in call.args)


def positional(call: cst.Call) -> list[cst.Arg]:
    return [arg for arg in call.args if arg.keyword is None and not arg.star]


def literal(expr: cst.BaseExpression) -> object:
    """None, True/False, int/float literals (also negative); UNKNOWN for anything else."""
    if isinstance(expr, cst.Name) and expr.value in ("None", "True", "False"):
        return {"None": None, "True": True, "False": False}[expr.value]
    if isinstance(expr, cst.Integer):
        return int(expr.value.replace("_", ""), 0)
    if isinstance(expr, cst.Float):
        return float(expr.value.replace("_", ""))
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        value = literal(expr.expression)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value
    return UNKNOWN


def keyword_literal(call: cst.Call, name: str) -> object:
    """The literal value of keyword ``name``; UNKNOWN if absent or not a literal."""
    arg = keyword(call, name)
    return UNKNOWN if arg is None else literal(arg.value)


def is_none(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"
