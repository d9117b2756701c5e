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


def _findings(source: str, enabled: set[str], filename: str = "t.py") -> list[tuple[str, str]]:
    result = lint_source(source, filename, load_catalog(), enabled, PROJECT)
    return [(f.code, f.message) for f in result.findings]


def test_per_call_and_never_closed_are_two_findings_that_do_not_repeat() -> None:
    """A per-call local client never closed: POOL001 (a pool per call) and POOL002 (never
    closed, design.md section 1's letter), each saying its own problem; with POOL002 off,
    POOL001's message carries the close."""
    source = (
        "import requests\ndef f(u):\n    s = requests.Session()\n    return s.get(u, timeout=5)\n"
    )
    found = _findings(source, {"POOL001", "POOL002"})
    assert [code for code, _ in found] == ["POOL001", "POOL002"]
    assert "never closed" not in found[0][1]
    assert "never closed" in found[1][1] and "s.close()" in found[1][1]
    alone = _findings(source, {"POOL001"})
    assert [code for code, _ in alone] == ["POOL001"]
    assert "never closed" in alone[0][1] and "s.close()" in alone[0][1]
    assert [code for code, _ in _findings(source, {"POOL002"})] == ["POOL002"]


def test_messages_name_the_class_never_the_factory_function() -> None:
    source = (
        "import requests\ndef f(u):\n    with requests.session() as s:\n        return s.get(u)\n"
    )
    messages = [m for _, m in _findings(source, {"POOL001", "POOL003"})]
    assert len(messages) == 2
    assert all("`requests.Session" in m and "requests.session" not in m for m in messages)


@pytest.mark.parametrize(
    "filename", ["tests/helpers.py", "test_api.py", "api_test.py", "conftest.py", "pkg/test/x.py"]
)
def test_test_code_is_exempt_from_pool001_and_pool008(filename: str) -> None:
    source = (
        "import requests\nasync def f(u):\n    with requests.Session() as s:\n"
        "        return s.get(u, timeout=5)\n"
    )
    assert _findings(source, {"POOL001", "POOL008"}, filename) == []
    assert {c for c, _ in _findings(source, {"POOL001", "POOL008"}, "app.py")} == {
        "POOL001",
        "POOL008",
    }
    fixture = (
        "import pytest, httpx\n@pytest.fixture\nasync def client():\n    c = httpx.Client()\n"
        "    yield c\n"
    )
    assert _findings(fixture, {"POOL001", "POOL008"}) == []


def test_one_serializer_for_the_cache_and_the_json_report() -> None:
    from pooltune.lint.findings import finding_from_dict, finding_to_dict
    from pooltune.lint.report.json_report import finding_to_json

    source = "import httpx\nlimits = httpx.Limits(keepalive_expiry=30)\n"
    (finding,) = lint_source(source, "t.py", load_catalog(), {"POOL006"}).findings
    raw = finding_to_dict(finding)
    assert finding_from_dict(raw) == finding and finding_from_dict(raw).fix == finding.fix
    assert {k: v for k, v in finding_to_json(finding).items() if k != "url"} == raw


def test_pep701_fstrings_lint_the_same_on_every_interpreter() -> None:
    """A 3.12 f-string (quotes reused inside, a field over several lines) is linted, never
    POOL000, whatever Python runs the linter; its findings are those of the same code
    written the old way."""
    new_style = (
        "import requests\n\n\ndef titles(urls, tags):\n    for url in urls:\n"
        "        page = requests.get(url)\n"
        '        print(f"{page.json()["title"]}: {", ".join(tags)}")\n'
        '    return f"""{\n        len(urls)\n    } pages"""\n'
    )
    old_style = new_style.replace('page.json()["title"]', "page.json()['title']").replace(
        '", ".join(tags)', "', '.join(tags)"
    )
    codes = {"POOL000", "POOL001", "POOL003"}
    new = lint_source(new_style, "t.py", load_catalog(), codes, PROJECT).findings
    old = lint_source(old_style, "t.py", load_catalog(), codes, PROJECT).findings
    assert [(f.code, f.location, f.end_location, f.message) for f in new] == [
        (f.code, f.location, f.end_location, f.message) for f in old
    ]
    assert sorted(f.code for f in new) == ["POOL001", "POOL003"]


def test_one_call_three_rules_three_different_points() -> None:
    """`requests.post` without a timeout in an async handler: POOL001 says the pool, POOL003
    the timeout, POOL008 the event loop; no sentence of one repeats another's."""
    source = (
        "import requests\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
        "@app.post('/auth/token')\nasync def token(code: str) -> dict:\n"
        "    return requests.post('https://oauth2.example/token', data={'code': code}).json()\n"
    )
    found = dict(_findings(source, {"POOL001", "POOL003", "POOL008"}))
    assert set(found) == {"POOL001", "POOL003", "POOL008"}
    assert "connection pool" in found["POOL001"] and "timeout" not in found["POOL001"]
    assert "hang forever" in found["POOL003"] and "pool" not in found["POOL003"]
    assert "event loop" in found["POOL008"] and "pool" not in found["POOL008"]
    clauses = [set(message.split("; ")) for message in found.values()]
    assert not (clauses[0] & clauses[1] or clauses[0] & clauses[2] or clauses[1] & clauses[2])


def test_opt_in_rules_need_their_own_selector() -> None:
    from pooltune.config import expand_selectors

    known = ["POOL001", "POOL003", "POOL101"]
    assert expand_selectors(("POOL",), known, "select") == {"POOL001", "POOL003"}
    assert expand_selectors(("POOL0",), known, "select") == {"POOL001", "POOL003"}
    for selector in ("POOL101", "POOL1", "POOL10", "ALL"):
        assert "POOL101" in expand_selectors((selector,), known, "select")


def test_text_neither_parser_reads_is_pool000_not_a_crash() -> None:
    """libcst refuses some text with its own errors (a non-identifier letter): CPython's
    syntax error is the finding, whichever parser tried last."""
    source = "import requests\nfields = 1\n\U00016100\n"
    result = lint_source(source, "t.py", load_catalog(), {"POOL000", "POOL001"})
    assert [f.code for f in result.findings] == ["POOL000"]
