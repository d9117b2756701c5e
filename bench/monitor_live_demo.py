"""Traffic for the README's capture of `pooltune monitor --live`: three clients with three
common problems against `pooltune sim --idle-timeout 2`, for --seconds seconds.

    pooltune monitor --live -- python bench/monitor_live_demo.py
"""

from __future__ import annotations

import argparse
import asyncio
import ssl
import time

import aiohttp
import httpx
import httpx2

from pooltune.sim import SimSettings, start_sim_process

BODY = {"model": "sim", "messages": [{"role": "user", "content": "hi"}]}


async def burst(send: object, size: int) -> None:
    await asyncio.gather(*[send() for _ in range(size)], return_exceptions=True)  # type: ignore[operator]


async def main(seconds: float) -> None:
    with start_sim_process(SimSettings(idle_timeout=2, service_ms=150)) as sim:
        url = sim.url + "/v1/chat/completions"
        context = ssl.create_default_context(cafile=sim.ca_bundle)
        deadline = time.monotonic() + seconds
        async with (
            httpx.AsyncClient(verify=context) as churning,  # 100/20 at 50 in flight
            httpx2.AsyncClient(
                verify=context,
                limits=httpx2.Limits(max_connections=4),
                timeout=httpx2.Timeout(10, pool=0.5),
            ) as tiny,
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context)) as idle,
        ):

            async def aiohttp_call() -> None:
                async with idle.post(url, json=BODY) as response:
                    await response.read()

            async def loop_churn() -> None:
                while time.monotonic() < deadline:
                    await burst(lambda: churning.post(url, json=BODY), 50)

            async def loop_tiny() -> None:
                while time.monotonic() < deadline:
                    await burst(lambda: tiny.post(url, json=BODY), 12)

            async def loop_idle() -> None:
                while time.monotonic() < deadline:
                    await burst(aiohttp_call, 8)
                    await asyncio.sleep(2.5)  # past the server's idle timeout

            await asyncio.gather(loop_churn(), loop_tiny(), loop_idle())


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    asyncio.run(main(parser.parse_args().seconds))
