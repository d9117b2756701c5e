import httpx
from fastapi import FastAPI, WebSocket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # pooltune: the app's clients live as long as the app (POOL001)
    app.state.http = httpx.AsyncClient()
    yield
    await app.state.http.aclose()


app = FastAPI(lifespan=lifespan)


@app.websocket("/ws")
async def ws(websocket: WebSocket) -> None:
    await websocket.accept()
    client = websocket.app.state.http
    await websocket.send_text((await client.get("https://example.com")).text)
