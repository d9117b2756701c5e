"""End to end: a small FastAPI support bot that builds its clients per request, driven in-process
through Starlette's TestClient (lifespan included) against `pooltune sim`; then
`pooltune lint --fix --unsafe-fixes` hoists the clients into the app's lifespan, and
`pooltune fix --profile` writes a real `recommend` run's settings into the code."""

from __future__ import annotations

import gc
import importlib
import logging
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pooltune.sim.handle import fetch_stats, reset_stats
from tests.lint.conftest import run_pooltune

pytest.importorskip("fastapi")
pytest.importorskip("aiohttp")
pytest.importorskip("openai")
pytest.importorskip("requests")

PACKAGE = "supportbot"
CALLS = 4  # per route
POOLED_ROUTES = ("/ask", "/embed", "/complete", "/chat", "/sync")
STREAM_ROUTE = "/stream"
ROUTES = (*POOLED_ROUTES, STREAM_ROUTE)
STATS_CONNECTION = 1  # the sim's control requests open their own connection

LLM = '''\
from openai import AsyncOpenAI

BASE_URL = "{url}/v1"


def make_llm() -> AsyncOpenAI:
    """A new SDK client (and pool) on every call."""
    return AsyncOpenAI(base_url=BASE_URL, api_key="sk-test", max_retries=0)
'''

MAIN = '''\
"""The support bot: every route builds its own client."""

import aiohttp
import httpx
import requests
from fastapi import FastAPI

from supportbot.llm import BASE_URL, make_llm

app = FastAPI(title="support bot")

MESSAGES = [{"role": "user", "content": "hello"}]


@app.get("/ask")
async def ask() -> str:
    llm = make_llm()  # through a factory
    reply = await llm.chat.completions.create(model="sim", messages=MESSAGES)
    return reply.choices[0].message.content or ""


@app.get("/embed")
async def embed() -> int:
    # with `async with`
    async with httpx.AsyncClient(base_url=BASE_URL, timeout=10.0) as client:
        response = await client.post("/embeddings", json={"model": "sim", "input": "hi"})
        return response.status_code


@app.get("/complete")
async def complete() -> int:
    client = httpx.AsyncClient(timeout=10.0)
    try:
        response = await client.post(BASE_URL + "/completions", json={"model": "m", "prompt": "x"})
    finally:
        await client.aclose()
    return response.status_code


@app.get("/chat")
async def chat() -> int:
    session = aiohttp.ClientSession()  # never closed
    body = {"model": "sim", "messages": MESSAGES}
    async with session.post(BASE_URL + "/chat/completions", json=body) as response:
        await response.json()  # read whole: aiohttp keeps only a drained connection
        return response.status


@app.get("/sync")
def sync_chat() -> int:
    body = {"model": "sim", "messages": MESSAGES}
    return requests.post(BASE_URL + "/chat/completions", json=body).status_code  # no timeout


@app.get("/stream")
async def first_token() -> str:
    client = httpx.AsyncClient(timeout=10.0)
    body = {"model": "sim", "messages": MESSAGES, "stream": True}
    request = client.build_request("POST", BASE_URL + "/chat/completions", json=body)
    response = await client.send(request, stream=True)
    async for line in response.aiter_lines():
        if line.startswith("data:"):
            return line  # early exit: the streamed response is never closed
    return ""
'''


@pytest.fixture
def bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pooltune_sim: Callable[..., Any]
) -> Iterator[tuple[Path, Any]]:
    sim = pooltune_sim(no_tls=True, service_ms=10, token_ms=1)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "supportbot"\ndependencies = ["fastapi", "httpx", "aiohttp", "openai"]\n'
    )
    package = tmp_path / PACKAGE
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "llm.py").write_text(LLM.format(url=sim.url))
    (package / "main.py").write_text(MAIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    yield tmp_path, sim
    _forget_package()


def _forget_package() -> None:
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]


@dataclass
class Driven:
    pooled: dict[str, int]  # the sim's counters after the routes that keep their connections
    streamed_open: int  # connections the streaming calls opened and left open
    unclosed: list[str]  # "Unclosed client session" reports (warnings and asyncio's log)


def _drive(sim: Any, caplog: pytest.LogCaptureFixture) -> Driven:
    """Every route CALLS times through TestClient (lifespan run). A stream closed before its
    end cannot go back to the pool (its connection closes), so the streaming route is counted
    apart: what matters there is that nothing stays open."""
    from fastapi.testclient import TestClient

    _forget_package()
    importlib.invalidate_caches()
    app = importlib.import_module(f"{PACKAGE}.main").app
    caplog.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with caplog.at_level(logging.ERROR, logger="asyncio"), TestClient(app) as client:
            reset_stats(sim)
            for route in POOLED_ROUTES:
                for _ in range(CALLS):
                    response = client.get(route)
                    assert response.status_code == 200, (route, response.text)
            pooled = fetch_stats(sim)
            for _ in range(CALLS):
                response = client.get(STREAM_ROUTE)
                assert response.status_code == 200 and response.json().startswith("data:")
            streamed = fetch_stats(sim)
            streamed_open = (streamed["connections_opened"] - pooled["connections_opened"]) - (
                streamed["connections_closed_by_client"] - pooled["connections_closed_by_client"]
            )
        gc.collect()
    unclosed = [str(w.message) for w in caught if "Unclosed client session" in str(w.message)]
    unclosed += [
        r.getMessage() for r in caplog.records if "Unclosed client session" in r.getMessage()
    ]
    return Driven(pooled, streamed_open, unclosed)


def test_hoist_then_profile_on_a_real_app(
    bot: tuple[Path, Any], caplog: pytest.LogCaptureFixture
) -> None:
    root, sim = bot
    # before: a connection per call, and leaked sessions
    before = _drive(sim, caplog)
    assert before.pooled["requests"] == CALLS * len(POOLED_ROUTES)
    assert before.pooled["connections_opened"] >= CALLS * len(POOLED_ROUTES) - 1
    assert before.unclosed, "the per-call aiohttp session should leak"
    lint = run_pooltune("lint", "--no-cache", PACKAGE, cwd=root)
    assert lint.returncode == 1 and lint.stdout.count("POOL001") == len(ROUTES), lint.stdout

    fixed = run_pooltune("lint", "--no-cache", "--fix", "--unsafe-fixes", PACKAGE, cwd=root)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    main = (root / PACKAGE / "main.py").read_text()
    assert 'app = FastAPI(title="support bot", lifespan=lifespan)' in main
    assert "app.state.llm = make_llm()" in main and "await app.state.llm.close()" in main
    assert "await app.state.session.close()" in main
    assert "# through a factory" in main and "# never closed" in main  # comments kept
    again = run_pooltune("lint", "--no-cache", "--fix", "--unsafe-fixes", PACKAGE, cwd=root)
    assert again.returncode == 0 and (root / PACKAGE / "main.py").read_text() == main

    # after: the same calls succeed on one connection per client, nothing leaks
    after = _drive(sim, caplog)
    assert after.pooled["requests"] == CALLS * len(POOLED_ROUTES)
    # one per client, and one for the reset request itself
    assert after.pooled["connections_opened"] <= len(POOLED_ROUTES) + STATS_CONNECTION, after
    # every stream closed, even on early exit (the last may stay pooled, one is the stats')
    assert after.streamed_open <= 1 + STATS_CONNECTION, after
    assert after.unclosed == []
    assert "timeout=" in main.split("def sync_chat")[1].split("\n\n")[0]  # POOL003's fix

    # a real (short, bounded) recommend run against the same sim, written into the code
    profile = root / "profile.toml"
    recommend = run_pooltune(
        "recommend",
        "--url",
        f"{sim.url}/v1/chat/completions",
        "--client",
        "openai",
        "--target-concurrency",
        "4",
        "--max-duration",
        "8",
        "--max-requests",
        "400",
        "--format",
        "toml",
        "--output",
        str(profile),
        cwd=root,
    )
    assert recommend.returncode == 0, recommend.stderr
    written = run_pooltune("fix", "--profile", str(profile), PACKAGE, cwd=root)
    assert written.returncode == 0, written.stdout + written.stderr
    llm = (root / PACKAGE / "llm.py").read_text()
    assert "max_connections=" in llm and "timeout=httpx.Timeout(" in llm, llm
    assert f"({profile})" in llm  # the comment names the profile
    assert run_pooltune("fix", "--profile", str(profile), PACKAGE, cwd=root).returncode == 0
    assert (root / PACKAGE / "llm.py").read_text() == llm  # idempotent
    last = _drive(sim, caplog)
    assert last.pooled["requests"] == CALLS * len(POOLED_ROUTES) and last.unclosed == []
