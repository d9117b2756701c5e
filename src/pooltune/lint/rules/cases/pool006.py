"""POOL006 pool-limits: cases."""

from __future__ import annotations

from pooltune.lint.rules.cases import Expect, Invalid, Valid

VALID = (
    Valid(
        why="a connector limit through a dict of known keys, bounded",
        source="""\
import aiohttp

CONNECTOR_OPTIONS = {"limit": 64, "ttl_dns_cache": 300}


async def make_session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(**CONNECTOR_OPTIONS))
""",
    ),
)

INVALID = (
    Invalid(
        why="TCPConnector given limit=0 through a kwargs dict",
        source="""\
import aiohttp


async def make_session() -> aiohttp.ClientSession:
    connector_kwargs = {"limit": 0, "ttl_dns_cache": 300, "enable_cleanup_closed": True}
    connector = aiohttp.TCPConnector(**connector_kwargs)
    return aiohttp.ClientSession(connector=connector)
""",
        expected=(
            Expect(
                6,
                38,
                6,
                56,
                "`TCPConnector(limit=0)` (from the `**` dict) allows unbounded simultaneous "
                "connections: set a limit (the default is 100)",
            ),
        ),
    ),
)
