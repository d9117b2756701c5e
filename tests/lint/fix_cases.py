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

# Reported, but no fix offered: (code, source).
NO_FIX: list[tuple[str, str]] = [
    # a transport built elsewhere: where its pool comes from is not visible
    (
        "POOL014",
        "import httpx\nfrom httpx_retries import RetryTransport\n"
        "c = httpx.Client(transport=RetryTransport(), limits=httpx.Limits(max_connections=5))\n",
    ),
    # a comment on a moved option would be lost
    (
        "POOL014",
        "import httpx\nc = httpx.Client(\n    transport=httpx.HTTPTransport(),\n"
        "    verify=False,  # self-signed\n)\n",
    ),
    # `timeout=None` through a local: not ours to rewrite
    ("POOL003", "import httpx\nt = None\nc = httpx.Client(timeout=t)\n"),
]
