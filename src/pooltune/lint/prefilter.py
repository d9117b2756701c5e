"""Which files are worth libcst: a fast `ast` pass that resolves imports and looks for calls.

libcst's parse costs ~8x `ast.parse` and its metadata several times more. A rule can only fire
where a file *calls* a catalog name (a client, a module-level request function, a Timeout or
Limits class) or annotates a parameter with a client class (streams on a passed-in client).
Type annotations alone (`timeout: httpx.Timeout | None`, all over the SDKs) do not count.
The same `ast.parse` is the syntax check for every file.
"""

from __future__ import annotations

import ast
import functools

from pooltune.lint.catalog import Catalog


@functools.cache
def _catalog_names(catalog: Catalog) -> tuple[frozenset[str], frozenset[str]]:
    called = set(catalog.clients) | set(catalog.calls) | set(catalog.timeout_classes)
    called |= set(catalog.limits_classes) | catalog.sdk_default_http_clients
    return frozenset(called), frozenset(catalog.clients)


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> fully qualified name, from every import in the file."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    aliases[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _resolve(expr: ast.expr, aliases: dict[str, str]) -> str | None:
    parts: list[str] = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name) or expr.id not in aliases:
        return None
    return ".".join([aliases[expr.id], *reversed(parts)])


def needs_libcst(tree: ast.Module, catalog: Catalog) -> bool:
    called, clients = _catalog_names(catalog)
    aliases = _aliases(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _resolve(node.func, aliases) in called:
            return True
        if isinstance(node, ast.arg) and node.annotation is not None:
            for sub in ast.walk(node.annotation):
                if isinstance(sub, (ast.Name, ast.Attribute)) and _resolve(sub, aliases) in clients:
                    return True
    return False
