"""Batch jobs that end their clients by name: a `with client:` block, a close in `finally`."""

import httpx


def fetch_page(url: str) -> str:
    client = httpx.Client(timeout=5)
    with client:
        return client.get(url).text


def fetch_mirror(url: str, eu: bool) -> str:
    # the same name holds one of two clients: no hoist can keep the close right for both
    if eu:
        client = httpx.Client(base_url="https://eu.example", timeout=5)
    else:
        client = httpx.Client(base_url="https://us.example", timeout=5)
    try:
        return client.get(url).text
    finally:
        client.close()


def fetch_either(url: str, eu: bool) -> str:
    client = httpx.Client(timeout=5) if eu else httpx.Client(timeout=9)
    with client:
        return client.get(url).text


def crawl(urls: list[str]) -> list[str]:
    pages = []
    for url in urls:
        session = httpx.Client(timeout=5)
        with session:
            pages.append(session.get(url).text)
    return pages


def run(urls: list[str]) -> list[str]:
    return [fetch_page(u) + fetch_mirror(u, True) + fetch_either(u, False) for u in urls]
