"""Every probe engine streams response bodies through and drops them, counting their bytes:
four 50 MB responses in flight cost a few MB, not 200 (they once peaked at 1.7 GB)."""

from __future__ import annotations

import asyncio
import tracemalloc

import pytest

from pooltune.model import PoolSettings
from pooltune.probe.runner import LevelJob, run_level_async
from pooltune.probe.target import ProbeRequest

from .faulty import Fault, faulty_server

BODY_BYTES = 50 * 1024 * 1024
IN_FLIGHT = 4


@pytest.mark.parametrize("library", ["httpx", "httpx2", "aiohttp", "openai"])
def test_large_bodies_are_counted_not_kept(library: str) -> None:
    pytest.importorskip("httpx2" if library == "openai" else library)
    with faulty_server(Fault("big", body_bytes=BODY_BYTES)) as server:
        request = ProbeRequest(server.url, "POST", (), b"{}")
        job = LevelJob(
            request, library, IN_FLIGHT, IN_FLIGHT, 60.0, PoolSettings.probing(IN_FLIGHT), 4, 0.0
        )
        tracemalloc.start()
        try:
            run = asyncio.run(run_level_async(job))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    samples = run.level.samples
    assert [s.status for s in samples] == [200] * IN_FLIGHT
    assert [s.body_bytes for s in samples] == [BODY_BYTES] * IN_FLIGHT
    assert peak < BODY_BYTES // 2, f"{peak / 1e6:.0f} MB traced at the peak"
