"""A FastAPI app with one httpx client for its lifetime, calling the sim per request
(`pooltune monitor -- uvicorn fastapi_app:app`; no monitoring code in it)."""

from __future__ import annotations

import os
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request

SIM = os.environ["SIM_URL"]
CA = os.environ["SIM_CA"]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    context = ssl.create_default_context(cafile=CA)
    async with httpx.AsyncClient(base_url=SIM, verify=context, timeout=10.0) as client:
        app.state.client = client
        yield


app = FastAPI(lifespan=lifespan)


@app.get("/ask")
async def ask(request: Request) -> dict[str, str]:
    client: httpx.AsyncClient = request.app.state.client
    response = await client.post("/v1/chat/completions", json={"model": "sim", "messages": []})
    response.raise_for_status()
    return {"answer": response.json()["choices"][0]["message"]["content"]}
