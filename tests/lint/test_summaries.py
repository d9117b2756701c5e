"""Function summaries joined across the modules of a linted tree (the two-phase runner)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pooltune.lint.catalog import load_catalog
from pooltune.lint.rules import RULES_BY_CODE
from pooltune.lint.runner import lint_files
from pooltune.lint.summaries import (
    ModuleSummary,
    ProjectIndex,
    absolute_import,
    module_name_for,
    summarize,
)

ALL = frozenset(RULES_BY_CODE)


def _tree(root: Path, files: dict[str, str]) -> list[str]:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return sorted(str(root / name) for name in files)


def _lint(
    root: Path, files: dict[str, str], cache: Path | None = None
) -> set[tuple[str, str, int]]:
    names = _tree(root, files)
    run = lint_files(names, dict.fromkeys(names, ALL), cache)
    return {
        (Path(f.filename).relative_to(root).as_posix(), f.code, f.location.row)
        for f in run.findings
    }


def test_module_names_follow_packages(tmp_path: Path) -> None:
    _tree(tmp_path, {"pkg/__init__.py": "", "pkg/api/__init__.py": "", "pkg/api/routes.py": ""})
    assert module_name_for(str(tmp_path / "pkg/api/routes.py")) == ("pkg.api.routes", False)
    assert module_name_for(str(tmp_path / "pkg/api/__init__.py")) == ("pkg.api", True)
    assert absolute_import(".http.get", "pkg.api.routes", False) == "pkg.api.http.get"
    assert absolute_import("..x", "pkg.api.routes", False) == "pkg.x"
    assert absolute_import(".http", "pkg.api", True) == "pkg.api.http"


def test_namespace_subpackages_are_named_inside_their_package(tmp_path: Path) -> None:
    """A folder without __init__.py inside a package imports as `pkg.sub.mod` (PEP 420): a
    handler's call into it is joined, so the request made there is per request."""
    files = {
        "app/__init__.py": "",
        "app/server/__init__.py": "",
        "app/server/listen.py": (
            "from fastapi import FastAPI\n"
            "from app.server.data_models.feedback import store_feedback\n"
            "app = FastAPI()\n"
            "@app.post('/api/submit-feedback')\n"
            "async def submit_feedback(feedback: dict) -> dict:\n"
            "    return store_feedback(feedback)\n"
        ),
        "app/server/data_models/feedback.py": (
            "import requests\n"
            "def store_feedback(feedback: dict) -> dict:\n"
            "    reply = requests.post('https://feedback.example', json=feedback, timeout=30)\n"
            "    return reply.json()\n"
        ),
    }
    found = _lint(tmp_path, files)
    assert module_name_for(str(tmp_path / "app/server/data_models/feedback.py")) == (
        "app.server.data_models.feedback",
        False,
    )
    assert ("app/server/data_models/feedback.py", "POOL001", 3) in found
    assert module_name_for(str(tmp_path / "loose/tool.py")) == ("tool", False)


def test_summary_round_trips_through_json() -> None:
    source = (
        "import requests\nclass A:\n    def _s(self):\n        s = requests.Session()\n"
        "        return s\n    def get(self, u):\n        return self._s().get(u)\n"
    )
    summary = summarize(ast.parse(source), load_catalog(), "m.py", "m", False)
    assert summary.functions["m.A._s"].factory == "requests.Session"
    assert ModuleSummary.from_json(summary.to_json()) == summary


def test_this_rounds_phase_one_facts_round_trip_through_json() -> None:
    """What the cache keeps for the join: run-once `if`s, the coroutines `asyncio.run` starts
    and who starts them, module-level objects and the classes functions return, flags every
    call passes as True, getters' guarded attributes, attributes a class builds, demos."""
    source = (
        "import asyncio, time\nimport httpx\nfrom openai import OpenAI\n\n"
        "class Chat:\n"
        "    def __init__(self):\n        self.client = OpenAI()\n"
        "    def get_client(self):\n"
        "        if self.client is not None:\n            return self.client\n"
        "        return OpenAI()\n"
        "    async def _make(self, async_client=False):\n"
        "        if async_client:\n            return httpx.AsyncClient()\n"
        "        return httpx.Client()\n"
        "    async def run(self, items):\n"
        "        c = await self._make(async_client=True)\n"
        "        llm = None\n"
        "        for item in items:\n"
        "            if llm is None:\n                llm = OpenAI()\n"
        "        if time.time() - self.at > 60:\n            self.at = time.time()\n"
        "        return c\n\n"
        "def create():\n    chat = Chat()\n    return 1, chat\n\n"
        "def sync_run():\n    return asyncio.run(Chat().run([]))\n\n"
        "if __name__ == '__main__':\n"
        "    def demo():\n        print(1)\n"
        "    n, chat = create()\n"
    )
    summary = summarize(ast.parse(source), load_catalog(), "m.py", "m", False)
    chat = summary.functions["m.Chat.get_client"]
    assert (chat.factory, chat.factory_fallback, chat.factory_given) == (
        "openai.OpenAI",
        True,
        ["client"],
    )
    assert summary.classes["m.Chat"].built == ["client", "at"]  # set from a call's result
    assert summary.functions["m.Chat.run"].true_flags == {"m.Chat#_make": ["async_client"]}
    assert summary.functions["m.create"].return_types == ["", "m.Chat"]
    assert summary.functions["m.demo"].demo
    assert summary.instances == {"chat": "m.create[1]", "n": "m.create[0]"}
    assert summary.loop_starters == {"m.Chat#run": ["m.sync_run"]}
    assert len(summary.once_guards) == 2
    assert ModuleSummary.from_json(summary.to_json()) == summary


def test_factory_in_one_module_called_in_a_handler_of_another(tmp_path: Path) -> None:
    found = _lint(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/http.py": (
                "import requests\n\ndef get_session():\n    s = requests.Session()\n"
                "    s.headers.update({'user-agent': 'bot'})\n    return s\n"
            ),
            "app/api.py": (
                "from fastapi import FastAPI\nfrom .http import get_session\n\napp = FastAPI()\n\n"
                "@app.get('/')\ndef index():\n    with get_session() as s:\n"
                "        return s.get('https://x').text\n"
            ),
        },
    )
    assert ("app/api.py", "POOL001", 8) in found  # the factory call is the build
    assert ("app/api.py", "POOL003", 9) in found  # ... and keeps its type: Session.get
    assert not any(f[0] == "app/http.py" for f in found)  # the factory hands its client on


def test_reexported_factory_and_base_class_in_another_module(tmp_path: Path) -> None:
    found = _lint(
        tmp_path,
        {
            "lib/__init__.py": "from .base import Base\nfrom .http import make\n",
            "lib/http.py": "import httpx\n\ndef make():\n    return httpx.Client(timeout=5)\n",
            "lib/base.py": (
                "import requests\n\nclass Base:\n    def __init__(self):\n"
                "        self.session = requests.Session()\n\n    def close(self):\n"
                "        self.session.close()\n"
            ),
            "tool.py": (
                "import lib\nfrom lib import Base\n\nclass Tool(Base):\n    def run(self, q):\n"
                "        return self.session.get('https://x', params={'q': q})\n\n"
                "def once(u):\n    return lib.make().get(u)\n"
            ),
        },
    )
    assert ("tool.py", "POOL003", 6) in found  # self.session is the base class's Session
    assert ("tool.py", "POOL001", 9) in found  # lib.make is lib.http.make, a factory
    assert not any(f[0] == "lib/base.py" for f in found)  # closed by the base class


def test_function_called_per_request_from_another_module(tmp_path: Path) -> None:
    found = _lint(
        tmp_path,
        {
            "svc/__init__.py": "",
            "svc/crm.py": (
                "import requests\n\ndef lookup(i):\n"
                "    return requests.get(f'https://crm/{i}', timeout=5).json()\n"
            ),
            "svc/web.py": (
                "from flask import Flask\nfrom svc.crm import lookup\n\nweb = Flask(__name__)\n\n"
                "@web.route('/t/<i>')\ndef ticket(i):\n    return lookup(i)\n"
            ),
        },
    )
    assert found == {("svc/crm.py", "POOL001", 4)}


def test_a_change_elsewhere_relints_the_dependent_file(tmp_path: Path) -> None:
    files = {
        "p/__init__.py": "",
        "p/http.py": "import httpx\n\ndef make():\n    return httpx.Client(timeout=5)\n",
        "p/use.py": "from p.http import make\n\ndef get(u):\n    return make().get(u)\n",
    }
    cache = tmp_path / "cache"
    assert ("p/use.py", "POOL001", 4) in _lint(tmp_path, files, cache)
    # the factory becomes a cached one: p/use.py is unchanged, its finding must go
    files["p/http.py"] = (
        "import functools\nimport httpx\n\n@functools.lru_cache\ndef make():\n"
        "    return httpx.Client(timeout=5)\n"
    )
    assert _lint(tmp_path, files, cache) == set()
    names = _tree(tmp_path, files)
    run = lint_files(names, dict.fromkeys(names, ALL), cache)
    assert run.from_cache == len(names)


def test_two_files_claiming_one_module_name_keep_their_own_facts(tmp_path: Path) -> None:
    script = (
        "from fastapi import FastAPI\nimport httpx\napp = FastAPI()\n\n@app.get('/')\n"
        "async def i():\n    async with httpx.AsyncClient() as c:\n"
        "        return await c.get('x')\n"
    )
    found = _lint(tmp_path, {"a/main.py": script, "b/main.py": script})
    assert {(f[0], f[1]) for f in found} == {("a/main.py", "POOL001"), ("b/main.py", "POOL001")}


@pytest.mark.parametrize(
    ("source", "factory"),
    [
        ("import httpx\ndef f():\n    return httpx.Client()\n", "httpx.Client"),
        ("import requests\ndef f():\n    return requests.session()\n", "requests.Session"),
        (
            "import httpx\nclass A:\n    @property\n    def c(self):\n"
            "        return self.x or httpx.Client()\n",
            "httpx.Client",
        ),
        ("import httpx\ndef f(x):\n    c = httpx.Client()\n    x.c = c\n    return c\n", None),
        ("import httpx, functools\n@functools.cache\ndef f():\n    return httpx.Client()\n", None),
        ("import httpx\ndef f(c):\n    return c or None\n", None),
    ],
)
def test_factories(source: str, factory: str | None) -> None:
    summary = summarize(ast.parse(source), load_catalog(), "m.py", "m", False)
    index = ProjectIndex([summary], load_catalog())
    found = {index.factory(q) for q in summary.functions} - {None}
    assert found == ({factory} if factory else set())


def test_public_api_called_only_from_a_cli_elsewhere_is_still_per_call(tmp_path: Path) -> None:
    """`KeysClient.list` is API (its users are outside the tree); a helper of the CLI module
    itself, called only from the CLI command, runs once per process: POOL102 (opt-in), not
    POOL001."""
    found = _lint(
        tmp_path,
        {
            "sdk/__init__.py": "",
            "sdk/keys.py": (
                "import requests\n\nclass KeysClient:\n    def list(self):\n"
                "        with requests.Session() as s:\n"
                "            return s.get('https://x/keys', timeout=5).json()\n"
            ),
            "sdk/cli.py": (
                "import click\nimport httpx\nfrom sdk.keys import KeysClient\n\n"
                "def check(url):\n    return httpx.get(url, timeout=5)\n\n"
                "class Helpers:\n    def ping(self, url):\n"
                "        return httpx.get(url, timeout=5)\n\n"
                "@click.command()\ndef main(url):\n    check(url)\n    Helpers().ping(url)\n"
                "    print(KeysClient().list())\n"
            ),
        },
    )
    assert found == {
        ("sdk/keys.py", "POOL001", 5),
        ("sdk/cli.py", "POOL102", 6),
        ("sdk/cli.py", "POOL102", 10),
    }


def test_a_name_called_on_an_unknown_receiver_may_have_unseen_callers(tmp_path: Path) -> None:
    """`scrape` is called from `main` (one-shot) but also as `self.scraper.scrape(url)`, whose
    receiver we cannot resolve: it may run per request, so its per-call client is reported."""
    found = _lint(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/scrape.py": (
                "import httpx\n\nclass Scraper:\n    def scrape(self, url):\n"
                "        return self.scrape_with_httpx(url)\n\n"
                "    def scrape_with_httpx(self, url):\n"
                "        with httpx.Client(timeout=5) as client:\n"
                "            return client.get(url).text\n\n"
                "def main(url):\n    scraper = Scraper()\n    print(scraper.scrape(url))\n"
            ),
            "app/commands.py": (
                "class Commands:\n    def cmd_web(self, url):\n"
                "        return self.scraper.scrape(url)\n"
            ),
        },
    )
    assert found == {("app/scrape.py", "POOL001", 8)}


@pytest.mark.parametrize(
    ("loop", "kind"),
    [
        # a counter's name never decides: the same shapes with any name
        (
            "for {n} in range(3):\n    try:\n        return get()\n    except E:\n        pass\n",
            "retry",
        ),
        (
            "while {n} < 5:\n    r = get()\n    if r.ok:\n        return r\n"
            "    if r.status == 429:\n        time.sleep(1)\n    {n} += 1\n",
            "retry",
        ),
        (
            "while {n} < 100:\n    job = get()\n    if job['done']:\n        return job\n"
            "    {n} += 1\n    time.sleep(3)\n",
            "poll",
        ),
        (
            "for {n} in range(30):\n    if get()['done']:\n        break\n    time.sleep(2)\n",
            "poll",
        ),
        ("for {n} in range(3):\n    get()\n", "work"),
        # a fallback over alternatives: it leaves on the first success, from inside the `try`
        (
            "for {n} in urls:\n    try:\n        return get({n})\n    except E:\n        pass\n",
            "retry",
        ),
        (
            "for {n} in urls:\n    try:\n        out.append(get({n}))\n    except E:\n"
            "        continue\n    if len(out) > 9:\n        break\n",
            "work",
        ),
    ],
)
@pytest.mark.parametrize("name", ["n", "attempt", "retry_count", "i"])
def test_loop_kind_by_shape_never_by_name(loop: str, kind: str, name: str) -> None:
    from pooltune.lint.loops import LoopKind, loop_kind

    source = "import time\n" + loop.replace("{n}", name)
    node = ast.parse(source).body[1]
    assert isinstance(node, (ast.For, ast.While))
    resolve = lambda e: ast.unparse(e)  # noqa: E731
    assert loop_kind(node, resolve, ("time.sleep",)) is LoopKind(kind)
