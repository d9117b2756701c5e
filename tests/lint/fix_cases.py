"""Fix cases beside the rule cases: (code, before, after, unsafe). `after` is the source once
every fix of that code has been applied (rounds until nothing changes)."""

from __future__ import annotations

FIXES: list[tuple[str, str, str, bool]] = [
    # POOL003 no-timeout (unsafe: a request that waited forever now fails after the timeout)
    (
        "POOL003",
        "import requests\nrequests.get('x')  # ping\n",
        "import requests\nrequests.get('x', timeout=(5, 60))  # ping\n",
        True,
    ),
    (
        "POOL003",
        "import requests\n\ndef f(s: requests.Session):\n    return s.post(\n        'x',\n"
        "        json={},  # body\n    )\n",
        "import requests\n\ndef f(s: requests.Session):\n    return s.post(\n        'x',\n"
        "        json={},  # body\n        timeout=(5, 60),\n    )\n",
        True,
    ),
    (
        "POOL003",
        "import urllib.request\nurllib.request.urlopen('x')\n",
        "import urllib.request\nurllib.request.urlopen('x', timeout=60)\n",
        True,
    ),
    (
        "POOL003",
        "import httpx\nc = httpx.Client(timeout=None)  # keep\n",
        "import httpx\nc = httpx.Client(timeout=60.0)  # keep\n",
        True,
    ),
    (
        "POOL003",
        "from openai import OpenAI\nc = OpenAI(timeout=None)\n",
        "from openai import OpenAI\nc = OpenAI(timeout=600.0)\n",
        True,
    ),
    (
        "POOL003",
        "import httpx\nt = httpx.Timeout(None)\n",
        "import httpx\nt = httpx.Timeout(60.0)\n",
        True,
    ),
    (
        "POOL003",
        "import aiohttp\nt = aiohttp.ClientTimeout()\n",
        "import aiohttp\nt = aiohttp.ClientTimeout(total=300, sock_connect=30)\n",
        True,
    ),
    # POOL014 transport-swallows-client-options (safe)
    (
        "POOL014",
        "import httpx\nc = httpx.Client(transport=httpx.HTTPTransport(retries=3), http2=True)\n",
        "import httpx\nc = httpx.Client(transport=httpx.HTTPTransport(retries=3, http2=True))\n",
        False,
    ),
    (
        "POOL014",
        "import httpx\n# the shared client\nc = httpx.AsyncClient(\n    base_url='x',\n"
        "    transport=httpx.AsyncHTTPTransport(\n        retries=2,\n    ),\n"
        "    limits=httpx.Limits(max_connections=5, max_keepalive_connections=5),\n"
        "    verify=False,\n)\n",
        "import httpx\n# the shared client\nc = httpx.AsyncClient(\n    base_url='x',\n"
        "    transport=httpx.AsyncHTTPTransport(\n        retries=2,\n"
        "        limits=httpx.Limits(max_connections=5, max_keepalive_connections=5),\n"
        "        verify=False,\n    ),\n)\n",
        False,
    ),
    (
        "POOL014",
        "import httpx2 as hx\nc = hx.Client(transport=hx.HTTPTransport(http2=False), http2=True, "
        "timeout=3)\n",
        "import httpx2 as hx\nc = hx.Client(transport=hx.HTTPTransport(http2=False), timeout=3)\n",
        False,
    ),
]

FIXES += [
    # POOL002 unclosed-client: a local client becomes a `with` block (safe: nothing escapes)
    (
        "POOL002",
        "import httpx\n\n\ndef fetch(urls):\n    # one client for the batch\n"
        "    c = httpx.Client(timeout=5)  # pooled\n    for u in urls:\n        # each url\n"
        "        c.get(u)\n    print('done')  # finished\n",
        "import httpx\n\n\ndef fetch(urls):\n    # one client for the batch\n"
        "    with httpx.Client(timeout=5) as c:  # pooled\n        for u in urls:\n"
        "            # each url\n            c.get(u)\n        print('done')  # finished\n",
        False,
    ),
    # ... unsafe when a value leaves the block (an aiohttp body is read lazily)
    (
        "POOL002",
        "import aiohttp\n\n\nasync def texts(urls):\n    s = aiohttp.ClientSession()\n"
        "    out = []\n    for u in urls:\n        async with s.get(u) as r:\n"
        "            out.append(await r.text())\n    return out\n",
        "import aiohttp\n\n\nasync def texts(urls):\n"
        "    async with aiohttp.ClientSession() as s:\n        out = []\n"
        "        for u in urls:\n            async with s.get(u) as r:\n"
        "                out.append(await r.text())\n        return out\n",
        True,
    ),
    # a client on self: a close method (and __exit__, the class being a context manager)
    (
        "POOL002",
        "import httpx\n\n\nclass Api:\n    def __init__(self):\n"
        "        self.a = httpx.Client()  # a\n        self.b = httpx.Client()\n\n"
        "    def __enter__(self):\n        return self\n",
        "import httpx\n\n\nclass Api:\n    def __init__(self):\n"
        "        self.a = httpx.Client()  # a\n        self.b = httpx.Client()\n\n"
        "    def close(self) -> None:\n        self.a.close()\n        self.b.close()\n\n"
        "    def __exit__(self, *exc_info: object) -> None:\n        self.close()\n\n"
        "    def __enter__(self):\n        return self\n",
        False,
    ),
    (
        "POOL002",
        "import httpx\n\n\nclass Api(Base):\n    def __init__(self):\n"
        "        self.http = httpx.AsyncClient()\n\n    async def get(self):\n"
        "        return await self.http.get('x')\n",
        "import httpx\n\n\nclass Api(Base):\n    def __init__(self):\n"
        "        self.http = httpx.AsyncClient()\n\n    async def aclose(self) -> None:\n"
        "        await self.http.aclose()\n\n    async def get(self):\n"
        "        return await self.http.get('x')\n",
        True,
    ),
    # POOL009 unclosed-stream
    (
        "POOL009",
        "import httpx\n\n\ndef lines(client: httpx.Client):\n"
        "    r = client.stream('GET', 'x')\n    for line in r.iter_lines():\n"
        "        print(line)  # each\n",
        "import httpx\n\n\ndef lines(client: httpx.Client):\n"
        "    with client.stream('GET', 'x') as r:\n        for line in r.iter_lines():\n"
        "            print(line)  # each\n",
        False,
    ),
    (
        "POOL009",
        "import httpx\n\n\nasync def chat(client: httpx.AsyncClient, req):\n"
        "    r = await client.send(req, stream=True)\n    # read it all\n"
        "    async for chunk in r.aiter_bytes():\n        print(chunk)  # each\n",
        "import httpx\n\n\nasync def chat(client: httpx.AsyncClient, req):\n"
        "    r = await client.send(req, stream=True)\n    # read it all\n    try:\n"
        "        async for chunk in r.aiter_bytes():\n            print(chunk)  # each\n"
        "    finally:\n        await r.aclose()\n",
        False,
    ),
    # POOL008 blocking-http-in-async (unsafe: the call runs on a worker thread)
    (
        "POOL008",
        '"""Doc."""\nfrom __future__ import annotations\n\nimport requests\n\n\n'
        "async def handler(url):\n"
        "    data = requests.get(url, timeout=5).json()  # blocking\n"
        "    r = requests.post(\n        url,\n        json={},\n        timeout=5,\n    )\n"
        "    return data, r\n",
        '"""Doc."""\nfrom __future__ import annotations\n\nimport asyncio\nimport requests\n\n\n'
        "async def handler(url):\n"
        "    data = (await asyncio.to_thread(requests.get, url, timeout=5)).json()  # blocking\n"
        "    r = await asyncio.to_thread(\n        requests.post,\n        url,\n"
        "        json={},\n        timeout=5,\n    )\n    return data, r\n",
        True,
    ),
    (
        "POOL008",
        "import asyncio as aio\nimport requests\n\n\nclass Bot:\n    def __init__(self):\n"
        "        self.session = requests.Session()\n\n    async def ask(self, u):\n"
        "        return self.session.get(u, timeout=5)\n",
        "import asyncio as aio\nimport requests\n\n\nclass Bot:\n    def __init__(self):\n"
        "        self.session = requests.Session()\n\n    async def ask(self, u):\n"
        "        return await aio.to_thread(self.session.get, u, timeout=5)\n",
        True,
    ),
]

FIXES += [
    # POOL008: the async twin of a local `with` client
    (
        "POOL008",
        "import httpx\n\n\nasync def handler(urls):\n    # one client\n"
        "    with httpx.Client(timeout=5) as client:  # per call\n"
        "        first = client.get(urls[0]).json()\n"
        "        rest = [client.post(u, json={}) for u in urls[1:]]\n"
        "        return first, rest\n",
        "import httpx\n\n\nasync def handler(urls):\n    # one client\n"
        "    async with httpx.AsyncClient(timeout=5) as client:  # per call\n"
        "        first = (await client.get(urls[0])).json()\n"
        "        rest = [(await client.post(u, json={})) for u in urls[1:]]\n"
        "        return first, rest\n",
        True,
    ),
]

FIXES += [
    # a def inside the rewritten statement is written again as it is (not a slicing stub)
    (
        "POOL008",
        "import httpx\nasync def f(u):\n    with httpx.Client() as c:\n"
        "        def log(r):\n            print(r)\n        log(c.get(u))\n",
        "import httpx\nasync def f(u):\n    async with httpx.AsyncClient() as c:\n"
        "        def log(r):\n            print(r)\n        log(await c.get(u))\n",
        True,
    ),
]

# Reported, but no fix offered: (code, source).
NO_FIX: list[tuple[str, str]] = [
    # a transport built elsewhere: where its pool comes from is not visible
    (
        "POOL014",
        "import httpx\nfrom httpx_retries import RetryTransport\n"
        "c = httpx.Client(transport=RetryTransport(), limits=httpx.Limits(max_connections=5))\n",
    ),
    # a transport built into a local first: reported, moved only when built in the call
    (
        "POOL014",
        "import httpx\nt = httpx.HTTPTransport(retries=2)\n"
        "c = httpx.Client(transport=t, verify=False)\n",
    ),
    # a comment on a moved option would be lost
    (
        "POOL014",
        "import httpx\nc = httpx.Client(\n    transport=httpx.HTTPTransport(),\n"
        "    verify=False,  # self-signed\n)\n",
    ),
    # `timeout=None` through a local: not ours to rewrite
    ("POOL003", "import httpx\nt = None\nc = httpx.Client(timeout=t)\n"),
    # an async client in a sync function: `async with` is not possible there
    (
        "POOL002",
        "import httpx\ndef f(us):\n    c = httpx.AsyncClient()\n    for u in us:\n"
        "        c.get(u)\n",
    ),
    # a use outside the block the with would cover
    (
        "POOL002",
        "import httpx\ndef f(us, flag):\n    if flag:\n        c = httpx.Client()\n"
        "        c.get('a')\n    for u in us:\n        c.get(u)\n",
    ),
    # a nested def in the block (slicing may have stubbed it)
    (
        "POOL009",
        "import httpx\ndef f(client: httpx.Client):\n    r = client.stream('GET', 'x')\n"
        "    def each():\n        return r.iter_lines()\n    print(r)\n",
    ),
    # a stream is a context manager of its own: the twin needs more than `await`
    (
        "POOL008",
        "import httpx\nasync def f(u):\n    with httpx.Client() as c:\n"
        "        with c.stream('GET', u) as r:\n            return r.read()\n",
    ),
    # in a generator expression `await` would change what it is
    (
        "POOL008",
        "import requests\nasync def f(us):\n"
        "    return list(requests.get(u, timeout=1) for u in us)\n",
    ),
]
