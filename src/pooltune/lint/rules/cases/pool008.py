"""POOL008 blocking-http-in-async: cases."""

from __future__ import annotations

from pooltune.lint.rules.cases import Expect, Invalid, Valid

VALID = (
    Valid(
        why="an annotation says sync, the code awaits the call, the only caller passes an "
        "async client",
        path="app/answer.py",
        source="""\
from openai import AzureOpenAI, OpenAI


async def answer(client: OpenAI | AzureOpenAI, question: str) -> str:
    reply = await client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": question}]
    )
    return reply.choices[0].message.content or ""
""",
        files={
            "app/main.py": """\
from openai import AsyncOpenAI

from app.answer import answer

LLM = AsyncOpenAI()


async def handle(question: str) -> str:
    return await answer(LLM, question)
""",
        },
    ),
    Valid(
        why="a sync SDK call run on a worker thread through asgiref's sync_to_async",
        source="""\
from asgiref.sync import sync_to_async
from openai import OpenAI


async def embed(texts: list[str]) -> list[list[float]]:
    response = await sync_to_async(OpenAI().embeddings.create)(
        model="text-embedding-3-small", input=texts
    )
    return [row.embedding for row in response.data]
""",
    ),
    Valid(
        why="a sync client whose every request goes through sync_to_async",
        source="""\
from asgiref.sync import sync_to_async
from openai import OpenAI


async def summarize(text: str) -> str:
    client = OpenAI()
    reply = await sync_to_async(client.chat.completions.create, thread_sensitive=False)(
        model="gpt-4o-mini", messages=[{"role": "user", "content": text}]
    )
    return reply.choices[0].message.content or ""
""",
    ),
    Valid(
        why="requests.get wrapped by sync_to_async runs on a worker thread",
        source="""\
from asgiref.sync import sync_to_async
import requests


async def verify_token(token: str) -> str | None:
    response = await sync_to_async(requests.get)(
        "https://auth.example/api/users/verify/",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    return response.json().get("username") if response.ok else None
""",
    ),
    Valid(
        why="urlopen of a data: URL never touches the network",
        source="""\
import urllib.request


async def inline_image(url: str) -> bytes:
    if not url.startswith("data:"):
        raise ValueError(url)
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read()
""",
    ),
    Valid(
        why="a factory that returns a sync or an async client by flag: not surely sync",
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
    ),
    Valid(
        why="the sync branch of an async factory that every caller asks for the async client",
        source="""\
import anthropic


class AnthropicClient:
    async def _get_client_async(self, api_key: str | None, async_client: bool = False):
        if async_client:
            if api_key:
                return anthropic.AsyncAnthropic(api_key=api_key)
            return anthropic.AsyncAnthropic()
        if api_key:
            return anthropic.Anthropic(api_key=api_key)
        return anthropic.Anthropic()

    async def request_async(self, data: dict, api_key: str) -> dict:
        client = await self._get_client_async(api_key, async_client=True)
        return (await client.messages.create(**data)).model_dump()
""",
    ),
)

INVALID = (
    Invalid(
        why="a sync client on self, named as the code spells it",
        source="""\
from openai import OpenAI


class Summarizer:
    def __init__(self) -> None:
        self._client = OpenAI()

    async def summarize(self, text: str) -> str:
        reply = self._client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": text}]
        )
        return reply.choices[0].message.content or ""
""",
        expected=(
            Expect(
                9,
                17,
                11,
                10,
                "sync client `self._client` (openai.OpenAI) called inside `async def` blocks the "
                "event loop; use the async client",
            ),
        ),
    ),
    Invalid(
        why="the sync branch of an async factory that a caller reaches (no flag passed)",
        source="""\
import anthropic


class AnthropicClient:
    async def _get_client_async(self, api_key: str | None, async_client: bool = False):
        if async_client:
            return anthropic.AsyncAnthropic(api_key=api_key)
        return anthropic.Anthropic(api_key=api_key)

    async def request_async(self, data: dict, api_key: str) -> dict:
        client = await self._get_client_async(api_key, async_client=True)
        return (await client.messages.create(**data)).model_dump()

    async def count_tokens(self, data: dict, api_key: str) -> int:
        client = await self._get_client_async(api_key)
        return client.messages.count_tokens(**data).input_tokens
""",
        expected=(
            Expect(
                8,
                16,
                8,
                52,
                "sync client `anthropic.Anthropic` built inside `async def`: its requests block "
                "the event loop; use the async client",
            ),
        ),
    ),
)
