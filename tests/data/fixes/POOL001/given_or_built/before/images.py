"""Helpers that build a client only when the caller gives none."""

import httpx


def fetch(url: str, client: httpx.Client | None = None) -> None:
    if client is None:
        handler = httpx.Client(timeout=5)
    else:
        handler = client
    handler.get(url)


def fetch2(url: str, client: httpx.Client | None = None) -> None:
    handler = client or httpx.Client(timeout=5)
    handler.get(url)
