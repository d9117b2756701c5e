"""A plain asyncio script (no monitoring code): bursts of 50 through httpx2's default pool,
an idle pause past the server's idle timeout, then exit code 3."""

from __future__ import annotations

import asyncio
import os
import ssl
import sys

import httpx2


async def main() -> None:
    context = ssl.create_default_context(cafile=os.environ["SIM_CA"])
    async with httpx2.AsyncClient(verify=context, timeout=10.0) as client:

        async def one() -> int:
            response = await client.post(
                os.environ["SIM_URL"] + "/v1/chat/completions", json={"model": "sim"}
            )
            return response.status_code

        for pause in (0.0, 2.4):
            await asyncio.sleep(pause)
            assert await asyncio.gather(*[one() for _ in range(25)]) == [200] * 25
    print("script done")


asyncio.run(main())
sys.exit(3)
