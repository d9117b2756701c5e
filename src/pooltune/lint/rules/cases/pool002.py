"""POOL002 unclosed-client: cases."""

from __future__ import annotations

from pooltune.lint.rules.cases import Expect, Invalid, Valid

VALID = (
    Valid(
        why="an attribute handed to a helper that closes it",
        source="""\
import httpx


def close_quietly(client: httpx.Client) -> None:
    try:
        client.close()
    except httpx.HTTPError:
        pass


class Crawler:
    def __init__(self) -> None:
        self.http = httpx.Client(timeout=10)

    def page(self, url: str) -> str:
        return self.http.get(url).text

    def shutdown(self) -> None:
        close_quietly(self.http)
""",
    ),
    Valid(
        why="SDK clients and LangChain wrappers close their pools themselves",
        source="""\
from langchain_openai import AzureChatOpenAI
from openai import OpenAI


class Assistant:
    def __init__(self) -> None:
        self.client = OpenAI()
        self.llm = AzureChatOpenAI(azure_deployment="gpt-4o", api_version="2024-06-01")
""",
    ),
)

INVALID = (
    Invalid(
        why="a client from a factory, stored on self and never closed",
        path="app/search.py",
        source="""\
from app.http import make_client


class SearchService:
    def __init__(self, base_url: str) -> None:
        self.client = make_client(base_url)

    async def search(self, query: str) -> dict:
        response = await self.client.get("/search", params={"q": query})
        return response.json()
""",
        files={
            "app/http.py": """\
import httpx


def make_client(base_url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base_url, timeout=10)
""",
        },
        expected=(
            Expect(
                6,
                23,
                6,
                44,
                "`self.client` holds a `httpx.AsyncClient` that no method of the class closes: "
                "add a close/aclose (or __aexit__) that calls `self.client.aclose()`",
            ),
        ),
    ),
    Invalid(
        why="passing self.session to a function that only uses it does not close it",
        source="""\
import requests


def fetch_json(session: requests.Session, url: str) -> dict:
    return session.get(url, timeout=10).json()


class GitHubClient:
    def __init__(self, token: str) -> None:
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def repo(self, name: str) -> dict:
        return fetch_json(self.session, f"https://api.github.com/repos/{name}")
""",
        expected=(
            Expect(
                10,
                24,
                10,
                42,
                "`self.session` holds a `requests.Session` that no method of the class closes: "
                "add a close/aclose (or __aexit__) that calls `self.session.close()`",
            ),
        ),
    ),
    Invalid(
        why="an injected client or a new one, on self, never closed",
        source="""\
import httpx


class EmbeddingsClient:
    def __init__(self, base_url: str, http_client: httpx.Client | None = None) -> None:
        self._client = http_client or httpx.Client(base_url=base_url, timeout=30)

    def embed(self, texts: list[str]) -> list[list[float]]:
        return self._client.post("/embeddings", json={"input": texts}).json()["data"]
""",
        expected=(
            Expect(
                6,
                39,
                6,
                82,
                "`self._client` holds a `httpx.Client` that no method of the class closes: "
                "add a close/aclose (or __aexit__) that calls `self._client.close()`",
            ),
        ),
    ),
    Invalid(
        why="a session per call never closed: POOL002 as well as POOL001 (two problems, two fixes)",
        source="""\
import requests


class Api:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def http_request(self, method: str, path: str, json: dict | None = None):
        session = requests.Session()
        return session.request(method=method, url=self.base_url + path, json=json, timeout=30)
""",
        expected=(
            Expect(
                9,
                19,
                9,
                37,
                "`requests.Session` bound to `session` is never closed: use `with` or call "
                "`session.close()` in a finally block",
            ),
        ),
    ),
    Invalid(
        why="a client built only when none is given: a close of the name would close the caller's",
        source="""\
import httpx


def post_image(url: str, payload: dict, client: httpx.Client | None = None) -> dict:
    if client is None:
        handler = httpx.Client(timeout=600.0)
    else:
        handler = client
    return handler.post(url, json=payload).json()
""",
        expected=(
            Expect(
                6,
                19,
                6,
                46,
                "`httpx.Client` bound to `handler` is never closed when it is built here: close "
                "it only where it is built (not a client given to the call), or build one once "
                "and pass it in",
            ),
        ),
    ),
)
