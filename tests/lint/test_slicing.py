"""What the slicer hands libcst: of a catalog library imported whole, only the functions that
reach a listed name (or use the module bare) are kept; the findings stay those of the whole
module."""

from __future__ import annotations

import ast
import textwrap

from pooltune.lint.catalog import load_catalog
from pooltune.lint.engine import lint_source
from pooltune.lint.rules import ALL_RULES
from pooltune.lint.slicing import slice_source
from pooltune.lint.source import summarize_source
from pooltune.lint.summaries import view_for_single_module

CODES = frozenset(rule.code for rule in ALL_RULES)

SOURCE = textwrap.dedent(
    """\
    import httpx
    import requests
    import urllib.request


    def status(response):
        try:
            response.raise_for_status()
        except httpx.HTTPStatusError as exc:
            return exc.response.status_code


    def parse(data) -> httpx.Response:
        import httpx

        return httpx.Response(200, content=data)


    def fetch(url):
        with httpx.Client() as client:
            return client.get(url)


    def any_method(method, url):
        return getattr(requests, method)(url)


    def legacy(url):
        return urllib.request.urlopen(url)
    """
)


def _kept(source: str) -> dict[str, bool]:
    catalog = load_catalog()
    tree = ast.parse(source)
    summary = summarize_source(source, "m.py", catalog).summary
    assert summary is not None
    sliced = slice_source(source, tree, view_for_single_module(summary, catalog), catalog, False)
    stubbed = sliced.stubbed if sliced is not None else frozenset()  # None: all of it kept
    return {
        node.name: id(node) not in stubbed
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
    }


def test_members_of_a_library_module_not_listed_are_stubbed() -> None:
    assert _kept(SOURCE) == {
        "status": False,  # an exception class builds nothing
        "parse": False,  # a local `import httpx` reaches nothing by itself
        "fetch": True,  # httpx.Client is listed
        "any_method": True,  # the module used bare: any of its functions
        "legacy": True,  # urllib.request.urlopen, through `import urllib.request`
    }


def test_a_module_name_also_bound_to_a_listed_name_keeps_every_use() -> None:
    source = "from httpx import Client as httpx\n" + SOURCE
    assert all(_kept(source).values())


def test_stubbed_functions_change_no_finding() -> None:
    catalog = load_catalog()
    fast = lint_source(SOURCE, "m.py", catalog, CODES)
    reference = lint_source(SOURCE, "m.py", catalog, CODES, whole_module=True)
    assert fast.findings == reference.findings
    assert {(f.code, f.location.row) for f in fast.findings} >= {
        ("POOL003", 25),  # getattr(requests, method)(url) without timeout=
        ("POOL003", 29),  # urlopen without timeout
    }
