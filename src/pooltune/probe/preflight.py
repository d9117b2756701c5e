"""Pre-flight: one request before any load, turning each way it can fail into one line.

Messages name the URL's host and port, never headers: a secret cannot reach them.
"""

from __future__ import annotations

import asyncio
import errno
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pooltune.model import REFUSAL_STATUSES, PoolSettings, TimeoutSettings
from pooltune.probe.target import BadInput, ProbeRequest, redact_url


def preflight_library() -> str:
    """The first request's client: httpx2 where it installs, else httpx (their exception chains
    are what `describe_failure` reads, whatever library the load then runs on)."""
    import importlib.util

    return "httpx2" if importlib.util.find_spec("httpx2") is not None else "httpx"


@dataclass(frozen=True)
class Preflight:
    status: int
    latency_s: float
    http_version: str
    headers: dict[str, str]  # response headers (server-sent; no request secrets)


def check_url(url: str) -> tuple[str, int]:
    """Host and port of an http(s) URL, or BadInput."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise BadInput(f"bad URL {redact_url(url)!r}: cannot parse it") from None
    if parts.scheme not in ("http", "https"):
        raise BadInput(f"bad URL {redact_url(url)!r}: use http:// or https://")
    if not parts.hostname:
        raise BadInput(f"bad URL {redact_url(url)!r}: no host")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen:
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    return seen


def describe_failure(
    exc: BaseException, where: str, request: ProbeRequest, timeout_s: float = 10.0
) -> str:
    chain = _chain(exc)
    names = {type(e).__name__ for e in chain}
    text = request.scrub(" ".join(str(e) for e in chain)).lower()
    if any(isinstance(e, ssl.SSLCertVerificationError) for e in chain) or (
        "certificate verify failed" in text
    ):
        return (
            f"TLS error: the certificate of {where} is not trusted (self-signed or unknown CA); "
            "pass --ca-bundle PATH with its CA, or --insecure to skip verification"
        )
    if any(isinstance(e, ssl.SSLError) for e in chain) or "ssl" in text:
        return f"TLS error talking to {where}: the TLS handshake failed (is it really HTTPS?)"
    refused = any(
        isinstance(e, ConnectionRefusedError)
        or (isinstance(e, OSError) and e.errno == errno.ECONNREFUSED)
        for e in chain
    )
    if refused or "connection refused" in text or "connect call failed" in text:
        return f"connection refused by {where}: is the server running on that port?"
    if "timeout" in text or any("Timeout" in n for n in names):
        return f"timed out waiting for {where}: no response within {timeout_s:.1f} s"
    if any(isinstance(e, ConnectionResetError) for e in chain) or (
        "reset" in text or "disconnected" in text or "RemoteProtocolError" in names
    ):
        return f"connection reset: {where} closed the connection without a response"
    return f"request to {where} failed ({type(exc).__name__})"


def redirect_message(status: int, where: str, url: str, headers: Any) -> str:
    """A redirect is not the answer being tuned: say where it points (or that it loops)."""
    from urllib.parse import urljoin

    location = headers.get("location")
    if not location:
        return f"server answered {status} (a redirect without a Location) for {where}"
    target = urljoin(url, location)
    if target == url:
        return (
            f"server answered {status} for {where}, redirecting to the same URL (a redirect "
            "loop): fix the URL or the server before tuning"
        )
    return (
        f"server answered {status} for {where}, a redirect to {redact_url(target)}: the "
        "prober follows no redirect; pass that URL as --url"
    )


async def preflight(request: ProbeRequest, timeout: float = 10.0) -> Preflight:
    """One request; BadInput with a one-line message unless the server answered 2xx/3xx."""
    host, port = check_url(request.url)
    where = f"{host}:{port}"
    if request.ca_bundle is not None:
        try:
            ssl.create_default_context(cafile=request.ca_bundle)
        except (OSError, ssl.SSLError):
            raise BadInput(f"--ca-bundle {request.ca_bundle}: not a readable PEM CA file") from None
    try:
        loop = asyncio.get_running_loop()
        await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout)
    except (OSError, asyncio.TimeoutError):
        raise BadInput(f"DNS failure: cannot resolve host {host!r}") from None
    from pooltune.probe.engines.httpx_engine import HttpxEngine

    pool = PoolSettings(
        max_connections=1,
        max_keepalive_connections=1,
        http2=True,
        timeout=TimeoutSettings.uniform(timeout),
    )
    started = time.perf_counter()
    try:
        async with (
            HttpxEngine(preflight_library()).build(request, pool) as client,
            client.stream(
                request.method, request.url, follow_redirects=False, **request.send_kwargs()
            ) as response,
        ):
            async for _ in response.aiter_raw():
                pass  # only the timing matters: the body is not kept
    except Exception as exc:
        raise BadInput(describe_failure(exc, where, request, timeout)) from None
    latency = time.perf_counter() - started
    status = response.status_code
    if status in (401, 403):
        raise BadInput(
            f"server answered {status} ({'unauthorized' if status == 401 else 'forbidden'}) "
            f"for {where}: check the credentials given with --header (values are not shown)"
        )
    if status == 404:
        raise BadInput(f"server answered 404 (not found) for {where}: check the URL path")
    if status == 405:
        raise BadInput("server answered 405 (method not allowed): try another --method")
    if 300 <= status < 400:
        raise BadInput(redirect_message(status, where, request.url, response.headers))
    if status >= 400 and status not in REFUSAL_STATUSES:
        raise BadInput(f"server answered {status} to the first request: fix it before tuning")
    return Preflight(status, latency, response.http_version, dict(response.headers))
