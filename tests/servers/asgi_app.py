"""A tiny OpenAI-ish ASGI app that the real-server harnesses serve (uvicorn directly, or behind
Apache, HAProxy and Caddy as their backend). Standard library only: uvicorn imports it by file
(`--app-dir tests/servers asgi_app:app`), so it must not import the test package.

Service time per request: the `service_ms` query parameter, else the `ASGI_SERVICE_MS`
environment variable of the server process, else 20 ms. Any path answers a chat completion,
except:

- `GET /_stats`: `{"requests", "in_flight", "peak_in_flight"}` of this process;
- `POST /_reset`: counters back to zero (in_flight stays as it is).

`"stream": true` in the JSON body (or `stream=1` in the query) answers with Server-Sent Events:
`chunks` events (query, default 3) `token_ms` apart (query, default 10), then `data: [DONE]`;
the first event comes after the service time (the time to first token).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from typing import Any
from urllib.parse import parse_qs

DEFAULT_SERVICE_MS = 20.0

_counters = {"requests": 0, "in_flight": 0, "peak_in_flight": 0}


def _query(scope: dict[str, Any]) -> dict[str, str]:
    raw: bytes = scope.get("query_string", b"")
    return {k: v[-1] for k, v in parse_qs(raw.decode("latin-1")).items()}


def _float(value: str | None, default: float) -> float:
    try:
        return float(value) if value is not None else default
    except ValueError:
        return default


def _completion(text: str) -> bytes:
    return json.dumps(
        {
            "id": "chatcmpl-pooltune-test",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": "test-model",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
    ).encode()


async def _read_body(receive: Any) -> bytes:
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return body
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def _send_json(send: Any, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    body = await _read_body(receive)
    path = scope["path"]
    if path == "/_stats":
        await _send_json(send, 200, json.dumps(_counters).encode())
        return
    if path == "/_reset":
        _counters["requests"] = 0
        _counters["peak_in_flight"] = _counters["in_flight"]
        await _send_json(send, 200, b"{}")
        return
    query = _query(scope)
    env_ms = _float(os.environ.get("ASGI_SERVICE_MS"), DEFAULT_SERVICE_MS)
    service_s = _float(query.get("service_ms"), env_ms) / 1000
    try:
        payload = json.loads(body) if body else {}
    except ValueError:
        payload = {}
    stream = query.get("stream") == "1" or (isinstance(payload, dict) and payload.get("stream"))
    _counters["requests"] += 1
    _counters["in_flight"] += 1
    _counters["peak_in_flight"] = max(_counters["peak_in_flight"], _counters["in_flight"])
    try:
        await asyncio.sleep(service_s)
        if not stream:
            await _send_json(send, 200, _completion("ok"))
            return
        chunks = int(_float(query.get("chunks"), 3))
        token_s = _float(query.get("token_ms"), 10) / 1000
        headers = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for i in range(chunks):
            if i:
                await asyncio.sleep(token_s)
            event = {
                "id": "chatcmpl-pooltune-test",
                "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": {"content": f"t{i}"}, "finish_reason": None}],
            }
            data = b"data: " + json.dumps(event).encode() + b"\n\n"
            await send({"type": "http.response.body", "body": data, "more_body": True})
        await send({"type": "http.response.body", "body": b"data: [DONE]\n\n"})
    finally:
        _counters["in_flight"] -= 1
