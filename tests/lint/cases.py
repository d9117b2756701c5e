"""Snippets for the rule tests: (code, source) pairs that must / must not produce the code."""

from __future__ import annotations

BAD: list[tuple[str, str]] = [
    # POOL001 client-per-request
    ("POOL001", "import httpx as hx\nfor u in us:\n    c = hx.Client()\n    c.close()\n"),
    (
        "POOL001",
        "from httpx import AsyncClient\nasync def f(us):\n    return [await AsyncClient().get(u) for u in us]\n",
    ),
    (
        "POOL001",
        "import httpx2\ndef fetch(u):\n    with httpx2.Client() as c:\n        return c.get(u)\n",
    ),
    (
        "POOL001",
        "import requests\ndef f(us):\n    for u in us:\n        requests.get(u, timeout=1)\n",
    ),
    ("POOL001", "import requests\nrows = [requests.get(u, timeout=1) for u in urls]\n"),
    (
        "POOL001",
        "from flask import Flask\nimport requests\nweb = Flask(__name__)\n@web.route('/')\ndef i():\n    return requests.get('x', timeout=1).text\n",
    ),
    (
        "POOL001",
        "from fastapi import APIRouter\nfrom openai import AsyncOpenAI as LLM\nmy_router = APIRouter()\n@my_router.get('/a')\nasync def a():\n    llm = LLM()\n    return await llm.models.list()\n",
    ),
    (
        "POOL001",
        "from aiohttp import web\nimport aiohttp\nroutes = web.RouteTableDef()\n@routes.get('/')\nasync def h(request):\n    async with aiohttp.ClientSession() as s:\n        return await s.get('x')\n",
    ),
    (
        "POOL001",
        "from celery import shared_task\nimport httpx\n@shared_task\ndef t():\n    with httpx.Client() as c:\n        for i in range(3):\n            c.get('x')\n",
    ),
    (
        "POOL001",
        "from celery import Celery\nimport httpx\nworker = Celery()\n@worker.task\ndef t():\n    with httpx.Client() as c:\n        for i in range(3):\n            c.get('x')\n",
    ),
    (
        "POOL001",
        "import httpx\ndef handler(event, context):\n    with httpx.Client() as c:\n        for i in event:\n            c.get(i)\n",
    ),
    (
        "POOL001",
        "import anthropic\ndef ask(q):\n    return anthropic.Anthropic().messages.create(model='m', max_tokens=1, messages=[])\n",
    ),
    (
        "POOL001",
        "import urllib3\ndef f():\n    pm = urllib3.PoolManager()\n    return pm.request('GET', 'x')\n",
    ),
    # POOL002 unclosed-client
    (
        "POOL002",
        "import httpx\ndef f(us):\n    c = httpx.Client()\n    for u in us:\n        c.get(u)\n",
    ),
    (
        "POOL002",
        "import aiohttp\nasync def f(us):\n    s = aiohttp.ClientSession()\n    for u in us:\n        await s.get(u)\n",
    ),
    (
        "POOL002",
        "import requests\ndef f(us):\n    s = requests.Session()\n    for u in us:\n        s.get(u, timeout=3)\n",
    ),
    (
        "POOL002",
        "import httpx\nclass A:\n    def __init__(self):\n        self.c = httpx.AsyncClient()\n    async def get(self):\n        return await self.c.get('x')\n",
    ),
    # POOL003 no-timeout
    ("POOL003", "import requests\nrequests.get('x')\n"),
    ("POOL003", "import requests as rq\nrq.request('GET', 'x')\n"),
    ("POOL003", "from requests import post\npost('x', json={})\n"),
    ("POOL003", "import requests\ns = requests.Session()\ns.post('x')\n"),
    ("POOL003", "import urllib.request\nurllib.request.urlopen('x')\n"),
    ("POOL003", "import httpx\nc = httpx.Client(timeout=None)\n"),
    ("POOL003", "import httpx\nhttpx.get('x', timeout=None)\n"),
    ("POOL003", "from openai import OpenAI\nc = OpenAI(timeout=None)\n"),
    ("POOL003", "import httpx\nt = httpx.Timeout(None)\n"),
    ("POOL003", "import aiohttp\nt = aiohttp.ClientTimeout()\n"),
    ("POOL003", "import aiohttp\nt = aiohttp.ClientTimeout(total=None)\n"),
    # POOL004 no-pool-timeout
    ("POOL004", "import httpx\nt = httpx.Timeout(5.0, pool=None)\n"),
    ("POOL004", "import httpx\nt = httpx.Timeout(None, connect=1.0, read=2.0, write=3.0)\n"),
    ("POOL004", "import aiohttp\nt = aiohttp.ClientTimeout(sock_read=30, sock_connect=5)\n"),
    # POOL005 invalid-pool-config
    ("POOL005", "import httpx\nt = httpx.Timeout(connect=5.0, read=120.0)\n"),
    ("POOL005", "import httpx\nt = httpx.Timeout()\n"),
    ("POOL005", "from httpx2 import Timeout as T\nt = T(read=1.0)\n"),
    (
        "POOL005",
        "import aiohttp\nasync def f():\n    async with aiohttp.ClientSession(timeout=30) as s:\n        pass\n",
    ),
    (
        "POOL005",
        "import aiohttp\nasync def f():\n    c = aiohttp.TCPConnector(force_close=True, keepalive_timeout=30)\n",
    ),
    # POOL006 pool-limits
    (
        "POOL006",
        "import httpx\nl = httpx.Limits(max_connections=10, max_keepalive_connections=20)\n",
    ),
    ("POOL006", "import httpx\nl = httpx.Limits(max_connections=None)\n"),
    ("POOL006", "import httpx\nl = httpx.Limits(keepalive_expiry=None)\n"),
    ("POOL006", "import aiohttp\nasync def f():\n    c = aiohttp.TCPConnector(limit=0)\n"),
    # POOL007 http2-without-h2 (project declares httpx only)
    ("POOL007", "import httpx\nc = httpx.AsyncClient(http2=True)\n"),
    ("POOL007", "import httpx2\nc = httpx2.Client(http2=True)\n"),
    # POOL008 blocking-http-in-async
    ("POOL008", "import requests\nasync def f():\n    return requests.get('x', timeout=1)\n"),
    ("POOL008", "import httpx\nasync def f():\n    return httpx.post('x')\n"),
    (
        "POOL008",
        "from urllib.request import urlopen\nasync def f():\n    return urlopen('x', timeout=1)\n",
    ),
    ("POOL008", "import openai\nasync def f():\n    c = openai.OpenAI()\n    return c\n"),
    ("POOL008", "import httpx\nsync = httpx.Client()\nasync def f():\n    return sync.get('x')\n"),
    (
        "POOL008",
        "import anthropic\nllm = anthropic.Anthropic()\nasync def f():\n    return llm.messages.create(model='m', max_tokens=1, messages=[])\n",
    ),
    # POOL009 unclosed-stream
    (
        "POOL009",
        "import httpx\nasync def f(c: httpx.AsyncClient):\n    r = c.stream('GET', 'x')\n    return 1\n",
    ),
    (
        "POOL009",
        "import httpx\nc = httpx.Client()\ndef f():\n    r = c.stream('GET', 'x')\n    for line in r:\n        pass\n",
    ),
    (
        "POOL009",
        "import httpx\nasync def f(c: httpx.AsyncClient, req):\n    r = await c.send(req, stream=True)\n    return r.status_code\n",
    ),
    # POOL010 pool-at-import
    ("POOL010", "import aiohttp\ns = aiohttp.ClientSession()\n"),
    ("POOL010", "from aiohttp import TCPConnector\nclass A:\n    conn = TCPConnector()\n"),
    # POOL011 shared-connector-owned
    (
        "POOL011",
        "import aiohttp\nasync def f(conn: aiohttp.TCPConnector):\n    c = aiohttp.TCPConnector()\n    a = aiohttp.ClientSession(connector=c)\n    b = aiohttp.ClientSession(connector=c)\n    return a, b\n",
    ),
    # POOL012 sdk-client-drops-limits
    (
        "POOL012",
        "import httpx\nfrom openai import AsyncOpenAI\nc = AsyncOpenAI(http_client=httpx.AsyncClient())\n",
    ),
    (
        "POOL012",
        "import httpx\nimport anthropic\nh = httpx.Client(timeout=5)\nc = anthropic.Anthropic(http_client=h)\n",
    ),
]

GOOD: list[tuple[str, str]] = [
    # a user's own Client is not an HTTP client
    (
        "POOL001",
        "class Client:\n    def get(self): ...\ndef f():\n    c = Client()\n    return c.get()\n",
    ),
    (
        "POOL001",
        "from mylib import Client\ndef f():\n    with Client() as c:\n        return c.get()\n",
    ),
    # hand-on and exemptions
    ("POOL001", "import httpx\ndef make():\n    return httpx.Client()\n"),
    ("POOL001", "import httpx\ndef make():\n    c = httpx.Client()\n    return c, 1\n"),
    ("POOL001", "import httpx\nclass A:\n    def open(self):\n        self.c = httpx.Client()\n"),
    (
        "POOL001",
        "import httpx\nimport functools\n@functools.lru_cache\ndef client():\n    return httpx.Client()\n",
    ),
    (
        "POOL001",
        "import httpx\nfrom contextlib import contextmanager\n@contextmanager\ndef client():\n    with httpx.Client() as c:\n        yield c\n",
    ),
    (
        "POOL001",
        "import httpx\nasync def main():\n    async with httpx.AsyncClient() as c:\n        await c.get('x')\n",
    ),
    ("POOL001", "import httpx\ndef test_x():\n    with httpx.Client() as c:\n        c.get('x')\n"),
    (
        "POOL001",
        "import pytest\nimport httpx\n@pytest.fixture\ndef client():\n    c = httpx.Client()\n    yield c\n    c.close()\n",
    ),
    (
        "POOL001",
        "import aiohttp\nasync def lifespan(app):\n    async with aiohttp.ClientSession() as s:\n        app.state.s = s\n        yield\n",
    ),
    (
        "POOL001",
        "import aiohttp\nasync def f(conn):\n    async with aiohttp.ClientSession(connector=conn, connector_owner=False) as s:\n        return await s.get('x')\n",
    ),
    (
        "POOL001",
        "import httpx\ndef crawl(us):\n    with httpx.Client() as c:\n        return [c.get(u) for u in us]\n",
    ),
    (
        "POOL001",
        "import httpx\ndef f(us):\n    with httpx.Client() as c:\n        return run_all(c, us)\n",
    ),
    ("POOL001", "import requests\ndef once():\n    return requests.get('x', timeout=3)\n"),
    (
        "POOL001",
        "from fastapi import FastAPI\nimport httpx\napp = FastAPI()\nclient = httpx.AsyncClient()\n@app.get('/')\nasync def i():\n    return await client.get('x')\n",
    ),
    # loop over a shared client is fine
    ("POOL001", "import httpx\nc = httpx.Client()\nfor u in us:\n    c.get(u)\n"),
    # POOL002
    (
        "POOL002",
        "import httpx\ndef f(us):\n    c = httpx.Client()\n    try:\n        for u in us:\n            c.get(u)\n    finally:\n        c.close()\n",
    ),
    ("POOL002", "import httpx\nc = httpx.Client()\n"),
    (
        "POOL002",
        "import openai\ndef f():\n    c = openai.OpenAI()\n    for i in range(3):\n        c.models.list()\n",
    ),
    (
        "POOL002",
        "import httpx\nclass A:\n    def __init__(self):\n        self.c = httpx.AsyncClient()\n    async def shutdown(self):\n        await self.c.aclose()\n",
    ),
    (
        "POOL002",
        "import httpx\nclass A:\n    def __init__(self, stack):\n        self.c = httpx.Client()\n        stack.callback(self.c.close)\n",
    ),
    (
        "POOL002",
        "import httpx\ndef f(us, stack):\n    c = stack.enter_context(httpx.Client())\n    for u in us:\n        c.get(u)\n",
    ),
    # POOL003
    ("POOL003", "import requests\nrequests.get('x', timeout=3)\n"),
    ("POOL003", "import requests\nrequests.get('x', **kw)\n"),
    ("POOL003", "import httpx\nhttpx.get('x')\n"),
    ("POOL003", "import urllib.request\nurllib.request.urlopen('x', None, 5)\n"),
    ("POOL003", "import httpx\nt = httpx.Timeout(None, pool=1.0)\n"),
    ("POOL003", "import aiohttp\nt = aiohttp.ClientTimeout(total=30)\n"),
    ("POOL003", "class Session:\n    def get(self, u): ...\ns = Session()\ns.get('x')\n"),
    ("POOL003", "import requests\nfrom mylib import get\nget('x')\n"),
    # POOL004
    ("POOL004", "import httpx\nt = httpx.Timeout(5.0)\n"),
    (
        "POOL004",
        "import httpx\nt = httpx.Timeout(None, connect=1.0, read=2.0, write=3.0, pool=4.0)\n",
    ),
    ("POOL004", "import aiohttp\nt = aiohttp.ClientTimeout(connect=5, sock_read=30)\n"),
    ("POOL004", "import httpx\nt = httpx.Timeout(None)\n"),
    # POOL005
    ("POOL005", "import httpx\nt = httpx.Timeout(10.0, connect=5.0)\n"),
    ("POOL005", "import httpx\nt = httpx.Timeout(connect=1, read=2, write=3, pool=4)\n"),
    ("POOL005", "import httpx\nt = httpx.Timeout(**cfg)\n"),
    ("POOL005", "import httpx\nt = httpx.Timeout(timeout=5.0, read=60.0)\n"),
    ("POOL005", "import aiohttp\nasync def f():\n    c = aiohttp.TCPConnector(force_close=True)\n"),
    # POOL006
    (
        "POOL006",
        "import httpx\nl = httpx.Limits(max_connections=50, max_keepalive_connections=50)\n",
    ),
    ("POOL006", "import httpx\nl = httpx.Limits(max_connections=n, max_keepalive_connections=m)\n"),
    ("POOL006", "import aiohttp\nasync def f():\n    c = aiohttp.TCPConnector(limit=100)\n"),
    # POOL007 with no finding: http2 off
    ("POOL007", "import httpx\nc = httpx.AsyncClient(http2=False)\n"),
    # POOL008
    (
        "POOL008",
        "import requests\nimport asyncio\nasync def f():\n    return await asyncio.to_thread(requests.get, 'x', timeout=1)\n",
    ),
    (
        "POOL008",
        "import requests\nasync def f(loop):\n    return await loop.run_in_executor(None, lambda: requests.get('x', timeout=1))\n",
    ),
    (
        "POOL008",
        "import requests\nasync def f():\n    def inner():\n        return requests.get('x', timeout=1)\n    return inner\n",
    ),
    (
        "POOL008",
        "import httpx\nasync def f():\n    async with httpx.AsyncClient() as c:\n        return await c.get('x')\n",
    ),
    ("POOL008", "import httpx\nsync = httpx.Client()\nasync def f():\n    return sync.headers\n"),
    # POOL009
    (
        "POOL009",
        "import httpx\nasync def f(c: httpx.AsyncClient):\n    async with c.stream('GET', 'x') as r:\n        return r.status_code\n",
    ),
    (
        "POOL009",
        "import httpx\nasync def f(c: httpx.AsyncClient, req):\n    r = await c.send(req, stream=True)\n    try:\n        return r.status_code\n    finally:\n        await r.aclose()\n",
    ),
    (
        "POOL009",
        "import httpx\nasync def f(c: httpx.AsyncClient, req):\n    return await c.send(req, stream=True)\n",
    ),
    ("POOL009", "def f(c):\n    r = c.stream('GET', 'x')\n    return r\n"),
    ("POOL009", "import numpy\ndef f(c: numpy.ndarray):\n    r = c.stream('GET', 'x')\n"),
    # POOL010
    ("POOL010", "import aiohttp\nasync def make():\n    return aiohttp.ClientSession()\n"),
    ("POOL010", "import httpx\nc = httpx.AsyncClient()\n"),
    # POOL011
    (
        "POOL011",
        "import aiohttp\nasync def f():\n    c = aiohttp.TCPConnector()\n    async with aiohttp.ClientSession(connector=c) as s:\n        return s\n",
    ),
    (
        "POOL011",
        "import aiohttp\nasync def f():\n    c = aiohttp.TCPConnector()\n    a = aiohttp.ClientSession(connector=c, connector_owner=False)\n    b = aiohttp.ClientSession(connector=c, connector_owner=False)\n    return a, b\n",
    ),
    # POOL012
    (
        "POOL012",
        "import openai\nc = openai.AsyncOpenAI(http_client=openai.DefaultAsyncHttpxClient())\n",
    ),
    (
        "POOL012",
        "import httpx\nimport openai\nc = openai.AsyncOpenAI(http_client=httpx.AsyncClient(limits=httpx.Limits(max_connections=100, max_keepalive_connections=100)))\n",
    ),
    ("POOL012", "import openai\nc = openai.AsyncOpenAI(http_client=make_client())\n"),
]
