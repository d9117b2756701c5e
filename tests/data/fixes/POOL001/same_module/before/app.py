"""Routes that build their clients per request."""

import aiohttp
import httpx
import requests
from fastapi import FastAPI, Request

API = "https://api.example.com"

app = FastAPI()


@app.get("/items/{item}")
async def item(item: str) -> dict:
    # one pool per request
    client = httpx.AsyncClient(base_url=API, timeout=10.0)  # the items API
    try:
        response = await client.get(f"/items/{item}")
    finally:
        await client.aclose()
    return response.json()


@app.post("/hook")
async def hook(request: Request) -> int:
    payload = await request.json()
    async with aiohttp.ClientSession() as session:
        async with session.post(API + "/hooks", json=payload) as response:
            return response.status


@app.get("/health")
def health() -> int:
    return requests.get(API + "/health", timeout=5).status_code
