import httpx
import requests
from celery import shared_task
from flask import Flask

web = Flask(__name__)
API = "https://api.example.com"


def fetch_all(urls):
    out = []
    for url in urls:
        client = httpx.Client(timeout=5.0)  # per url
        out.append(client.get(url).text)
        client.close()
    return out


async def fetch_async(urls):
    for url in urls:
        async with httpx.AsyncClient() as client:
            await client.get(url)


@web.route("/")
def index():
    with requests.Session() as session:
        return session.get(API, timeout=5).text


@web.route("/b")
def other():
    return requests.get(API + "/b", timeout=5).text


@shared_task
def refresh(key: str):
    with httpx.Client(base_url=API) as client:
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
