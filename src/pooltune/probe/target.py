"""What to send: the request a probe repeats, and the secrets it must never print.

`ProbeRequest` is picklable (worker processes rebuild their clients from it) and its `repr`
never shows header values, so a secret cannot leak through a log line or an exception.
"""

from __future__ import annotations

import os
import re
import ssl
from dataclasses import dataclass, field
from typing import Any

# Header names whose values are credentials: never printed, logged or reported.
SECRET_HEADER = re.compile(
    r"authorization|proxy-authorization|api-key|x-api-key|.*token.*|.*secret.*|cookie|.*-key$",
    re.IGNORECASE,
)
_VAR = re.compile(r"\$(\w+)|\$\{(\w+)\}")


class BadInput(ValueError):
    """A user error found before any load was sent: one line, exit 2."""


def parse_header(raw: str, environ: dict[str, str] | None = None) -> tuple[str, str]:
    """`"K: V"` with `$VAR`/`${VAR}` expanded from the environment."""
    env = os.environ if environ is None else environ
    name, sep, value = raw.partition(":")
    name = name.strip()
    if not sep or not name or " " in name:
        raise BadInput("--header must look like 'Name: value', got a value without ': '")

    def expand(match: re.Match[str]) -> str:
        var = match.group(1) or match.group(2)
        if var not in env:
            raise BadInput(f"--header {name}: environment variable ${var} is not set")
        return env[var]

    return name, _VAR.sub(expand, value.strip())


@dataclass(frozen=True)
class ProbeRequest:
    url: str = field(repr=False)  # may carry a key in its query
    method: str = "POST"
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    body: bytes | None = field(default=None, repr=False)
    ca_bundle: str | None = None
    insecure: bool = False
    streaming: bool = False

    @property
    def secrets(self) -> tuple[str, ...]:
        """Text to scrub from anything we show: each secret header's value and its credential
        without the scheme ("Bearer sk-..." and "sk-..."), longest first."""
        found: set[str] = set()
        for name, value in self.headers:
            if SECRET_HEADER.fullmatch(name) and value:
                found.add(value)
                credential = value.split()[-1]
                if len(credential) >= 6:
                    found.add(credential)
        return tuple(sorted(found, key=len, reverse=True))

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def ssl_context(self) -> ssl.SSLContext | bool:
        if self.insecure:
            return False
        if self.ca_bundle:
            return ssl.create_default_context(cafile=self.ca_bundle)
        return True

    def client_kwargs(self) -> dict[str, Any]:
        return {"verify": self.ssl_context(), "headers": dict(self.headers), "trust_env": False}

    def send_kwargs(self) -> dict[str, Any]:
        if self.body is None:
            return {}
        return {"content": self.body}


def redact_url(url: str) -> str:
    """The URL as we may show it: credentials in userinfo or in key/token query values hidden."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        netloc = parts.netloc
    except ValueError:
        return "<unparsable URL>"
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    query = [
        (k, "***" if SECRET_HEADER.fullmatch(k) or "key" in k.lower() else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe="*"), ""))


def streaming_body(body: bytes | None) -> bool:
    """True when the JSON body asks for a streamed (SSE) response."""
    return body is not None and re.search(rb'"stream"\s*:\s*true', body) is not None
