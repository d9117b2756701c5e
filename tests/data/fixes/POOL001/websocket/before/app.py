import httpx
from fastapi import FastAPI, WebSocket

app = FastAPI()


@app.websocket("/ws")
async def ws(websocket: WebSocket) -> None:
    await websocket.accept()
    async with httpx.AsyncClient() as client:
        await websocket.send_text((await client.get("https://example.com")).text)
