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
    # reading an attribute of the client (`self.session.headers`) does not close it
    (
        "POOL002",
        "import requests\nclass Loader:\n    def __init__(self):\n        self.session = requests.Session()\n    async def fetch(self, session, url):\n        return await session.get(url, headers=self.session.headers)\n",
    ),
    # -- issue 9: real-shaped cases (function summaries, handed on / per call / factory) ----
    # a per-call client only passed to a use-only helper (httpx_sse; or one of this module)
    (
        "POOL001",
        "import httpx\nfrom httpx_sse import connect_sse\nclass Chat:\n    def _stream(self, url, payload):\n        with httpx.Client(timeout=60) as client:\n            with connect_sse(client, 'POST', url, json=payload) as events:\n                for sse in events.iter_sse():\n                    yield sse.data\n",
    ),
    (
        "POOL001",
        "from contextlib import contextmanager\nclass Chat:\n    def _stream(self, url):\n        import httpx\n        with httpx.Client(timeout=60) as client:\n            with connect_sse(client, 'POST', url) as events:\n                for sse in events:\n                    yield sse\n@contextmanager\ndef connect_sse(client, method, url, **kwargs):\n    with client.stream(method, url, **kwargs) as response:\n        yield response\n",
    ),
    (
        "POOL001",
        "import aiohttp\nclass Embeddings:\n    async def _post(self, session, text):\n        async with session.post('https://x', json={'t': text}) as r:\n            return await r.json()\n    async def aembed_query(self, text):\n        async with aiohttp.ClientSession() as session:\n            return await self._post(session, text)\n",
    ),
    # factories: the call sites are per-call builds, with the factory's client type
    (
        "POOL001",
        "import requests\ndef _get_session():\n    s = requests.Session()\n    s.headers.update({'a': 'b'})\n    return s\ndef fetch(url):\n    s = _get_session()\n    try:\n        return s.get(url, timeout=5)\n    finally:\n        s.close()\n",
    ),
    (
        "POOL003",
        "import requests\nclass Zapier:\n    def _get_session(self):\n        session = requests.Session()\n        session.headers.update({'x': 'y'})\n        return session\n    def list(self):\n        session = self._get_session()\n        try:\n            return session.get('https://x/exposed/').json()\n        finally:\n            session.close()\n",
    ),
    (
        "POOL003",
        "import requests\nclass Zapier:\n    def _get_session(self):\n        session = requests.Session()\n        return session\n    def run(self, prepared):\n        session = self._get_session()\n        with session:\n            return session.send(prepared).json()\n",
    ),
    (
        "POOL001",
        "import httpx\nclass Api:\n    @property\n    def client(self):\n        return self.http_client or httpx.Client(timeout=5)\n    def get(self, url):\n        return self.client.get(url)\n",
    ),
    # clients on attributes however they get there: POOL003 and POOL008 like a local's
    (
        "POOL003",
        "from typing import Any\nimport requests\nfrom pydantic import BaseModel, model_validator\nclass Jina(BaseModel):\n    session: Any = None\n    @model_validator(mode='before')\n    @classmethod\n    def validate_env(cls, values):\n        session = requests.Session()\n        session.headers.update({'Authorization': 'Bearer x'})\n        values['session'] = session\n        return values\n    def _embed(self, texts):\n        return self.session.post('https://api.jina.ai/v1/embeddings', json={'input': texts}).json()\n",
    ),
    (
        "POOL003",
        "from typing import Any\nimport requests\nfrom pydantic import BaseModel, model_validator\nclass Baichuan(BaseModel):\n    session: Any = None\n    @model_validator(mode='after')\n    def validate_environment(self):\n        session = requests.Session()\n        self.session = session\n        return self\n    def _embed(self, texts):\n        for chunk in texts:\n            self.session.post('https://x', json={'input': chunk})\n",
    ),
    (
        "POOL003",
        "import requests\nfrom pydantic import BaseModel, root_validator\nclass Tool(BaseModel):\n    @root_validator(pre=True)\n    def env(cls, values):\n        values['session'] = requests.Session()\n        return values\n    def run(self, q):\n        return self.session.get('https://x', params={'q': q})\n",
    ),
    (
        "POOL003",
        "import requests\nclass Search:\n    session = requests.Session()\n    def run(self, q):\n        return self.session.get('https://x', params={'q': q})\n",
    ),
    (
        "POOL003",
        "import requests\nfrom pydantic import BaseModel, Field\nclass Search(BaseModel):\n    session: requests.Session = Field(default_factory=requests.Session)\n    def run(self, q):\n        return self.session.get('https://x', params={'q': q})\n",
    ),
    (
        "POOL003",
        "import requests\nclass Base:\n    def __init__(self):\n        self.session = requests.Session()\nclass Child(Base):\n    def run(self, q):\n        return self.session.get('https://x', params={'q': q})\n",
    ),
    (
        "POOL008",
        "import requests\nclass Memory:\n    def __init__(self):\n        self.session = requests.Session()\n    async def get(self, key):\n        return self.session.get('https://x/' + key, timeout=5).json()\n",
    ),
    (
        "POOL008",
        "import openai\nfrom pydantic import BaseModel, model_validator\nclass Llm(BaseModel):\n    @model_validator(mode='after')\n    def env(self):\n        self.client = openai.OpenAI().chat.completions\n        return self\n    async def ainvoke(self, messages):\n        return self.client.create(model='m', messages=messages)\n",
    ),
    (
        "POOL008",
        "import requests\nclass Api:\n    def _get_session(self):\n        return requests.Session()\n    async def fetch(self, url):\n        with self._get_session() as s:\n            return s.get(url, timeout=5)\n",
    ),
    # a retry loop is not reuse
    (
        "POOL001",
        "import httpx\ndef call(url):\n    with httpx.Client(timeout=5) as c:\n        for attempt in range(3):\n            try:\n                return c.get(url)\n            except httpx.HTTPError:\n                continue\n",
    ),
    (
        "POOL001",
        "import asyncio\nimport aiohttp\nclass Loader:\n    async def _fetch(self, url, retries=3):\n        async with aiohttp.ClientSession() as session:\n            for i in range(retries):\n                try:\n                    async with session.get(url) as response:\n                        return await response.text()\n                except aiohttp.ClientConnectionError:\n                    await asyncio.sleep(2 ** i)\n",
    ),
    (
        "POOL001",
        "import time\nimport httpx\ndef poll(url):\n    with httpx.Client(timeout=5) as c:\n        while True:\n            r = c.get(url)\n            if r.json()['done']:\n                break\n            time.sleep(1)\n        return r\n",
    ),
    # module-level request functions in methods of long-lived objects / per-request functions
    (
        "POOL001",
        "import requests\nclass SearchTool:\n    def run(self, q):\n        return requests.get('https://x', params={'q': q}, timeout=5).json()\n",
    ),
    (
        "POOL001",
        "from fastapi import FastAPI\nimport requests\napp = FastAPI()\ndef lookup(i):\n    return requests.get(f'https://crm/{i}', timeout=5).json()\n@app.get('/t/{i}')\ndef ticket(i: str):\n    return lookup(i)\n",
    ),
    (
        "POOL001",
        "import requests\ndef fetch(u):\n    return requests.get(u, timeout=5).text\ndef crawl(urls):\n    return [fetch(u) for u in urls]\n",
    ),
    # requests.post(**kwargs) with known keys; timeouts through a local or a dict
    ("POOL003", "import requests\nrequests.post(**{'url': 'https://x', 'json': {}})\n"),
    (
        "POOL003",
        "import requests\ndef f(u):\n    kw = {'url': u, 'json': {}}\n    return requests.post(**kw)\n",
    ),
    (
        "POOL003",
        "import requests\nclass Gradient:\n    def _kwargs_post_request(self, prompt, kwargs):\n        return dict(url='https://x/complete', headers={'a': 'b'}, json=dict(query=prompt))\n    def _call(self, prompt, **kwargs):\n        return requests.post(**self._kwargs_post_request(prompt, kwargs))\n",
    ),
    (
        "POOL003",
        "import requests\ndef _kwargs():\n    return {'url': 'https://x'}\ndef f():\n    return requests.get(**_kwargs())\n",
    ),
    ("POOL003", "import httpx\ndef f(u):\n    t = None\n    return httpx.get(u, timeout=t)\n"),
    (
        "POOL003",
        "import openai\ndef f(key):\n    params = {'api_key': key, 'timeout': None}\n    return openai.OpenAI(**params)\n",
    ),
    (
        "POOL003",
        "import openai\ndef _stream(self, messages, **kwargs):\n    timeout = None if 'timeout' not in kwargs else kwargs['timeout']\n    client_params = {'api_key': 'k', 'timeout': timeout, 'http_client': None}\n    client = openai.OpenAI(**client_params)\n    return client.chat.completions.create(model='m', messages=messages, stream=True)\n",
    ),
    # a call relying on a parameter's `timeout=None` default (not the default itself)
    (
        "POOL003",
        "import requests\ndef fetch(url, timeout=None):\n    return requests.get(url, timeout=timeout)\ndef main():\n    return fetch('https://x')\n",
    ),
    (
        "POOL003",
        "import httpx\nclass Llm:\n    def _client(self, timeout: float | httpx.Timeout = httpx.Timeout(None)):\n        return httpx.Client(timeout=timeout)\n    def run(self):\n        with self._client() as c:\n            return c.get('https://x')\n",
    ),
    # httpx.Limits that omits max_connections: unbounded (only the client's default is 100)
    ("POOL006", "import httpx\nlimits = httpx.Limits(keepalive_expiry=30)\n"),
    ("POOL006", "import httpx2\nlimits = httpx2.Limits(max_keepalive_connections=20)\n"),
    ("POOL006", "import httpx\nc = httpx.AsyncClient(limits=httpx.Limits())\n"),
    # POOL013 async-client-across-loops
    (
        "POOL013",
        "import asyncio\nimport httpx\nclient = httpx.AsyncClient()\nasync def fetch(u):\n    return (await client.get(u)).text\ndef fetch_all(urls):\n    for u in urls:\n        asyncio.run(fetch(u))\n",
    ),
    (
        "POOL013",
        "import asyncio\nfrom celery import shared_task\nfrom openai import AsyncOpenAI\nllm = AsyncOpenAI()\nasync def summarize(text):\n    return await llm.chat.completions.create(model='m', messages=[{'role': 'user', 'content': text}])\n@shared_task\ndef summarize_task(text):\n    return asyncio.run(summarize(text))\n",
    ),
    (
        "POOL013",
        "import asyncio\nimport functools\nimport anthropic\n@functools.lru_cache\ndef client():\n    return anthropic.AsyncAnthropic()\nasync def ask(q):\n    return await client().messages.create(model='m', max_tokens=1, messages=[])\ndef ask_all(qs):\n    return [asyncio.run(ask(q)) for q in qs]\n",
    ),
    (
        "POOL013",
        "import asyncio\nimport aiohttp\n_session = None\nasync def get(url):\n    global _session\n    if _session is None:\n        _session = aiohttp.ClientSession()\n    async with _session.get(url) as r:\n        return await r.text()\nasync def relay(u):\n    return await get(u)\ndef handle(urls):\n    for u in urls:\n        asyncio.run(relay(u))\n",
    ),
    (
        "POOL012",
        "import httpx\nimport anthropic\nh = httpx.Client(timeout=5)\nc = anthropic.Anthropic(http_client=h)\n",
    ),
    # POOL014 transport-swallows-client-options
    (
        "POOL014",
        "import httpx\nc = httpx.Client(transport=httpx.HTTPTransport(retries=3), limits=L)\n",
    ),
    (
        "POOL014",
        "from httpx2 import AsyncClient, AsyncHTTPTransport\n"
        "t = AsyncHTTPTransport()\nc = AsyncClient(transport=t, http2=True, cert='c.pem')\n",
    ),
    (
        "POOL014",
        "import httpx\nfrom retries import RetryTransport\n"
        "c = httpx.AsyncClient(transport=RetryTransport(), verify=False)\n",
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
    # -- issue 9: real-shaped cases that must stay silent ----------------------------------
    # an SDK client stored through a resource attribute is handed on
    (
        "POOL001",
        "import openai\nfrom pydantic import BaseModel, root_validator\nclass Chat(BaseModel):\n    @root_validator()\n    def validate_environment(cls, values):\n        params = {'api_key': values['key']}\n        if not values.get('client'):\n            values['client'] = openai.OpenAI(**params).chat.completions\n        if not values.get('async_client'):\n            values['async_client'] = openai.AsyncAzureOpenAI(\n                **params\n            ).completions\n        return values\n",
    ),
    (
        "POOL001",
        "from openai import OpenAI\nclass Embedder:\n    def setup(self, key):\n        self.embeddings = OpenAI(api_key=key).embeddings\n    def configure(self):\n        self.images = OpenAI().images\n",
    ),
    # a client passed to a function that stores it, or one we cannot resolve: handed on
    (
        "POOL001",
        "import httpx\nclass Holder:\n    def __init__(self, client):\n        self.client = client\ndef make():\n    c = httpx.Client()\n    return Holder(c)\n",
    ),
    (
        "POOL001",
        "import httpx\nfrom elsewhere import register\ndef f():\n    c = httpx.Client()\n    register(c)\n",
    ),
    # cached factories build once: their call sites are not builds
    (
        "POOL001",
        "import functools\nimport httpx\n@functools.lru_cache\ndef client():\n    return httpx.Client(timeout=5)\ndef get(u):\n    return client().get(u)\n",
    ),
    # a factory that stores what it builds is a cached getter, not a factory
    (
        "POOL001",
        "import httpx\nclass Api:\n    def _client(self):\n        if self._c is None:\n            self._c = httpx.Client(timeout=5)\n        return self._c\n    def get(self, u):\n        return self._client().get(u)\n",
    ),
    # a loop over work items is reuse
    (
        "POOL001",
        "import httpx\ndef crawl(urls):\n    with httpx.Client(timeout=5) as c:\n        for page in urls:\n            c.get(page)\n",
    ),
    # an implicit call in a one-shot function (not per request, not a method): fine
    (
        "POOL001",
        "import requests\ndef version():\n    return requests.get('https://pypi.org/pypi/x/json', timeout=5).json()\ndef main():\n    print(version())\n",
    ),
    (
        "POOL001",
        "import requests\nclass Tool:\n    def __init__(self):\n        self.schema = requests.get('https://x/schema', timeout=5).json()\n",
    ),
    # timeout=None only as a parameter default: reported where a call relies on it, not here
    (
        "POOL003",
        "import httpx\ndef _get_client(is_async, timeout: float | httpx.Timeout = httpx.Timeout(None)):\n    return httpx.Client(timeout=timeout)\n",
    ),
    (
        "POOL003",
        "import requests\ndef fetch(url, timeout=None):\n    return requests.get(url, timeout=timeout)\ndef main():\n    fetch('https://x', timeout=5)\n    fetch('https://x', 5)\n",
    ),
    (
        "POOL003",
        "import requests\ndef fetch(url, timeout=None):\n    timeout = timeout or 30\n    return requests.get(url, timeout=timeout)\ndef main():\n    fetch('https://x')\n",
    ),
    # in-process transports: no network, no timeout or blocking finding
    (
        "POOL003",
        "import httpx\ndef make(app):\n    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), timeout=None)\n",
    ),
    (
        "POOL003",
        "import httpx\n_TRANSPORT = httpx.ASGITransport(app=None)\nclient = httpx.AsyncClient(transport=_TRANSPORT, timeout=httpx.Timeout(None))\n",
    ),
    (
        "POOL004",
        "import httpx\nclient = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: None), timeout=httpx.Timeout(None, connect=5.0))\n",
    ),
    (
        "POOL008",
        "import httpx\nasync def call_app(app):\n    c = httpx.Client(transport=httpx.WSGITransport(app=app))\n    return c\n",
    ),
    # **kwargs we cannot see into, or that carry a timeout
    ("POOL003", "import requests\ndef f(**kw):\n    return requests.post('https://x', **kw)\n"),
    (
        "POOL003",
        "import requests\ndef f(u):\n    kw = {'url': u, 'timeout': 5}\n    return requests.post(**kw)\n",
    ),
    (
        "POOL003",
        "import requests\ndef f(u, t):\n    kw = {'url': u}\n    kw['timeout'] = t\n    return requests.post(**kw)\n",
    ),
    # attributes with timeouts, or holding what we cannot resolve
    (
        "POOL003",
        "import requests\nclass A:\n    def __init__(self):\n        self.s = requests.Session()\n    def run(self):\n        return self.s.get('https://x', timeout=5)\n",
    ),
    ("POOL003", "class A:\n    def run(self):\n        return self.session.get('https://x')\n"),
    # POOL006: max_connections given
    ("POOL006", "import httpx\nlimits = httpx.Limits(max_connections=100, keepalive_expiry=30)\n"),
    ("POOL006", "import httpx\nlimits = httpx.Limits(**cfg)\n"),
    # POOL008: an async client on self
    (
        "POOL008",
        "import httpx\nclass A:\n    def __init__(self):\n        self.c = httpx.AsyncClient()\n    async def run(self):\n        return await self.c.get('https://x')\n",
    ),
    # POOL013: one asyncio.run; a client built inside the coroutine; nothing shared
    (
        "POOL013",
        "import asyncio\nimport httpx\nclient = httpx.AsyncClient()\nasync def main():\n    return await client.get('https://x')\nif __name__ == '__main__':\n    asyncio.run(main())\n",
    ),
    (
        "POOL013",
        "import asyncio\nimport httpx\nasync def fetch(u):\n    async with httpx.AsyncClient() as c:\n        return (await c.get(u)).text\ndef fetch_all(urls):\n    for u in urls:\n        asyncio.run(fetch(u))\n",
    ),
    (
        "POOL013",
        "import asyncio\nimport httpx\nclient = httpx.Client()\nasync def fetch(u):\n    return u\ndef fetch_all(urls):\n    for u in urls:\n        asyncio.run(fetch(u))\n",
    ),
    # one-shot entry points and what only they call; closures keep what they capture
    (
        "POOL001",
        "import click\nimport httpx\nclass Helpers:\n    @staticmethod\n    def run_health_check(host, port):\n        return httpx.get(f'http://{host}:{port}/health', timeout=5)\n@click.command()\ndef run_server(host, port, health):\n    if health:\n        Helpers.run_health_check(host, port)\n",
    ),
    (
        "POOL001",
        "import requests\nfrom pydantic import BaseModel, model_validator\nclass Anyscale(BaseModel):\n    @staticmethod\n    def get_available_models(base):\n        return requests.get(base + '/models', timeout=5).json()\n    @model_validator(mode='before')\n    @classmethod\n    def env(cls, values):\n        values['models'] = cls.get_available_models(values['base'])\n        return values\n",
    ),
    (
        "POOL001",
        "import click\nimport requests\n@click.command(name='logout')\n@click.pass_context\ndef logout(ctx):\n    http = requests.Session()\n    http.post('https://x/revoke', timeout=5)\n",
    ),
    (
        "POOL001",
        "import typer\nimport httpx\ncli = typer.Typer()\n@cli.command()\ndef check(url: str):\n    with httpx.Client(timeout=5) as c:\n        print(c.get(url).status_code)\n",
    ),
    (
        "POOL001",
        "import requests\nclass Xinference:\n    def __init__(self, url):\n        self.url = url\n        self._check_cluster_authenticated()\n    def _check_cluster_authenticated(self):\n        r = requests.get(self.url + '/v1/cluster/auth', timeout=5)\n        r.raise_for_status()\n",
    ),
    (
        "POOL001",
        "import requests\ndef _renewal_saver(vault, http):\n    def save(record):\n        http.post('https://x', json=record, timeout=5)\n    return save\ndef get_key(vault):\n    http = requests.Session()\n    return fresh_api_key(_renewal_saver(vault, http))\n",
    ),
    # POOL014: a transport that may be None (a parameter), or no transport at all
    (
        "POOL014",
        "import httpx\ndef make(transport=None, limits=None):\n"
        "    return httpx.AsyncClient(transport=transport, limits=limits)\n",
    ),
    ("POOL014", "import httpx\nc = httpx.Client(transport=None, http2=True)\n"),
    ("POOL014", "import httpx\nc = httpx.Client(limits=L, http2=True, verify=False)\n"),
    (
        "POOL014",
        "import httpx\nc = httpx.Client(transport=httpx.HTTPTransport(limits=L), timeout=3)\n",
    ),
    # a user's own class called Client is not httpx's
    ("POOL014", "class Client:\n    pass\nc = Client(transport=make(), limits=1)\n"),
]
