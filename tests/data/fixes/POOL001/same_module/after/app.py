"""Routes that build their clients per request."""

import aiohttp
import httpx
import requests
from fastapi import FastAPI, Request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

API = "https://api.example.com"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # pooltune: the app's clients live as long as the app (POOL001)
    app.state.http = httpx.AsyncClient(base_url=API, timeout=10.0)
    app.state.session = aiohttp.ClientSession()
    yield
    app.state.session_2.close()
    await app.state.session.close()
    await app.state.http.aclose()


app = FastAPI(lifespan=lifespan)
app.state.session_2 = requests.Session()


@app.get("/items/{item}")
async def item(request: Request, item: str) -> dict:
    # one pool per request
    client = request.app.state.http  # the items API
    response = await client.get(f"/items/{item}")
    return response.json()


@app.post("/hook")
async def hook(request: Request) -> int:
    payload = await request.json()
    session = request.app.state.session
    async with session.post(API + "/hooks", json=payload) as response:
        return response.status


@app.get("/health")
def health(request: Request) -> int:
    return request.app.state.session_2.get(API + "/health", timeout=5).status_code
