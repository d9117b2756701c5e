import httpx
import requests
from celery import shared_task
from flask import Flask
import atexit

web = Flask(__name__)
API = "https://api.example.com"


def fetch_all(urls):
    out = []
    client = httpx.Client(timeout=5.0)  # per url
    try:
        for url in urls:
            out.append(client.get(url).text)
    finally:
        client.close()
    return out


async def fetch_async(urls):
    async with httpx.AsyncClient() as client:
        for url in urls:
            await client.get(url)


session = requests.Session()
atexit.register(session.close)


@web.route("/")
def index():
    return session.get(API, timeout=5).text


@web.route("/b")
def other():
    return session.get(API + "/b", timeout=5).text


http = httpx.Client(base_url=API)
atexit.register(http.close)


@shared_task
def refresh(key: str):
    client = http
    return client.get("/refresh/" + key).status_code


class Weather:
    """A long-lived object: its methods share one session."""

    def today(self, city: str) -> dict:
        response = requests.get(API + "/weather", params={"city": city}, timeout=5)
        response.raise_for_status()
        return response.json()

    def status(self) -> int:
        import urllib3  # an optional dependency: imported where it is used

        return urllib3.request("GET", API).status
