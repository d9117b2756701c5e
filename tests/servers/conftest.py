"""Fixtures for tests against real servers: a factory that starts any harness (skipping, with
the reason, when its binary is missing) and stops everything it started at session end."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from tests.servers import PROXIES, Server, run_backend, start, unavailable_reason

StartServer = Callable[..., Server]


@pytest.fixture(scope="session")
def start_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StartServer]:
    """`start_server("haproxy", maxconn=4)`: a running server (the proxies behind one shared
    uvicorn backend), stopped at session end; skips the test when it cannot run here."""
    with ExitStack() as stack:
        shared: list[Server] = []

        def _start(name: str, **kwargs: Any) -> Server:
            reason = unavailable_reason(name)
            if reason:
                pytest.skip(reason)
            if name in PROXIES and "backend" not in kwargs:
                if not shared:
                    root = tmp_path_factory.mktemp("backend")
                    shared.append(stack.enter_context(run_backend(root)))
                kwargs["backend"] = shared[0]
            root = tmp_path_factory.mktemp(name)
            return stack.enter_context(start(name, root, **kwargs))

        yield _start
