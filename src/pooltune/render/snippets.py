"""Paste-ready configuration: each snippet parses, lints clean, and carries its evidence.

The `why` sentences become comments next to the values they explain.
"""

from __future__ import annotations

import re
import textwrap

from pooltune.recommend.model import Recommendation, Report


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
    return (
        f'"""{what} measured by `pooltune recommend` against {report.target.url}\n'
        f'at target concurrency {report.target.concurrency}{partial}.\n"""\n'
    )


def _why(rec: Recommendation, *keys: str, indent: str = "") -> str:
    return "\n".join(_comment(f"{k}: {rec.why[k]}", indent) for k in keys if k in rec.why)


def _num(value: float) -> str:
    return repr(float(value))


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


def _semaphore(rec: Recommendation) -> str:
    if not rec.concurrency_semaphore:
        return ""
    return (
        f"\n{_why(rec, 'concurrency_semaphore')}\n"
        f"IN_FLIGHT = asyncio.Semaphore({rec.concurrency_semaphore})  "
        "# `async with IN_FLIGHT:` around each request\n"
    )


def httpx_snippet(report: Report) -> str:
    rec = _require(report)
    imports = "import asyncio\n\n" if rec.concurrency_semaphore else ""
    return (
        _header(report, "httpx settings")
        + f"\n{imports}import httpx\n\n"
        + _limits_timeout(rec, "httpx")
        + _semaphore(rec)
        + f"\n{_why(rec, 'http2')}\n"
        + "def make_client() -> httpx.AsyncClient:\n"
        + '    """Build one client at start-up (e.g. in the app\'s lifespan);\n'
        + '    `await client.aclose()` at shutdown."""\n'
        + f"    return httpx.AsyncClient(http2={rec.http2}, limits=LIMITS, timeout=TIMEOUT)\n"
    )


def _base_url(url: str) -> str:
    match = re.match(r"(.*?/v1)(/|$)", url)
    return match.group(1) if match else url.rsplit("/", 1)[0]


def openai_snippet(report: Report) -> str:
    rec = _require(report)
    imports = "import asyncio\n\n" if rec.concurrency_semaphore else ""
    return (
        _header(report, "OpenAI SDK settings")
        + f"\n{imports}import httpx\nimport openai\n\n"
        + _limits_timeout(rec, "httpx")
        + _semaphore(rec)
        + f"\n{_why(rec, 'http2')}\n"
        + "def make_client() -> openai.AsyncOpenAI:\n"
        + '    """One SDK client for the application\'s lifetime; `await client.close()` at\n'
        + "    shutdown.\n"
        + "    DefaultAsyncHttpxClient keeps the SDK's other defaults; only the pool and timeouts\n"
        + '    change."""\n'
        + "    return openai.AsyncOpenAI(\n"
        + f'        base_url="{_base_url(report.target.url)}",\n'
        + "        http_client=openai.DefaultAsyncHttpxClient(\n"
        + f"            http2={rec.http2}, limits=LIMITS, timeout=TIMEOUT\n"
        + "        ),\n"
        + "    )\n"
    )


def aiohttp_snippet(report: Report) -> str:
    rec = _require(report)
    t = rec.timeout
    connections = rec.http1_max_connections or rec.max_connections
    note = (
        f"# aiohttp speaks HTTP/1.1 only: one request per connection, so {connections} "
        f"connections\n# where an HTTP/2 client needs {rec.max_connections}.\n"
        if rec.http1_max_connections
        else f"{_why(rec, 'max_connections')}\n"
    )
    imports = "import asyncio\n\n" if rec.concurrency_semaphore else ""
    return (
        _header(report, "aiohttp settings")
        + f"\n{imports}import aiohttp\n"
        + _semaphore(rec)
        + "\n\nasync def make_session() -> aiohttp.ClientSession:\n"
        + '    """Build it inside the running loop (at start-up), `await session.close()` at\n'
        + '    shutdown."""\n'
        + _comment(f"keepalive_timeout: {rec.why.get('keepalive_expiry', '')}", "    ")
        + "\n"
        + textwrap.indent(note, "    ")
        + "    connector = aiohttp.TCPConnector(\n"
        + f"        limit={connections}, limit_per_host={connections}, "
        + f"keepalive_timeout={_num(rec.keepalive_expiry)}\n"
        + "    )\n"
        + _why(rec, "timeout.connect", "timeout.read", "timeout.pool", indent="    ")
        + "\n"
        + "    timeout = aiohttp.ClientTimeout(\n"
        + f"        total=None, connect={_num(t.pool + t.connect)}, "
        + f"sock_connect={_num(t.connect)}, sock_read={_num(t.read)}\n"
        + "    )\n"
        + "    return aiohttp.ClientSession(connector=connector, timeout=timeout)\n"
    )


def toml_profile(report: Report) -> str:
    rec = _require(report)
    t = rec.timeout
    lines = [
        f"# pooltune recommend: {report.target.url} at concurrency {report.target.concurrency}",
        "[tool.pooltune.profile]",
        _why(rec, "max_connections"),
        f"max_connections = {rec.max_connections}",
        f"max_keepalive_connections = {rec.max_keepalive_connections}",
        _why(rec, "keepalive_expiry"),
        f"keepalive_expiry = {_num(rec.keepalive_expiry)}",
        f"http2 = {'true' if rec.http2 else 'false'}",
        "",
        "[tool.pooltune.profile.timeout]",
        f"connect = {_num(t.connect)}",
        f"read = {_num(t.read)}",
        f"write = {_num(t.write)}",
        f"pool = {_num(t.pool)}",
    ]
    return "\n".join(line for line in lines if line is not None) + "\n"
