"""`pooltune sim`: a misbehaving OpenAI-compatible API on loopback that knows its own truth.

    from pooltune.sim import SimSettings, start_sim_process, run_sim_in_thread

    with start_sim_process(SimSettings(idle_timeout=5, rtt_ms=50)) as sim:
        sim.url, sim.ca_bundle, sim.truth, sim.pid
        fetch_stats(sim)  # the server's own counters

The server code (hypercorn, trustme) is imported only when a simulator starts.
"""

from __future__ import annotations

from pooltune.sim.handle import (
    SimHandle,
    SimStartError,
    fetch_stats,
    reset_stats,
    run_sim_in_thread,
    start_sim_process,
)
from pooltune.sim.settings import SimSettings

__all__ = [
    "SimHandle",
    "SimSettings",
    "SimStartError",
    "fetch_stats",
    "reset_stats",
    "run_sim_in_thread",
    "start_sim_process",
]
