"""Helpers that build a client only when the caller gives none."""

import httpx
import atexit


handler_2 = httpx.Client(timeout=5)
atexit.register(handler_2.close)


def fetch(url: str, client: httpx.Client | None = None) -> None:
    if client is None:
        handler = handler_2
    else:
        handler = client
    handler.get(url)


http = httpx.Client(timeout=5)
atexit.register(http.close)


def fetch2(url: str, client: httpx.Client | None = None) -> None:
    handler = client or http
    handler.get(url)
