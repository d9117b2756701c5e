"""Paste-ready configuration: each snippet parses, lints clean, and carries its evidence.

One snippet per client library (`snippet_for(report, library)`); the `why` sentences become
comments next to the values they explain. What was measured decides what is in it: a
semaphore for a server limit, a client-side rate limiter and a retry policy for a request
budget, TCP keep-alive for long silent waits, `ttl_dns_cache` for a host name.
"""

from __future__ import annotations

import json
import re
import textwrap

from pooltune.model import Recommendation, Report


def _require(report: Report) -> Recommendation:
    if report.recommendation is None:
        raise ValueError("the report has no recommendation (no level completed)")
    return report.recommendation


def _comment(text: str, indent: str = "") -> str:
    return "\n".join(
        f"{indent}# {line}"
        for line in textwrap.wrap(text, 96 - len(indent), break_on_hyphens=False)
    )


def _header(report: Report, what: str) -> str:
    partial = " (PARTIAL run: see warnings)" if report.partial else ""
    measured = ""
    if report.client is not None:
        measured = f"Measured on {report.client.library} {report.client.version}.\n"
    return (
        f'"""{what} measured by `pooltune recommend` against {report.target.url}\n'
        f"at target concurrency {report.target.concurrency}{partial}.\n{measured}"
        '"""\n'
    )


def _why(rec: Recommendation, *keys: str, indent: str = "") -> str:
    return "\n".join(_comment(f"{k}: {rec.why[k]}", indent) for k in keys if k in rec.why)


def _num(value: float) -> str:
    return repr(float(value))


def _imports(rec: Recommendation, *modules: str) -> str:
    std = set()
    if rec.concurrency_semaphore or rec.rate_limit_rps or rec.retry:
        std.add("asyncio")
    if rec.tcp_keepalive:
        std.add("socket")
    if rec.rate_limit_rps:
        std.add("time")
    lines = [f"import {m}" for m in sorted(std)]
    third = [f"import {m}" for m in sorted(modules)]
    return "\n".join(lines) + ("\n\n" if lines else "") + "\n".join(third) + "\n"


def _limits_timeout(rec: Recommendation, module: str) -> str:
    t = rec.timeout
    return (
        f"{_why(rec, 'max_connections', 'max_keepalive_connections', 'keepalive_expiry')}\n"
        f"LIMITS = {module}.Limits(\n"
        f"    max_connections={rec.max_connections},\n"
        f"    max_keepalive_connections={rec.max_keepalive_connections},\n"
        f"    keepalive_expiry={_num(rec.keepalive_expiry)},\n"
        f")\n"
        f"{_why(rec, 'timeout.connect', 'timeout.read', 'timeout.write', 'timeout.pool')}\n"
        f"TIMEOUT = {module}.Timeout(\n"
        f"    connect={_num(t.connect)}, read={_num(t.read)}, write={_num(t.write)}, "
        f"pool={_num(t.pool)}\n"
        f")\n"
    )


def _socket_options(rec: Recommendation) -> str:
    ka = rec.tcp_keepalive
    if ka is None:
        return ""
    return (
        f"\n{_why(rec, 'tcp_keepalive')}\n"
        "# (TCP_KEEPIDLE/TCP_KEEPINTVL/TCP_KEEPCNT are Linux names; macOS has TCP_KEEPALIVE.)\n"
        "SOCKET_OPTIONS = [\n"
        "    (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1),\n"
        f"    (socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, {ka.idle_s}),\n"
        f"    (socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, {ka.interval_s}),\n"
        f"    (socket.IPPROTO_TCP, socket.TCP_KEEPCNT, {ka.count}),\n"
        "]\n"
    )


def _guards(rec: Recommendation) -> str:
    """Module-level semaphore, rate limiter and retry constants (what the measurement asks)."""
    out = ""
    if rec.concurrency_semaphore:
        out += (
            f"\n{_why(rec, 'concurrency_semaphore')}\n"
            f"IN_FLIGHT = asyncio.Semaphore({rec.concurrency_semaphore})\n"
        )
    if rec.rate_limit_rps:
        out += (
            f"\n{_why(rec, 'rate_limit_rps')}\n"
            "class RateLimiter:\n"
            '    """At most `rate` request starts per second (a token bucket)."""\n\n'
            "    def __init__(self, rate: float) -> None:\n"
            "        self.rate = rate\n"
            "        self.capacity = max(1.0, rate)\n"
            "        self.tokens = self.capacity\n"
            "        self.updated = time.monotonic()\n"
            "        self.lock = asyncio.Lock()\n\n"
            "    async def wait(self) -> None:\n"
            "        async with self.lock:\n"
            "            while True:\n"
            "                now = time.monotonic()\n"
            "                elapsed = now - self.updated\n"
            "                self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)\n"
            "                self.updated = now\n"
            "                if self.tokens >= 1:\n"
            "                    self.tokens -= 1\n"
            "                    return\n"
            "                await asyncio.sleep((1 - self.tokens) / self.rate)\n\n\n"
            f"LIMITER = RateLimiter({rec.rate_limit_rps!r})\n"
        )
    if rec.retry:
        out += (
            f"\n{_why(rec, 'retry')}\n"
            f"RETRY_STATUSES = frozenset({set(rec.retry.statuses)!r})\n"
            f"MAX_ATTEMPTS = {rec.retry.max_attempts}\n"
            f"BACKOFF_S = {_num(rec.retry.backoff_s)}\n"
        )
    return out


def _retry_wait() -> str:
    return (
        "def _retry_wait(retry_after: str | None, delay: float) -> float:\n"
        "    if retry_after and retry_after.replace('.', '', 1).isdigit():\n"
        "        return min(float(retry_after), 60.0)\n"
        "    return delay\n"
    )


def _guarded_send(rec: Recommendation, response_type: str, request_call: str, aclose: str) -> str:
    """`async def send(...)`: limiter, semaphore and retries around one request."""
    if not (rec.concurrency_semaphore or rec.rate_limit_rps or rec.retry):
        return ""
    lines = [f"async def send(client, method: str, url: str, **kwargs) -> {response_type}:"]
    lines.append(
        '    """One request with the measured guards; use it instead of client.request."""'
    )
    body: list[str] = []
    if rec.rate_limit_rps:
        body.append("await LIMITER.wait()")
    call = f"response = await {request_call}"
    if rec.concurrency_semaphore:
        body += ["async with IN_FLIGHT:", f"    {call}"]
    else:
        body.append(call)
    if rec.retry:
        lines.append("    delay = BACKOFF_S")
        lines.append("    for attempt in range(1, MAX_ATTEMPTS + 1):")
        lines += [f"        {b}" for b in body]
        lines += [
            f"        if {aclose.split('|')[0]} not in RETRY_STATUSES or attempt == MAX_ATTEMPTS:",
            "            return response",
            "        wait = _retry_wait(response.headers.get('retry-after'), delay)",
            f"        {aclose.split('|')[1]}",
            "        await asyncio.sleep(wait)",
            "        delay *= 2",
            '    raise AssertionError("unreachable")',
        ]
        return _retry_wait() + "\n\n" + "\n".join(lines) + "\n"
    lines += [f"    {b}" for b in body]
    lines.append("    return response")
    return "\n".join(lines) + "\n"


def httpx_snippet(report: Report, module: str = "httpx") -> str:
    rec = _require(report)
    transport = ""
    client_args = f"http2={rec.http2}, limits=LIMITS, timeout=TIMEOUT"
    if rec.tcp_keepalive:
        transport = (
            f"        transport={module}.AsyncHTTPTransport(\n"
            f"            http2={rec.http2}, limits=LIMITS, socket_options=SOCKET_OPTIONS\n"
            "        ),\n"
        )
        client_args = "timeout=TIMEOUT"
    send = _guarded_send(
        rec,
        f"{module}.Response",
        "client.request(method, url, **kwargs)",
        "response.status_code|await response.aclose()",
    )
    return (
        _header(report, f"{module} settings")
        + "\n"
        + _imports(rec, module)
        + "\n"
        + _limits_timeout(rec, module)
        + _socket_options(rec)
        + _guards(rec)
        + f"\n{_why(rec, 'http2')}\n"
        + f"def make_client() -> {module}.AsyncClient:\n"
        + '    """Build one client at start-up (e.g. in the app\'s lifespan);\n'
        + '    `await client.aclose()` at shutdown."""\n'
        + (
            f"    return {module}.AsyncClient(\n        {client_args},\n{transport}    )\n"
            if transport
            else f"    return {module}.AsyncClient({client_args})\n"
        )
        + ("\n\n" + send if send else "")
    )


def _base_url(url: str) -> str:
    match = re.match(r"(.*?/v1)(/|$)", url)
    return match.group(1) if match else url.rsplit("/", 1)[0]


def sdk_snippet(report: Report, sdk: str = "openai") -> str:
    rec = _require(report)
    module = "httpx2"
    cls = "AsyncOpenAI" if sdk == "openai" else "AsyncAnthropic"
    retries = (rec.retry.max_attempts - 1) if rec.retry else 2
    base_url = (
        _base_url(report.target.url) if sdk == "openai" else report.target.url.split("/v1")[0]
    )
    inner = f"http2={rec.http2}, limits=LIMITS, timeout=TIMEOUT"
    if rec.tcp_keepalive:
        inner = (
            "timeout=TIMEOUT,\n"
            f"            transport={module}.AsyncHTTPTransport(\n"
            f"                http2={rec.http2}, limits=LIMITS, socket_options=SOCKET_OPTIONS\n"
            "            ),"
        )
    guards = ""
    if rec.concurrency_semaphore or rec.rate_limit_rps:
        guards = (
            "\n\n# Around each SDK call:\n"
            + ("#     await LIMITER.wait()\n" if rec.rate_limit_rps else "")
            + ("#     async with IN_FLIGHT:\n#         ...\n" if rec.concurrency_semaphore else "")
        )
    g = rec.model_copy(update={"retry": None})  # the SDK retries itself (max_retries)
    retry_why = _why(rec, "retry", indent="    ")
    return (
        _header(report, f"{sdk} SDK settings")
        + "\n"
        + _imports(g, module, sdk)
        + "\n"
        + _limits_timeout(rec, module)
        + _socket_options(rec)
        + _guards(g)
        + f"\n{_why(rec, 'http2')}\n"
        + f"def make_client() -> {sdk}.{cls}:\n"
        + '    """One SDK client for the application\'s lifetime; `await client.close()` at\n'
        + "    shutdown. DefaultAsyncHttpxClient keeps the SDK's other defaults; only the pool\n"
        + '    and timeouts change."""\n'
        + (f"{retry_why}\n" if retry_why else "")
        + f"    return {sdk}.{cls}(\n"
        + f'        base_url="{base_url}",\n'
        + "        timeout=TIMEOUT,\n"
        + f"        max_retries={retries},\n"
        + f"        http_client={sdk}.DefaultAsyncHttpxClient(\n"
        + f"            {inner}\n"
        + "        ),\n"
        + "    )\n"
        + guards
    )


def openai_snippet(report: Report) -> str:
    return sdk_snippet(report, "openai")


def _aiohttp_connections(report: Report, rec: Recommendation) -> int:
    """aiohttp's connection limit: HTTP/1.1 carries one request per connection, so an HTTP/2
    recommendation (measured on another library) becomes one connection per request."""
    if rec.http1_max_connections:
        return rec.http1_max_connections
    if rec.http2:
        return min(
            report.target.concurrency, rec.concurrency_semaphore or report.target.concurrency
        )
    return rec.max_connections


def _aiohttp_limit_note(rec: Recommendation, connections: int) -> str:
    """The evidence for `limit=` (aiohttp's name for max_connections)."""
    if connections != rec.max_connections:
        return (
            f"# aiohttp speaks HTTP/1.1 only: one request per connection, so {connections} "
            f"connections\n# where an HTTP/2 client needs {rec.max_connections}.\n"
        )
    why = rec.why.get("max_connections")
    return _comment(f"limit: {why}") + "\n" if why else ""


def _aiohttp_timeout_why(rec: Recommendation) -> str:
    """The timeouts' evidence under aiohttp's own parameter names."""
    t = rec.timeout
    lines = [
        f"sock_{name}: {rec.why[key]}"
        for name, key in (("connect", "timeout.connect"), ("read", "timeout.read"))
        if key in rec.why
    ]
    lines.append(
        f"connect: aiohttp's connect timeout covers the wait for a free connection too, so it "
        f"is the pool wait ({t.pool:g} s: about two requests' time at the p99) plus the "
        f"handshake ({t.connect:g} s); saturation then fails fast as "
        "aiohttp.ConnectionTimeoutError instead of queueing without bound"
    )
    return "".join(_comment(line, "    ") + "\n" for line in lines)


def aiohttp_snippet(report: Report) -> str:
    rec = _require(report)
    t = rec.timeout
    connections = _aiohttp_connections(report, rec)
    note = _aiohttp_limit_note(rec, connections)
    dns = ""
    if rec.ttl_dns_cache is not None:
        dns = f", ttl_dns_cache={rec.ttl_dns_cache}"
    factory = ""
    factory_arg = ""
    if rec.tcp_keepalive:
        factory = (
            "\n\ndef _keepalive_socket(addr_info: tuple) -> socket.socket:  # type: ignore\n"
            "    family, type_, proto = addr_info[0], addr_info[1], addr_info[2]\n"
            "    sock = socket.socket(family=family, type=type_, proto=proto)\n"
            "    for level, option, value in SOCKET_OPTIONS:\n"
            "        sock.setsockopt(level, option, value)\n"
            "    return sock\n"
        )
        factory_arg = ",\n        socket_factory=_keepalive_socket"
    send = _guarded_send(
        rec,
        "aiohttp.ClientResponse",
        "client.request(method, url, **kwargs)",
        "response.status|response.release()",
    )
    return (
        _header(report, "aiohttp settings")
        + "\n"
        + _imports(rec, "aiohttp")
        + _socket_options(rec)
        + _guards(rec)
        + factory
        + "\n\nasync def make_session() -> aiohttp.ClientSession:\n"
        + '    """Build it inside the running loop (at start-up), `await session.close()` at\n'
        + '    shutdown."""\n'
        + _comment(f"keepalive_timeout: {rec.why.get('keepalive_expiry', '')}", "    ")
        + "\n"
        + textwrap.indent(note, "    ")
        + (_why(rec, "ttl_dns_cache", indent="    ") + "\n" if rec.ttl_dns_cache else "")
        + "    connector = aiohttp.TCPConnector(\n"
        + f"        limit={connections}, limit_per_host={connections}, "
        + f"keepalive_timeout={_num(rec.keepalive_expiry)}{dns}{factory_arg}\n"
        + "    )\n"
        + _aiohttp_timeout_why(rec)
        + "    timeout = aiohttp.ClientTimeout(\n"
        + f"        total=None, connect={_num(t.pool + t.connect)}, "
        + f"sock_connect={_num(t.connect)}, sock_read={_num(t.read)}\n"
        + "    )\n"
        + "    return aiohttp.ClientSession(connector=connector, timeout=timeout)\n"
        + ("\n\n" + send if send else "")
    )


def snippet_for(report: Report, library: str) -> str:
    if library in ("httpx", "httpx2"):
        return httpx_snippet(report, library)
    if library == "aiohttp":
        return aiohttp_snippet(report)
    if library in ("openai", "anthropic"):
        return sdk_snippet(report, library)
    raise ValueError(f"no snippet for {library!r}")


def toml_profile(report: Report) -> str:
    rec = _require(report)
    t = rec.timeout
    # library and url say which clients `pooltune fix --profile` writes these settings into
    library = report.client.library if report.client is not None else rec.library
    extras = []
    if rec.http1_max_connections is not None:
        extras.append(f"http1_max_connections = {rec.http1_max_connections}")
    if rec.ttl_dns_cache is not None:
        extras.append(f"ttl_dns_cache = {rec.ttl_dns_cache}")
    if rec.retry is not None:
        extras.append(f"max_retries = {max(0, rec.retry.max_attempts - 1)}")
    lines = [
        f"# pooltune recommend: {report.target.url} at concurrency {report.target.concurrency}",
        "[tool.pooltune.profile]",
        f'library = "{library}"',
        f"url = {json.dumps(report.target.url)}",
        _why(rec, "max_connections"),
        f"max_connections = {rec.max_connections}",
        f"max_keepalive_connections = {rec.max_keepalive_connections}",
        _why(rec, "keepalive_expiry"),
        f"keepalive_expiry = {_num(rec.keepalive_expiry)}",
        f"http2 = {'true' if rec.http2 else 'false'}",
        *extras,
        "",
        "[tool.pooltune.profile.timeout]",
        f"connect = {_num(t.connect)}",
        f"read = {_num(t.read)}",
        f"write = {_num(t.write)}",
        f"pool = {_num(t.pool)}",
    ]
    return "\n".join(line for line in lines if line is not None) + "\n"
