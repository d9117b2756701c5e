"""Strict TOML tables -> frozen dataclasses, for the linter's configuration and catalog.

pydantic would do this, but importing it costs more than linting a small file (bench/
lint_startup.py), and the linter's inputs are a handful of flat tables: strings, booleans,
integers, lists and tables of those, nested tables of the same. Unknown keys and wrong types
are errors that name the key; lists become tuples.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

T = TypeVar("T")


class TableError(ValueError):
    """``key`` is the dotted path of the offending key; the message says what is wrong."""

    def __init__(self, key: str, message: str, unknown: bool = False) -> None:
        super().__init__(f"{key}: {message}" if key else message)
        self.key = key
        self.unknown = unknown


def field_key(field: dataclasses.Field[Any]) -> str:
    """The key a field is spelled with in TOML (``alias`` metadata, else its name)."""
    return str(field.metadata.get("alias", field.name))


def keys_of(cls: type[Any]) -> list[str]:
    return sorted(field_key(f) for f in dataclasses.fields(cls))


@functools.cache
def _hints(cls: type[Any]) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_table(cls: type[T], table: object, where: str = "") -> T:
    """Build ``cls`` (a dataclass) from a TOML table; keys by alias or by field name."""
    if not isinstance(table, dict):
        raise TableError(where, f"expected a table, got {_kind(table)}")
    fields: dict[str, dataclasses.Field[Any]] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        fields[field_key(f)] = f
        fields[f.name] = f
    values: dict[str, Any] = {}
    hints = _hints(cls)  # type: ignore[arg-type]
    for key, raw in table.items():
        path = f"{where}.{key}" if where else str(key)
        found = fields.get(key)
        if found is None:
            raise TableError(path, "unknown key", unknown=True)
        values[found.name] = _convert(hints[found.name], raw, path)
    missing = [
        field_key(f)
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if f.name not in values
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise TableError(where, f"missing key {missing[0]!r}")
    return cls(**values)


def _convert(hint: Any, raw: object, path: str) -> Any:
    origin = get_origin(hint)
    if hint is Any:
        return raw
    if origin in (Union, types.UnionType):
        options = get_args(hint)
        if raw is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _convert(option, raw, path)
            except TableError as exc:
                errors.append(exc)
        raise errors[0]
    if origin is Literal:
        if raw in get_args(hint):
            return raw
        allowed = ", ".join(repr(a) for a in get_args(hint))
        raise TableError(path, f"expected one of {allowed}, got {raw!r}")
    if origin is tuple:
        item = get_args(hint)[0]
        if not isinstance(raw, list):
            raise TableError(path, f"expected a list, got {_kind(raw)}")
        return tuple(_convert(item, value, f"{path}[{i}]") for i, value in enumerate(raw))
    if origin is dict:
        key_type, value_type = get_args(hint)
        if not isinstance(raw, dict):
            raise TableError(path, f"expected a table, got {_kind(raw)}")
        return {
            _convert(key_type, k, path): _convert(value_type, v, f"{path}.{k}")
            for k, v in raw.items()
        }
    if dataclasses.is_dataclass(hint):
        return from_table(hint, raw, path)  # type: ignore[arg-type]
    if hint is bool:
        if isinstance(raw, bool):
            return raw
        raise TableError(path, f"expected true or false, got {_kind(raw)}")
    if hint is str:
        if isinstance(raw, str):
            return raw
        raise TableError(path, f"expected a string, got {_kind(raw)}")
    if hint is int:
        # TOML booleans are Python ints; a boolean where a number belongs is a mistake.
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        raise TableError(path, f"expected an integer, got {_kind(raw)}")
    raise TypeError(f"{path}: unsupported field type {hint!r}")  # a bug of ours, not the user's


def _kind(value: object) -> str:
    names = {str: "a string", bool: "a boolean", int: "an integer", float: "a number"}
    names.update({list: "a list", dict: "a table", type(None): "nothing"})
    return names.get(type(value), type(value).__name__)
