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


class _Finder(ast.NodeVisitor):
    def __init__(self, called: frozenset[str], clients: frozenset[str]) -> None:
        self.called, self.clients = called, clients
        self.aliases: dict[str, str] = {}
        self.found = False

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                self.aliases[top] = top

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and not node.level:
            for alias in node.names:
                self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def _resolve(self, expr: ast.expr) -> str | None:
        parts: list[str] = []
        while isinstance(expr, ast.Attribute):
            parts.append(expr.attr)
            expr = expr.value
        if not isinstance(expr, ast.Name) or expr.id not in self.aliases:
            return None
        return ".".join([self.aliases[expr.id], *reversed(parts)])

    def visit_Call(self, node: ast.Call) -> None:
        if not self.found and self._resolve(node.func) in self.called:
            self.found = True
        self.generic_visit(node)

    def visit_arg(self, node: ast.arg) -> None:
        if node.annotation is not None and not self.found:
            for sub in ast.walk(node.annotation):
                if (
                    isinstance(sub, (ast.Name, ast.Attribute))
                    and self._resolve(sub) in self.clients
                ):
                    self.found = True
                    break


def needs_libcst(tree: ast.Module, catalog: Catalog) -> bool:
    called, clients = _catalog_names(catalog)
    finder = _Finder(called, clients)
    # Imports first (they may come after use inside functions; the order does not matter here).
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            finder.visit_Import(node)
        elif isinstance(node, ast.ImportFrom):
            finder.visit_ImportFrom(node)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if finder._resolve(node.func) in called:
                return True
        elif isinstance(node, ast.arg):
            finder.visit_arg(node)
            if finder.found:
                return True
    return False
