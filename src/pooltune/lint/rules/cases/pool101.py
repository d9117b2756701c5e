"""POOL101 implicit-call-in-method (opt-in): cases."""

from __future__ import annotations

from pooltune.lint.rules.cases import Expect, Invalid, Valid

_ADVICE = "if the method runs often, give the object one client (a session) to reuse"

VALID = (
    Valid(
        why="a provider class's method is POOL001's (its hot path)",
        source="""\
import requests


class HuggingFaceProvider:
    def embed(self, texts: list[str]) -> list[list[float]]:
        return requests.post(
            "https://api-inference.huggingface.co/embeddings", json=texts, timeout=30
        ).json()
""",
    ),
    Valid(
        why="a method a loop calls is POOL001's",
        source="""\
import requests


class Scraper:
    def page(self, url: str) -> str:
        return requests.get(url, timeout=10).text


def crawl(urls: list[str]) -> list[str]:
    scraper = Scraper()
    return [scraper.page(url) for url in urls]
""",
    ),
    Valid(
        why="a module-level function nothing shows to run often",
        source="""\
import requests


def latest_release(repo: str) -> str:
    url = f"https://api.github.com/repos/{repo}/releases/latest"
    return requests.get(url, timeout=10).json()["tag_name"]
""",
    ),
)

INVALID = (
    Invalid(
        why="an agent tool's request",
        source="""\
import requests


class CalendarTools:
    def __init__(self, api_key: str) -> None:
        self.api_key = api_key

    def list_bookings(self, day: str) -> list[dict]:
        response = requests.get(
            "https://api.cal.example/v2/bookings",
            params={"day": day},
            headers={"Authorization": f"Bearer {self.api_key}"},
            timeout=30,
        )
        return response.json()["data"]
""",
        expected=(
            Expect(
                9,
                20,
                14,
                10,
                "`requests.get()` in the method `CalendarTools.list_bookings` builds and drops a "
                "connection pool on each call; " + _ADVICE,
            ),
        ),
    ),
    Invalid(
        why="a value object fetching its own URL",
        source="""\
import httpx


class UrlArtifact:
    def __init__(self, url: str) -> None:
        self.url = url

    def to_bytes(self) -> bytes:
        return httpx.get(self.url, timeout=60, follow_redirects=True).content
""",
        expected=(
            Expect(
                9,
                16,
                9,
                70,
                "`httpx.get()` in the method `UrlArtifact.to_bytes` builds and drops a "
                "connection pool on each call; " + _ADVICE,
            ),
        ),
    ),
)
