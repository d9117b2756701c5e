"""POOL003 no-timeout: cases."""

from __future__ import annotations

from pooltune.lint.rules.cases import Expect, Invalid, Valid

VALID = (
    Valid(
        why="urlopen reached only for data: URLs (decoded in memory, no network)",
        source="""\
import base64
import urllib.request


def image_bytes(url: str) -> bytes:
    if url.startswith("data:"):
        with urllib.request.urlopen(url) as response:
            return response.read()
    raise ValueError("only inline images are accepted")


def logo() -> bytes:
    return urllib.request.urlopen("data:image/png;base64," + base64.b64encode(b"x").decode()).read()
""",
    ),
    Valid(
        why="a request awaited under asyncio.wait_for(..., deadline)",
        source="""\
import asyncio

import httpx


async def complete(client: httpx.AsyncClient, prompt: str) -> dict:
    response = await asyncio.wait_for(
        client.post("/v1/completions", json={"prompt": prompt}, timeout=None), 120
    )
    return response.json()
""",
    ),
    Valid(
        why="forwarded **kwargs when every caller passes a timeout",
        source="""\
import requests


def _post(url: str, **kwargs) -> dict:
    return requests.post(url, **kwargs).json()


def create_index(name: str) -> dict:
    return _post("https://search.example/indexes", json={"name": name}, timeout=30)
""",
    ),
)

INVALID = (
    Invalid(
        why="forwarded **kwargs whose caller passes no timeout",
        source="""\
import requests

API = "https://api.notion.example/v1"


def _notion(method: str, path: str, **kwargs) -> dict:
    response = requests.request(method, f"{API}{path}", **kwargs)
    response.raise_for_status()
    return response.json()


def append_block(page_id: str, text: str) -> dict:
    return _notion("PATCH", f"/blocks/{page_id}/children", json={"children": [text]})
""",
        expected=(
            Expect(
                13,
                12,
                13,
                86,
                "`_notion()` passes its `**kwargs` to `requests.request()`, and this call gives "
                "no `timeout=`: requests can hang forever; pass `timeout=`",
            ),
        ),
    ),
    Invalid(
        why="a method chosen at run time with getattr(session, method)",
        source="""\
import requests


class RestClient:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()

    def call(self, method: str, path: str, **payload) -> dict:
        response = getattr(self.session, method.lower())(f"{self.base_url}{path}", json=payload)
        return response.json()

    def close(self) -> None:
        self.session.close()
""",
        expected=(
            Expect(
                10,
                20,
                10,
                97,
                "`requests.Session.<method>()` without `timeout=` can hang forever: "
                "pass e.g. `timeout=(5, 60)`",
            ),
        ),
    ),
    Invalid(
        why="requests.get run on a thread by sync_to_async still needs a timeout",
        source="""\
from asgiref.sync import sync_to_async
import requests


async def verify_token(token: str) -> str | None:
    response = await sync_to_async(requests.get)(
        "https://auth.example/api/users/verify/",
        headers={"Authorization": f"Bearer {token}"},
    )
    return response.json().get("username") if response.ok else None
""",
        expected=(
            Expect(
                6,
                22,
                9,
                6,
                "`requests.get()` without `timeout=` can hang forever: pass e.g. `timeout=(5, 60)`",
            ),
        ),
    ),
    Invalid(
        why="a method chosen at run time with getattr(requests, method)",
        source="""\
import requests


def call_webhook(method: str, url: str, body: dict) -> int:
    return getattr(requests, method)(url, json=body).status_code
""",
        expected=(
            Expect(
                5,
                12,
                5,
                53,
                "`requests.request()` without `timeout=` can hang forever: "
                "pass e.g. `timeout=(5, 60)`",
            ),
        ),
    ),
)
