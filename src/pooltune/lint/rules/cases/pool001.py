"""POOL001 client-per-request: cases."""

from __future__ import annotations

from pooltune.lint.rules.cases import Expect, Invalid, Valid, pool102

_HANDSHAKE = (
    "every call pays a new TCP+TLS handshake and drops its pool; "
    "create it once (lifespan/module level) and reuse it"
)

VALID: tuple[Valid, ...] = (
    Valid(
        why="an agent tool's one-off request is POOL101's (opt-in), not POOL001's",
        source="""\
import requests


class CalendarTools:
    def __init__(self, api_key: str) -> None:
        self.api_key = api_key

    def list_bookings(self, day: str) -> list[dict]:
        response = requests.get(
            "https://api.cal.example/v2/bookings",
            params={"day": day},
            headers={"Authorization": f"Bearer {self.api_key}"},
            timeout=30,
        )
        return response.json()["data"]
""",
    ),
    Valid(
        why="a value object fetching its own URL once",
        source="""\
import requests


class UrlArtifact:
    def __init__(self, url: str) -> None:
        self.url = url

    def to_bytes(self) -> bytes:
        return requests.get(self.url, timeout=60).content
""",
    ),
    Valid(
        why="a fetch behind a time-to-live cache that returns early while fresh",
        source="""\
import time

import requests

MODELS_TTL_S = 300


class ModelCatalog:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._models: list[str] = []
        self._fetched_at = 0.0

    def models(self) -> list[str]:
        if self._models and time.monotonic() - self._fetched_at < MODELS_TTL_S:
            return self._models
        data = requests.get(f"{self.base_url}/v1/models", timeout=10).json()
        self._models = [m["id"] for m in data["data"]]
        self._fetched_at = time.monotonic()
        return self._models
""",
    ),
    Valid(
        why="a one-time start-up poll (a FastAPI startup hook)",
        source="""\
import time

import requests
from fastapi import FastAPI

app = FastAPI()


@app.on_event("startup")
def wait_for_model_server() -> None:
    for n in range(60):
        try:
            requests.get("http://vllm:8000/health", timeout=2).raise_for_status()
            return
        except requests.RequestException:
            time.sleep(1)
""",
    ),
    Valid(
        why="a start-up poll in a method only __init__ calls, until a flag says ready",
        source="""\
import time

import requests


class SandboxExecutor:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._wait_for_server()

    def _wait_for_server(self) -> None:
        retries = 0
        ready = False
        while not ready and retries < 10:
            try:
                status = requests.get(f"{self.base_url}/api/status", timeout=2).status_code
                ready = status == 200
            except requests.RequestException:
                time.sleep(1)
            retries += 1
""",
    ),
    Valid(
        why="a deliberate client per event loop for the coroutine asyncio.run starts",
        source="""\
import asyncio

from openai import AsyncOpenAI


async def _complete(prompt: str) -> str:
    # A fresh client per asyncio.run: an AsyncOpenAI must not outlive its event loop.
    async with AsyncOpenAI() as client:
        reply = await client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}]
        )
    return reply.choices[0].message.content or ""


def complete(prompt: str) -> str:
    return asyncio.run(_complete(prompt))
""",
    ),
    Valid(
        why="ChatOpenAI shares one cached httpx pool since langchain-openai 0.3.19",
        source="""\
from fastapi import FastAPI
from langchain_openai import ChatOpenAI

app = FastAPI()


@app.post("/chat")
async def chat(question: str) -> str:
    llm = ChatOpenAI(model="gpt-4o-mini")
    return (await llm.ainvoke(question)).content
""",
    ),
    Valid(
        why="a client used in a polling loop serves one call: built per call, but the poll "
        "runs once (a CLI command)",
        source="""\
import time

import click
import httpx


@click.command()
@click.argument("job_id")
def wait(job_id: str) -> None:
    with httpx.Client(base_url="https://api.example.com", timeout=10) as client:
        while True:
            status = client.get(f"/jobs/{job_id}").json()["status"]
            if status == "done":
                break
            time.sleep(2)
""",
    ),
    Valid(
        why="a client built only to list models or check an API key (account admin, not a request)",
        source="""\
import anthropic
from openai import AsyncOpenAI


class AnthropicSettings:
    def __init__(self, api_key: str | None) -> None:
        self.api_key = api_key

    async def list_models(self) -> list[str]:
        if self.api_key:
            client = anthropic.AsyncAnthropic(api_key=self.api_key)
        else:
            client = anthropic.AsyncAnthropic()
        return [model.id async for model in client.models.list()]


async def check_api_key(api_key: str, base_url: str) -> None:
    client = AsyncOpenAI(api_key=api_key, base_url=base_url)
    await client.models.list()
""",
    ),
    Valid(
        why="a getter-built client used for assistant CRUD (admin resources), not requests",
        source="""\
from openai import OpenAI


class Assistant:
    def __init__(self, client: OpenAI | None = None) -> None:
        self.openai = client
        self.assistant_id: str | None = None

    @property
    def client(self) -> OpenAI:
        return self.openai or OpenAI()

    def delete(self) -> None:
        if self.assistant_id is not None:
            self.client.beta.assistants.delete(assistant_id=self.assistant_id)
""",
    ),
    Valid(
        why="a closure that outlives the call keeps its client (returned)",
        source="""\
from openai import OpenAI


def make_asker(model: str):
    client = OpenAI()

    def ask(question: str) -> str:
        return client.completions.create(model=model, prompt=question).choices[0].text

    return ask
""",
    ),
    Valid(
        why="a client used by a closure that runs once per item of a loop is reused",
        source="""\
from openai import OpenAI


def answer_all(questions: list[str]) -> list[str]:
    client = OpenAI()

    def ask(question: str) -> str:
        return client.completions.create(model="m", prompt=question).choices[0].text

    return [ask(q) for q in questions]
""",
    ),
    Valid(
        why="an agent tool whose base is a ToolProvider is a tool, not a provider's hot path",
        source="""\
import requests
from promptflow import ToolProvider


class ContentSafety(ToolProvider):
    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint

    def analyze_text(self, text: str) -> dict:
        return requests.post(self.endpoint, json={"text": text}, timeout=30).json()
""",
    ),
    Valid(
        why="a one-time lazy build inside a loop (`if llm is None:`) whose result is kept",
        source="""\
import requests
from openai import OpenAI


def llm_factory(model: str, client: OpenAI) -> tuple[str, OpenAI]:
    requests.post("https://telemetry.example/track", json={"model": model}, timeout=5)
    return (model, client)


def evaluate(metrics: list, llm: tuple[str, OpenAI] | None = None) -> None:
    for metric in metrics:
        if metric.llm is None:
            if llm is None:
                client = OpenAI()
                llm = llm_factory("gpt-4o-mini", client=client)
            metric.llm = llm
""",
    ),
    Valid(
        why="a refresh behind a clock (`if time.time() - fetched_at > ttl:`) runs once per period",
        source="""\
import time

import httpx


class JwksCache:
    def __init__(self, uri: str, recheck_s: float = 3600) -> None:
        self.uri = uri
        self.recheck_s = recheck_s
        self._jwks: dict = {}
        self._jwks_at = 0.0

    async def refresh(self) -> None:
        if time.time() - self._jwks_at > self.recheck_s:
            async with httpx.AsyncClient() as client:
                res = await client.get(self.uri, timeout=5)
                res.raise_for_status()
                self._jwks = {key["kid"]: key for key in res.json()["keys"]}
                self._jwks_at = time.time()
""",
    ),
    Valid(
        why="a getter whose fallback build is rare: the class sets the client it returns",
        source="""\
from openai import OpenAI


class Chat:
    def __init__(self, api_key: str) -> None:
        self.client = OpenAI(api_key=api_key)

    def get_client(self) -> OpenAI:
        if self.client is not None:
            return self.client
        return OpenAI()

    def invoke(self, prompt: str) -> str:
        response = self.get_client().completions.create(model="gpt-4o-mini", prompt=prompt)
        return response.choices[0].text
""",
    ),
    Valid(
        why="a session used only to open one WebSocket (nothing a pool would keep)",
        source="""\
import json

import aiohttp


async def send_browser_close(ws_url: str) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(ws_url, timeout=10) as ws:
            await ws.send_str(json.dumps({"id": 1, "method": "Browser.close"}))
""",
    ),
    Valid(
        why="a model listing fetched once per process behind a memo on the class attribute",
        source="""\
import requests


class OpenRouterProvider:
    models: list[str] = []

    @classmethod
    def get_models(cls) -> list[str]:
        if not cls.models:
            data = requests.get("https://openrouter.example/api/v1/models", timeout=15).json()
            cls.models = [m["id"] for m in data["data"]]
        return cls.models
""",
    ),
    Valid(
        why="a per-process init that returns at once when its global flag is set",
        source="""\
import requests

_init_done = False


def authenticate() -> str:
    return requests.post("https://auth.example/device", timeout=30).json()["token"]


def init() -> None:
    global _init_done
    if _init_done:
        return
    authenticate()
    _init_done = True


def run_batch(prompts: list[str]) -> list[str]:
    results = []
    for prompt in prompts:
        init()
        results.append(prompt.upper())
    return results
""",
    ),
    Valid(
        why="an agent tool's method named like a request method (`generate_image`) is POOL101's",
        source="""\
import requests


class ImageTools:
    def __init__(self, api_key: str) -> None:
        self.api_key = api_key

    def generate_image(self, prompt: str) -> str:
        response = requests.post(
            "https://images.example/v1/generate",
            json={"prompt": prompt},
            headers={"Authorization": f"Bearer {self.api_key}"},
            timeout=60,
        )
        return response.json()["url"]
""",
    ),
)

INVALID: tuple[Invalid, ...] = (
    Invalid(
        why="a provider class's request method is its hot path",
        source="""\
import requests


class OllamaProvider:
    def __init__(self, host: str) -> None:
        self.host = host

    def generate(self, prompt: str) -> str:
        response = requests.post(
            f"{self.host}/api/generate", json={"prompt": prompt}, timeout=120
        )
        return response.json()["response"]
""",
        expected=(
            Expect(
                9,
                20,
                11,
                10,
                "`requests.post()` in `OllamaProvider.generate`, a method of a client/provider "
                "class (its hot path) builds and drops a connection pool per call; use one "
                "shared client",
            ),
        ),
    ),
    Invalid(
        why="a retriever's method runs per query (a base class named like a hot path)",
        source="""\
import requests
from langchain_core.retrievers import BaseRetriever


class RemoteDocsRetriever(BaseRetriever):
    url: str

    def _get_relevant_documents(self, query: str, *, run_manager=None) -> list:
        hits = requests.post(self.url, json={"query": query}, timeout=20).json()
        return [hit["text"] for hit in hits]
""",
        expected=(
            Expect(
                9,
                16,
                9,
                74,
                "`requests.post()` in `RemoteDocsRetriever._get_relevant_documents`, a method of "
                "a client/provider class (its hot path) builds and drops a connection pool per "
                "call; use one shared client",
            ),
        ),
    ),
    Invalid(
        why="a polling loop repeats requests whatever its counter is called (retry_count)",
        source="""\
import time

import requests


def wait_for_transcript(job_url: str) -> dict:
    retry_count = 0
    while retry_count < 100:
        job = requests.get(job_url, timeout=10).json()
        if job["status"] == "completed":
            return job
        retry_count += 1
        time.sleep(1)
    raise TimeoutError(job_url)
""",
        expected=(
            Expect(
                9,
                15,
                9,
                48,
                "`requests.get()` inside a loop builds and drops a connection pool per call; "
                "use one shared client",
            ),
        ),
    ),
    Invalid(
        why="the same polling loop with a counter named n",
        source="""\
import time

import requests


def wait_for_transcript(job_url: str) -> dict:
    n = 0
    while n < 100:
        job = requests.get(job_url, timeout=10).json()
        if job["status"] == "completed":
            return job
        n += 1
        time.sleep(1)
    raise TimeoutError(job_url)
""",
        expected=(
            Expect(
                9,
                15,
                9,
                48,
                "`requests.get()` inside a loop builds and drops a connection pool per call; "
                "use one shared client",
            ),
        ),
    ),
    Invalid(
        why="a loop several calls away: the message says where the loop is",
        path="app/pages.py",
        source="""\
import httpx


def fetch_all(urls: list[str]) -> list[str]:
    return [_fetch(url) for url in urls]


def _fetch(url: str) -> str:
    return _download(url)


def _download(url: str) -> str:
    with httpx.Client(timeout=10) as client:
        return client.get(url).text
""",
        files={
            "app/ingest.py": """\
from app.pages import fetch_all


def ingest(site_urls: list[list[str]]) -> list[str]:
    texts = []
    for urls in site_urls:
        texts.extend(fetch_all(urls))
    return texts
""",
        },
        expected=(
            Expect(
                13,
                10,
                13,
                34,
                "`httpx.Client` built in `_download`, called from `_fetch`, which `fetch_all` "
                "calls in a loop: " + _HANDSHAKE,
            ),
        ),
    ),
    Invalid(
        why="a factory with branches (Azure or not), called per request from another module",
        path="app/api.py",
        source="""\
from fastapi import FastAPI

from app.llm import get_llm_client

app = FastAPI()


@app.post("/ask")
def ask(question: str, azure: bool = False) -> str:
    client = get_llm_client(azure)
    reply = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": question}]
    )
    return reply.choices[0].message.content or ""
""",
        files={
            "app/llm.py": """\
import os

from openai import AzureOpenAI, OpenAI


def get_llm_client(azure: bool):
    if azure:
        client = AzureOpenAI(
            api_key=os.environ["AZURE_OPENAI_KEY"],
            api_version="2024-06-01",
            azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
        )
    else:
        client = OpenAI()
    return client
""",
        },
        expected=(
            Expect(
                10,
                14,
                10,
                35,
                "`openai.AzureOpenAI` or `openai.OpenAI` built inside the request handler `ask` "
                "(by get_llm_client(), a new one on every call): " + _HANDSHAKE,
            ),
        ),
    ),
    Invalid(
        why="a factory returning a sync or an async client by flag",
        path="app/chat.py",
        source="""\
from app.clients import make_client


async def answer(question: str) -> str:
    client = make_client(use_async=True)
    reply = await client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": question}]
    )
    return reply.choices[0].message.content or ""
""",
        files={
            "app/clients.py": """\
from openai import AsyncOpenAI, OpenAI


def make_client(use_async: bool = False):
    return AsyncOpenAI() if use_async else OpenAI()
""",
        },
        expected=(
            Expect(
                5,
                14,
                5,
                41,
                "`openai.AsyncOpenAI` or `openai.OpenAI` built for a single call "
                "(by make_client(), a new one on every call): " + _HANDSHAKE,
            ),
        ),
    ),
    Invalid(
        why="a client's bound method passed to a helper that only calls it",
        source="""\
import time

import httpx


def _with_retries(send, url: str, attempts: int = 3) -> httpx.Response:
    for attempt in range(attempts):
        try:
            return send(url)
        except httpx.TransportError:
            time.sleep(2**attempt)
    raise RuntimeError(url)


def fetch_page(url: str) -> str:
    with httpx.Client(timeout=10) as client:
        return _with_retries(client.get, url).text
""",
        expected=(
            Expect(
                16,
                10,
                16,
                34,
                "`httpx.Client` built for a single call: " + _HANDSHAKE,
            ),
        ),
    ),
    Invalid(
        why="a local that is either the given client or a new one",
        source="""\
import httpx
from fastapi import FastAPI

app = FastAPI()


@app.get("/weather")
async def weather(city: str, client: httpx.AsyncClient | None = None) -> dict:
    client = client or httpx.AsyncClient(timeout=10)
    response = await client.get("https://api.weather.example/v1", params={"q": city})
    return response.json()
""",
        expected=(
            Expect(
                9,
                24,
                9,
                53,
                "`httpx.AsyncClient` built inside the request handler `weather` when no client "
                "is given: " + _HANDSHAKE,
            ),
        ),
    ),
    Invalid(
        why="a FastAPI dependency that yields a client per request",
        source="""\
from typing import Annotated

import httpx
from fastapi import Depends, FastAPI

app = FastAPI()


async def get_http_client():
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


@app.get("/repos/{owner}")
async def repos(owner: str, client: Annotated[httpx.AsyncClient, Depends(get_http_client)]):
    response = await client.get(f"https://api.github.com/users/{owner}/repos")
    return response.json()
""",
        expected=(
            Expect(
                10,
                16,
                10,
                45,
                "`httpx.AsyncClient` built inside the FastAPI dependency `get_http_client` "
                "(it runs for every request): " + _HANDSHAKE,
            ),
        ),
    ),
    Invalid(
        why="a FastAPI dependency that returns an SDK client, from another module",
        path="app/deps.py",
        source="""\
from openai import AsyncOpenAI


def llm() -> AsyncOpenAI:
    return AsyncOpenAI()
""",
        files={
            "app/routes.py": """\
from fastapi import APIRouter, Depends
from openai import AsyncOpenAI

from app.deps import llm

router = APIRouter()


@router.post("/summarize")
async def summarize(text: str, client: AsyncOpenAI = Depends(llm)) -> str:
    reply = await client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": text}]
    )
    return reply.choices[0].message.content or ""
""",
        },
        expected=(
            Expect(
                5,
                12,
                5,
                25,
                "`openai.AsyncOpenAI` built inside the FastAPI dependency `llm` "
                "(it runs for every request): " + _HANDSHAKE,
            ),
        ),
    ),
    Invalid(
        why="a LangChain AzureChatOpenAI per request (a new httpx pool per instance)",
        source="""\
import os

from fastapi import FastAPI
from langchain_openai import AzureChatOpenAI

app = FastAPI()


@app.post("/chat")
async def chat(question: str) -> str:
    llm = AzureChatOpenAI(
        azure_deployment="gpt-4o", api_version="2024-06-01",
        azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
    )
    return (await llm.ainvoke(question)).content
""",
        expected=(
            Expect(
                11,
                11,
                14,
                6,
                "`langchain_openai.AzureChatOpenAI` built inside the request handler `chat`: "
                + _HANDSHAKE,
            ),
        ),
    ),
    Invalid(
        why="litellm's AsyncHTTPHandler built per call",
        source="""\
from litellm.llms.custom_httpx.http_handler import AsyncHTTPHandler


async def embed(texts: list[str], api_base: str) -> list[list[float]]:
    handler = AsyncHTTPHandler(timeout=30)
    try:
        response = await handler.post(f"{api_base}/embeddings", json={"input": texts})
    finally:
        await handler.close()
    return [row["embedding"] for row in response.json()["data"]]
""",
        expected=(
            Expect(
                5,
                15,
                5,
                43,
                "`litellm.llms.custom_httpx.http_handler.AsyncHTTPHandler` built for a single "
                "call: " + _HANDSHAKE,
            ),
        ),
    ),
    Invalid(
        why="a client built in both arms of an if/else, then used",
        source="""\
from openai import AsyncAzureOpenAI, AsyncOpenAI


async def complete(request: dict, base_url: str, api_key: str) -> dict:
    if base_url.endswith("/v1"):
        client = AsyncOpenAI(api_key=api_key, base_url=base_url)
    else:
        client = AsyncAzureOpenAI(
            api_key=api_key, azure_endpoint=base_url, api_version="2024-10-21"
        )
    response = await client.chat.completions.create(**request)
    return response.model_dump()
""",
        expected=(
            Expect(
                6,
                18,
                6,
                65,
                "`openai.AsyncOpenAI` built for a single call: every call pays a new TCP+TLS "
                "handshake and drops its pool; create it once (lifespan/module level) and reuse "
                "it",
            ),
            Expect(
                8,
                18,
                10,
                10,
                "`openai.AsyncAzureOpenAI` built for a single call: every call pays a new TCP+TLS "
                "handshake and drops its pool; create it once (lifespan/module level) and reuse "
                "it",
            ),
        ),
    ),
    Invalid(
        why="a client built by a conditional expression, then used",
        source="""\
from anthropic import AsyncAnthropic


async def anthropic_complete(prompt: str, base_url: str | None = None) -> str:
    client = (
        AsyncAnthropic(api_key="key")
        if base_url is None
        else AsyncAnthropic(base_url=base_url, api_key="key")
    )
    message = await client.messages.create(
        model="claude-3-5-haiku-latest",
        max_tokens=512,
        messages=[{"role": "user", "content": prompt}],
    )
    return message.content[0].text
""",
        expected=(
            Expect(
                6,
                9,
                6,
                38,
                "`anthropic.AsyncAnthropic` built for a single call: every call pays a new "
                "TCP+TLS handshake and drops its pool; create it once (lifespan/module level) and "
                "reuse it",
            ),
            Expect(
                8,
                14,
                8,
                62,
                "`anthropic.AsyncAnthropic` built for a single call: every call pays a new "
                "TCP+TLS handshake and drops its pool; create it once (lifespan/module level) and "
                "reuse it",
            ),
        ),
    ),
    Invalid(
        why="a getter returns the set client, else builds a fresh one without keeping it",
        source="""\
from typing import Any

from openai import OpenAI


class OpenAIChat:
    def __init__(self, client: OpenAI | None = None, api_key: str = "") -> None:
        self.client = client
        self.api_key = api_key

    def get_client(self) -> OpenAI:
        if self.client:
            return self.client
        params: dict[str, Any] = {"api_key": self.api_key}
        return OpenAI(**params)

    def invoke(self, prompt: str) -> str:
        response = self.get_client().completions.create(model="gpt-4o-mini", prompt=prompt)
        return response.choices[0].text
""",
        expected=(
            Expect(
                18,
                20,
                18,
                37,
                "`openai.OpenAI` built for a single call (by get_client(), a new one on every "
                "call) when no client is given: every call pays a new TCP+TLS handshake and drops "
                "its pool; create it once (lifespan/module level) and reuse it",
            ),
        ),
    ),
    Invalid(
        why="a caller's client factory when set, else a fresh client per request",
        source="""\
from collections.abc import Callable

import httpx


class NlipClient:
    def __init__(self, url: str, factory: Callable[[], httpx.AsyncClient] | None = None) -> None:
        self._url = url
        self._factory = factory

    def _make_client(self) -> httpx.AsyncClient:
        if self._factory is not None:
            return self._factory()
        return httpx.AsyncClient(timeout=30)

    async def send(self, message: dict) -> dict:
        client = self._make_client()
        async with client:
            response = await client.post(f"{self._url}/nlip/", json=message)
        return response.json()
""",
        expected=(
            Expect(
                17,
                18,
                17,
                37,
                "`httpx.AsyncClient` built for a single call (by _make_client(), a new one on "
                "every call) when no client is given: every call pays a new TCP+TLS handshake and "
                "drops its pool; create it once (lifespan/module level) and reuse it",
            ),
        ),
    ),
    Invalid(
        why="a client per call handed to a helper whose nested generator uses it",
        source="""\
from openai import OpenAI


class DatabricksAdapter:
    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token

    async def completion(self, prompt: str):
        client = OpenAI(base_url=self.url, api_key=self.token)
        return self._stream(prompt, client)

    async def _stream(self, prompt: str, client: OpenAI):
        async def to_async_generator():
            for chunk in client.completions.create(model="dbrx", prompt=prompt, stream=True):
                yield chunk

        async for chunk in to_async_generator():
            yield chunk
""",
        expected=(
            Expect(
                10,
                18,
                10,
                63,
                "`openai.OpenAI` built for a single call: every call pays a new TCP+TLS handshake "
                "and drops its pool; create it once (lifespan/module level) and reuse it",
            ),
        ),
    ),
    Invalid(
        why="a client per call used only inside a nested function called once",
        source="""\
from openai import OpenAI


def answer(question: str) -> str:
    client = OpenAI()

    def ask() -> str:
        return client.completions.create(model="gpt-4o-mini", prompt=question).choices[0].text

    return ask()
""",
        expected=(
            Expect(
                5,
                14,
                5,
                22,
                "`openai.OpenAI` built for a single call: every call pays a new TCP+TLS handshake "
                "and drops its pool; create it once (lifespan/module level) and reuse it",
            ),
        ),
    ),
    Invalid(
        why="a library function is not one-shot because its module's __main__ demo calls it",
        path="app/rerank.py",
        source="""\
import aiohttp


async def generic_rerank(query: str, documents: list[str], base_url: str) -> list[dict]:
    async with aiohttp.ClientSession() as session:
        async with session.post(base_url, json={"query": query, "documents": documents}) as r:
            return (await r.json())["results"]


async def jina_rerank(query: str, documents: list[str]) -> list[dict]:
    return await generic_rerank(query, documents, "https://api.jina.ai/v1/rerank")


if __name__ == "__main__":
    import asyncio

    async def main() -> None:
        print(await jina_rerank("capital of France?", ["Paris", "Tokyo"]))

    asyncio.run(main())
""",
        expected=(
            Expect(
                5,
                16,
                5,
                39,
                "`aiohttp.ClientSession` built for a single call: every call pays a new TCP+TLS "
                "handshake and drops its pool; create it once (lifespan/module level) and reuse "
                "it",
            ),
        ),
    ),
    Invalid(
        why="a module-level object's method called from a FastAPI handler runs per request",
        path="app/controller.py",
        source="""\
import argparse

import requests
from fastapi import FastAPI, Request


class Controller:
    def __init__(self, dispatch: str) -> None:
        self.dispatch = dispatch

    def generate_stream(self, params: dict):
        response = requests.post("http://worker/generate", json=params, stream=True, timeout=30)
        yield from response.iter_lines()


app = FastAPI()


@app.post("/worker_generate_stream")
async def worker_generate_stream(request: Request):
    return list(controller.generate_stream(await request.json()))


def create_controller():
    args = argparse.ArgumentParser().parse_args()
    controller = Controller("shortest_queue")
    return args, controller


if __name__ == "__main__":
    args, controller = create_controller()
""",
        expected=(
            Expect(
                12,
                20,
                12,
                97,
                "`requests.post()` in `generate_stream`, called from the request handler "
                "`worker_generate_stream` builds and drops a connection pool per call; use one "
                "shared client",
            ),
        ),
    ),
    Invalid(
        why="a sub-resource a provider holds (provider.audio.transcriptions) is its hot path",
        source="""\
import requests


class HuggingfaceAudio:
    def __init__(self, token: str) -> None:
        self.transcriptions = self.Transcriptions(token)

    class Transcriptions:
        def __init__(self, token: str) -> None:
            self.token = token

        def create(self, model: str, audio: bytes) -> dict:
            url = f"https://api-inference.huggingface.co/models/{model}"
            return requests.post(url, data=audio, timeout=120).json()


class HuggingfaceProvider:
    def __init__(self, token: str) -> None:
        self.audio = HuggingfaceAudio(token)
""",
        expected=(
            Expect(
                14,
                20,
                14,
                63,
                "`requests.post()` in `Transcriptions.create`, a method of a resource the "
                "client/provider class `HuggingfaceProvider` holds (its hot path) builds and "
                "drops a connection pool per call; use one shared client",
            ),
        ),
    ),
    Invalid(
        why="what a provider's request method calls runs per request too (an endpoint object)",
        source="""\
import requests


class OnlineEndpoint:
    def __init__(self, url: str) -> None:
        self.url = url

    def __call__(self, prompt: str) -> str:
        return self._call_endpoint(prompt)

    def _call_endpoint(self, prompt: str) -> str:
        return requests.post(self.url, json={"prompt": prompt}, timeout=60).text


class OpenModelLLM:
    def call(self, prompt: str, endpoint_url: str) -> str:
        llm = OnlineEndpoint(endpoint_url)
        return llm(prompt)
""",
        expected=(
            Expect(
                12,
                16,
                12,
                76,
                "`requests.post()` in `_call_endpoint`, called from `__call__`, which the "
                "client/provider method `OpenModelLLM.call` reaches builds and drops a connection "
                "pool per call; use one shared client",
            ),
        ),
    ),
    Invalid(
        why="a coroutine also awaited on the caller's loop is not exempt for its asyncio.run twin",
        source="""\
import asyncio

import httpx


class CodexClient:
    def request(self, payload: dict) -> dict:
        return asyncio.run(self.request_async(payload))

    async def request_async(self, payload: dict) -> dict:
        async with httpx.AsyncClient() as client:
            response = await client.post("https://chatgpt.example/codex", json=payload, timeout=120)
            return response.json()


async def step(llm_client: CodexClient, payload: dict) -> dict:
    return await llm_client.request_async(payload)
""",
        expected=(
            Expect(
                11,
                20,
                11,
                39,
                "`httpx.AsyncClient` built for a single call: every call pays a new TCP+TLS "
                "handshake and drops its pool; create it once (lifespan/module level) and reuse "
                "it",
            ),
        ),
    ),
    Invalid(
        why="an `@asynccontextmanager` that yields a fresh session is a factory: each `with`",
        source="""\
from contextlib import asynccontextmanager

import aiohttp


@asynccontextmanager
async def aiohttp_session():
    async with aiohttp.ClientSession() as session:
        yield session


class APIRequestor:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    async def arequest(self, path: str) -> dict:
        ctx = aiohttp_session()
        session = await ctx.__aenter__()
        try:
            async with session.get(self.base_url + path) as response:
                return await response.json()
        finally:
            await ctx.__aexit__(None, None, None)
""",
        expected=(
            Expect(
                17,
                15,
                17,
                32,
                "`aiohttp.ClientSession` built for a single call (by aiohttp_session(), a new one "
                "on every call): " + _HANDSHAKE,
            ),
        ),
    ),
    Invalid(
        why="a memo another function clears (a reload endpoint) does not run once",
        source="""\
import httpx
from fastapi import FastAPI

app = FastAPI()
_config: dict | None = None


def _load_config() -> dict:
    global _config
    if _config is not None:
        return _config
    _config = httpx.get("https://config.example/beta-headers.json", timeout=5).json()
    return _config


@app.post("/reload-config")
def reload_config() -> dict:
    global _config
    _config = None
    return _load_config()
""",
        expected=(
            Expect(
                12,
                15,
                12,
                79,
                "`httpx.get()` in `_load_config`, called from the request handler "
                "`reload_config` builds and drops a connection pool per call; use one shared "
                "client",
            ),
        ),
    ),
    Invalid(
        why="a closure a handler schedules (`add_task(inner)`) runs per request",
        source="""\
import requests
from fastapi import APIRouter, BackgroundTasks

router = APIRouter()


async def get_bearer_token(client_key: str) -> str:
    response = requests.post(
        "https://auth.example/oauth2/token", data={"key": client_key}, timeout=10
    )
    return response.json()["access_token"]


@router.post("/webhook")
async def webhook(background_tasks: BackgroundTasks, client_key: str) -> dict:
    async def inner() -> None:
        token = await get_bearer_token(client_key)
        print(token)

    background_tasks.add_task(inner)
    return {"ok": True}
""",
        expected=(
            Expect(
                8,
                16,
                10,
                6,
                "`requests.post()` in `get_bearer_token`, called from `inner`, which the request "
                "handler `webhook` reaches builds and drops a connection pool per call; use one "
                "shared client",
            ),
        ),
    ),
    Invalid(
        why="routes registered in a method on `self.app`, an app the constructor was given",
        source="""\
import aiohttp
from fastapi import FastAPI


class Api:
    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def register_routes(self) -> None:
        @self.app.get("/proxy")
        async def proxy(url: str) -> dict:
            async with aiohttp.ClientSession() as session:
                async with session.get(url) as response:
                    return await response.json()
""",
        expected=(
            Expect(
                12,
                24,
                12,
                47,
                "`aiohttp.ClientSession` built inside the request handler `proxy`: " + _HANDSHAKE,
            ),
        ),
    ),
    Invalid(
        why="a route of an app built in an app factory (`app = Flask(...)` in `create_app`)",
        source="""\
import requests
from flask import Flask, request


def create_app() -> Flask:
    app = Flask(__name__)

    @app.route("/api/proxy", methods=["POST"])
    def proxy() -> bytes:
        upstream = requests.post("https://upstream.example/v1", data=request.data, timeout=30)
        return upstream.content

    return app
""",
        expected=(
            Expect(
                10,
                20,
                10,
                95,
                "`requests.post()` inside the request handler `proxy` builds and drops a "
                "connection pool per call; use one shared client",
            ),
        ),
    ),
    Invalid(
        why="a model class's `inference` is its request path, whatever the class is called",
        source="""\
import requests


class OllamaModel:
    def __init__(self, uri: str, model_name: str) -> None:
        self.uri = uri
        self.model_name = model_name

    def inference(self, prompt: str) -> str:
        response = requests.post(
            f"{self.uri}/api/generate",
            json={"model": self.model_name, "prompt": prompt},
            timeout=120,
        )
        return response.json()["response"]
""",
        expected=(
            Expect(
                10,
                20,
                14,
                10,
                "`requests.post()` in `OllamaModel.inference`, the class's request method (its "
                "name says it runs once per API call) builds and drops a connection pool per "
                "call; use one shared client",
            ),
        ),
    ),
    Invalid(
        why="a class offering get/post/delete over one request method is an HTTP client",
        source="""\
import requests


class Session:
    def __init__(self, endpoint_url: str, api_key: str) -> None:
        self._endpoint_url = endpoint_url
        self._api_key = api_key

    def get(self, path: str, **kwargs) -> dict:
        return self.make_request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> dict:
        return self.make_request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs) -> dict:
        return self.make_request("DELETE", path, **kwargs)

    def make_request(self, method: str, path: str, timeout: int = 300, **kwargs) -> dict:
        response = requests.request(
            method,
            self._endpoint_url + path,
            headers={"x-authorization": f"Bearer {self._api_key}"},
            timeout=timeout,
            **kwargs,
        )
        return response.json()
""",
        expected=(
            Expect(
                19,
                20,
                25,
                10,
                "`requests.request()` in `Session.make_request`, a method of an HTTP client class "
                "(it offers `get`/`post`/`delete`): its hot path builds and drops a connection "
                "pool per call; use one shared client",
            ),
        ),
    ),
    Invalid(
        why="a client built per call unless a shared one is configured (if/else arms)",
        source="""\
from openai import OpenAI

from app.config import get_azure_client


class OpenAIEmbeddingModel:
    def __init__(self, api_key: str) -> None:
        self.api_key = api_key

    def embedding(self, texts: list[str]) -> list[list[float]]:
        azure_client = get_azure_client()
        if not azure_client:
            client = OpenAI(api_key=self.api_key)
        else:
            client = azure_client
        response = client.embeddings.create(model="text-embedding-3-small", input=texts)
        return [item.embedding for item in response.data]
""",
        files={
            "app/config.py": """\
import os

from openai import AzureOpenAI

_azure = AzureOpenAI() if os.environ.get("AZURE_OPENAI_ENDPOINT") else None


def get_azure_client() -> AzureOpenAI | None:
    return _azure
""",
        },
        expected=(
            Expect(
                13,
                22,
                13,
                50,
                "`openai.OpenAI` built for a single call when no client is given: " + _HANDSHAKE,
            ),
        ),
    ),
    Invalid(
        why="built in two arms and given in the third: a new client whenever none is given",
        source="""\
import httpx


def fetch(url: str, azure: bool, given: httpx.Client | None = None) -> str:
    if azure:
        http = httpx.Client(timeout=5, http1=True)
    elif given is not None:
        http = given
    else:
        http = httpx.Client(timeout=5)
    response = http.get(url)
    return response.text
""",
        expected=(
            Expect(
                6,
                16,
                6,
                51,
                "`httpx.Client` built for a single call when no client is given: " + _HANDSHAKE,
            ),
            Expect(
                10,
                16,
                10,
                39,
                "`httpx.Client` built for a single call when no client is given: " + _HANDSHAKE,
            ),
        ),
    ),
)

# Where a name says "occasional" (design.md section 1, POOL102) and a handler or a loop reaches
# the code, the evidence of the request path wins: POOL001. What POOL102 reports, POOL001 does not.
VALID = (
    *VALID,
    *(Valid(source=case.source, why=f"POOL102's (opt-in): {case.why}") for case in pool102.INVALID),
    Valid(
        why="what a handler calls under a process-wide memo guard runs once per process",
        source="""\
import requests
from fastapi import FastAPI

app = FastAPI()
CONFIG = None


def fetch_config() -> dict:
    return requests.get("https://config.example/app.json", timeout=10).json()


@app.get("/greeting")
def greeting(name: str) -> dict:
    global CONFIG
    if CONFIG is None:
        CONFIG = fetch_config()
    return {"text": CONFIG["greeting"].format(name=name)}
""",
    ),
    Valid(
        why="a branch that leaves the loop (`...; break`) runs once per run of it, not per pass",
        source="""\
import requests

SHORTCUTS = ("i.example/", "https://i.example/")


def resolve_profile(name: str) -> str:
    for shortcut in SHORTCUTS:
        if name.startswith(shortcut):
            response = requests.get(name.replace(shortcut, "https://profiles.example/"), timeout=10)
            name = response.text
            break
    return name
""",
    ),
)

_SHARED = "builds and drops a connection pool per call; use one shared client"

INVALID = (
    *INVALID,
    Invalid(
        why="a token refresh a webhook handler runs on every event (the name says account step)",
        source=pool102.WEBHOOK_TOKEN,
        expected=(
            Expect(
                8,
                16,
                12,
                6,
                "`requests.post()` in `refresh_access_token`, called from the request handler "
                "`handle_event` " + _SHARED,
            ),
        ),
    ),
    Invalid(
        why="OAuth token introspection a handler runs per incoming request",
        source=pool102.INTROSPECTION,
        expected=(
            Expect(
                8,
                16,
                8,
                44,
                "`httpx.AsyncClient` built in `oauth_introspect`, called from the request handler "
                "`list_documents`: " + _HANDSHAKE,
            ),
        ),
    ),
    Invalid(
        why="a polling loop that sleeps less than a second a pass",
        source=pool102.FAST_POLL,
        expected=(Expect(8, 18, 8, 47, "`requests.get()` inside a loop " + _SHARED),),
    ),
    Invalid(
        why="a client reused only by a polling loop inside one call: built per call, and the "
        "message says so (a loop inside one call is not reuse)",
        source="""\
import asyncio

import aiohttp


async def get_cdp_json(port: int) -> dict | None:
    async with aiohttp.ClientSession() as session:
        for _ in range(10):
            async with session.get(f"http://localhost:{port}/json/version") as response:
                if response.status == 200:
                    return await response.json()
            await asyncio.sleep(0.5)
    return None
""",
        expected=(
            Expect(
                7,
                16,
                7,
                39,
                "`aiohttp.ClientSession` built per call and reused only by the polling or retry "
                "loop inside that call: " + _HANDSHAKE,
            ),
        ),
    ),
)

# Not a request path (fresh3's review): a leftover copy nothing can import or run, and the
# set-up method of a client class.
VALID = (
    *VALID,
    Valid(
        why="a leftover copy (`client.backup.py`): no import reaches it, nothing runs it",
        path="app/client.backup.py",
        source="""\
import aiohttp


class AsyncFirecrawlApp:
    async def _async_request(self, url: str) -> dict:
        async with aiohttp.ClientSession() as session:
            async with session.get(url) as response:
                return await response.json()

    async def check_crawl_status(self, ids: list[str]) -> list[dict]:
        return [await self._async_request(f"https://api.example/crawl/{i}") for i in ids]
""",
    ),
    Valid(
        why="a client class's `connect` sets it up once per connection: not its hot path",
        source="""\
import requests


class PusherClient:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def connect(self, channel: str) -> dict:
        response = requests.post(f"{self.base_url}/subscribe", json={"ch": channel}, timeout=10)
        return response.json()
""",
    ),
)
