"""POOL102 client-in-occasional-step (opt-in): cases."""

from __future__ import annotations

from pooltune.lint.rules.cases import Expect, Invalid, Valid

_ADVICE = "if it runs often, create one client and reuse it"

WEBHOOK_TOKEN = """\
import requests
from fastapi import FastAPI

app = FastAPI()


def refresh_access_token() -> str:
    response = requests.post(
        "https://auth.example/oauth/token",
        data={"grant_type": "client_credentials"},
        timeout=10,
    )
    return response.json()["access_token"]


@app.post("/webhook")
def handle_event(event: dict) -> dict:
    token = refresh_access_token()
    return {"token_length": len(token), "kind": event.get("kind")}
"""

INTROSPECTION = """\
import httpx
from fastapi import FastAPI, Header

app = FastAPI()


async def oauth_introspect(token: str) -> dict:
    async with httpx.AsyncClient(timeout=5) as client:
        response = await client.post("https://auth.example/introspect", data={"token": token})
        return response.json()


@app.get("/documents")
async def list_documents(authorization: str = Header()) -> dict:
    claims = await oauth_introspect(authorization.removeprefix("Bearer "))
    return {"owner": claims.get("sub")}
"""

FAST_POLL = """\
import time

import requests


def wait_for_job(url: str) -> dict:
    while True:
        status = requests.get(url, timeout=10).json()
        if status["state"] == "done":
            return status
        time.sleep(0.2)
"""

VALID = (
    Valid(
        why="a token refresh a webhook handler reaches on every event is POOL001's",
        source=WEBHOOK_TOKEN,
    ),
    Valid(
        why="OAuth token introspection a handler runs per incoming request is POOL001's",
        source=INTROSPECTION,
    ),
    Valid(
        why="a polling loop that sleeps less than a second a pass is POOL001's",
        source=FAST_POLL,
    ),
    Valid(
        why="a token count a provider runs per completion is POOL001's (no occasional name)",
        source="""\
import anthropic


def count_tokens(text: str) -> int:
    client = anthropic.Anthropic()
    return client.messages.count_tokens(
        model="claude-sonnet-4-5", messages=[{"role": "user", "content": text}]
    ).input_tokens


class ClaudeChatModel:
    def complete(self, prompt: str) -> int:
        return count_tokens(prompt)
""",
    ),
    Valid(
        why="an agent tool's method is POOL101's, not POOL102's",
        source="""\
import requests


class WeatherTool:
    def forecast(self, city: str) -> dict:
        return requests.get(
            "https://api.weather.example/v1/forecast", params={"q": city}, timeout=10
        ).json()
""",
    ),
)

INVALID = (
    Invalid(
        why="a device-flow login polled once per sign-in (by the method's name)",
        source="""\
import aiohttp


class DeviceFlowClient:
    def __init__(self, client_id: str) -> None:
        self.client_id = client_id

    async def poll_device_token(self, device_code: str) -> dict:
        async with aiohttp.ClientSession() as session:
            async with session.post(
                "https://auth.example/oauth/device/token",
                data={"client_id": self.client_id, "device_code": device_code},
            ) as response:
                return await response.json()
""",
        expected=(
            Expect(
                9,
                20,
                9,
                43,
                "`aiohttp.ClientSession` built in `DeviceFlowClient.poll_device_token`, an account "
                "step (its name says so): each call pays a new TCP+TLS handshake, rarely; "
                + _ADVICE,
            ),
        ),
    ),
    Invalid(
        why="an API-key check reached only from the route that saves the key",
        source="""\
import requests
from flask import Flask, request

app = Flask(__name__)


def _check_openai(key: str) -> bool:
    response = requests.get(
        "https://api.openai.com/v1/models",
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    return response.ok


@app.post("/api/user/api-key")
def save_api_key() -> dict:
    key = request.get_json()["api_key"]
    return {"valid": _check_openai(key)}
""",
        expected=(
            Expect(
                8,
                16,
                12,
                6,
                "`requests.get()` in `_check_openai`, called only from `save_api_key`, an account "
                "step (its name says so) builds and drops a connection pool on each call, rarely; "
                + _ADVICE,
            ),
        ),
    ),
    Invalid(
        why="a provider's model listing is not its hot path",
        source="""\
import requests


class OllamaProvider:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def list_models(self) -> list[str]:
        response = requests.get(f"{self.base_url}/api/tags", timeout=10)
        return [model["name"] for model in response.json()["models"]]
""",
        expected=(
            Expect(
                9,
                20,
                9,
                73,
                "`requests.get()` in `OllamaProvider.list_models`, a model or quota listing (its "
                "name says so) builds and drops a connection pool on each call, rarely; " + _ADVICE,
            ),
        ),
    ),
    Invalid(
        why="one job polled every five seconds: the handshake is small next to the sleep",
        source="""\
import time

import requests


def parse_document(base_url: str, job_id: str) -> dict:
    while True:
        status = requests.get(f"{base_url}/jobs/{job_id}", timeout=30).json()
        if status["state"] == "completed":
            return status
        if status["state"] == "failed":
            raise RuntimeError("parsing failed")
        time.sleep(5)
""",
        expected=(
            Expect(
                8,
                18,
                8,
                71,
                "`requests.get()` in a polling loop that sleeps for seconds on every pass builds "
                "and drops a connection pool on each call, rarely; " + _ADVICE,
            ),
        ),
    ),
    Invalid(
        why="a CLI command runs once per process: a loop in it runs per item of the command",
        source="""\
import httpx
import typer

app = typer.Typer()


def _fetch_instruction(url: str) -> str:
    return httpx.get(url, timeout=10).text


@app.command()
def go(model: str = "gpt-4o", instruction: str = "") -> None:
    for name in model.split(","):
        print(name, _fetch_instruction(instruction))
""",
        expected=(
            Expect(
                8,
                12,
                8,
                38,
                "`httpx.get()` in `_fetch_instruction`, called only from `go`, a CLI command "
                "(runs once per process) builds and drops a connection pool on each call, "
                "rarely; " + _ADVICE,
            ),
        ),
    ),
    Invalid(
        why="a function whose parameters are CLI options is a command, registered or not",
        source="""\
from typing import Optional

import httpx
import typer


def configure_logger(
    endpoint: Optional[str] = typer.Argument(None, help="OTEL endpoint"),
    test: bool = typer.Option(False, "--test"),
) -> None:
    if endpoint:
        with httpx.Client(timeout=10.0) as client:
            client.get(endpoint.replace("/v1/logs", "/health"))
""",
        expected=(
            Expect(
                12,
                14,
                12,
                40,
                "`httpx.Client` built in `configure_logger`, a CLI command (runs once per "
                "process): each call pays a new TCP+TLS handshake, rarely; " + _ADVICE,
            ),
        ),
    ),
    Invalid(
        why="code only the lifespan reaches runs once per process: its loop runs per bundle",
        source="""\
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI


async def _load_bundles(urls: list[str]) -> list[bytes]:
    bundles = []
    for url in urls:
        async with httpx.AsyncClient(timeout=30) as client:
            bundles.append((await client.get(url)).content)
    return bundles


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.bundles = await _load_bundles(["https://bundles.example/a.zip"])
    yield


app = FastAPI(lifespan=lifespan)
""",
        expected=(
            Expect(
                10,
                20,
                10,
                49,
                "`httpx.AsyncClient` built in `_load_bundles`, called only from `lifespan`, "
                "start-up code (runs once per process): each call pays a new TCP+TLS "
                "handshake, rarely; " + _ADVICE,
            ),
        ),
    ),
)
