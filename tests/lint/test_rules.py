"""Each rule on real snippets: the bad ones produce it, the good ones do not."""

from __future__ import annotations

import pytest

from pooltune.lint.catalog import load_catalog
from pooltune.lint.engine import lint_source
from pooltune.lint.rule import ProjectInfo
from tests.lint.cases import BAD, GOOD

PROJECT = ProjectInfo(frozenset({"httpx", "httpx2", "aiohttp", "requests", "openai"}))


def codes(source: str, code: str, project: ProjectInfo = PROJECT) -> list[str]:
    result = lint_source(source, "t.py", load_catalog(), {code}, project)
    return [f.code for f in result.findings]


@pytest.mark.parametrize(("code", "source"), BAD, ids=[f"{c}-{i}" for i, (c, _) in enumerate(BAD)])
def test_bad_snippet_produces_rule(code: str, source: str) -> None:
    assert code in codes(source, code)


@pytest.mark.parametrize(
    ("code", "source"), GOOD, ids=[f"{c}-{i}" for i, (c, _) in enumerate(GOOD)]
)
def test_good_snippet_is_clean(code: str, source: str) -> None:
    assert codes(source, code) == []


def test_pool007_needs_project_metadata() -> None:
    source = "import httpx\nc = httpx.AsyncClient(http2=True)\n"
    assert codes(source, "POOL007", ProjectInfo(None)) == []
    assert codes(source, "POOL007", ProjectInfo(frozenset({"httpx", "httpx[http2]"}))) == []
    assert codes(source, "POOL007", ProjectInfo(frozenset({"httpx", "h2"}))) == []
    assert codes(source, "POOL007", ProjectInfo(frozenset({"httpx"}))) == ["POOL007"]


def test_finding_is_reported_at_the_keyword() -> None:
    source = (
        "import httpx\nl = httpx.Limits(\n    max_connections=10,\n    keepalive_expiry=None,\n)\n"
    )
    result = lint_source(source, "t.py", load_catalog(), {"POOL006"})
    assert [(f.location.row, f.location.column) for f in result.findings] == [(4, 5)]


def test_pool011_reports_every_session_after_the_first() -> None:
    source = (
        "import aiohttp\nasync def f():\n    c = aiohttp.TCPConnector()\n"
        "    a = aiohttp.ClientSession(connector=c)\n    b = aiohttp.ClientSession(connector=c)\n"
        "    d = aiohttp.ClientSession(connector=c)\n    return a, b, d\n"
    )
    result = lint_source(source, "t.py", load_catalog(), {"POOL011"})
    assert [f.location.row for f in result.findings] == [5, 6]


@pytest.mark.parametrize(
    "comment",
    ["# noqa", "# noqa: POOL003", "# noqa: E501, POOL003", "# pooltune: ignore[POOL003]"],
)
def test_suppression_comments(comment: str) -> None:
    source = f"import requests\nrequests.get('x')  {comment}\n"
    assert codes(source, "POOL003") == []


def test_suppression_of_another_code_keeps_the_finding() -> None:
    source = "import requests\nrequests.get('x')  # noqa: POOL001\n"
    assert codes(source, "POOL003") == ["POOL003"]
