"""A userspace latency proxy: what a WAN round trip costs, on loopback (no netem needed).

Each direction is delayed by RTT/2, and a new connection's first client bytes wait one extra RTT
(the TCP handshake the kernel completed instantly). So a fresh TLS 1.3 connection costs
TCP 1 RTT + TLS 1 RTT more than a reused one, and every request at least one RTT.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections import deque
from collections.abc import Awaitable, Callable


class _DelayedPipe:
    """Copies reader -> writer, delivering each chunk ``delay`` seconds after it was read."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        delay: float,
        first_extra: float = 0.0,
    ) -> None:
        self.reader, self.writer = reader, writer
        self.delay, self.first_extra = delay, first_extra
        self.queue: deque[tuple[float, bytes]] = deque()
        self.ready = asyncio.Event()

    async def run(self) -> None:
        deliver = asyncio.ensure_future(self._deliver())
        try:
            first = True
            while True:
                data = await self.reader.read(65536)
                due = time.monotonic() + self.delay + (self.first_extra if first else 0.0)
                first = False
                self.queue.append((due, data))
                self.ready.set()
                if not data:
                    break
            await deliver
        except (ConnectionError, OSError):
            pass
        finally:
            if not deliver.done():
                deliver.cancel()
                with contextlib.suppress(BaseException):
                    await deliver
            with contextlib.suppress(Exception):
                self.writer.close()

    async def _deliver(self) -> None:
        while True:
            await self.ready.wait()
            self.ready.clear()
            while self.queue:
                due, data = self.queue[0]
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                self.queue.popleft()
                if not data:
                    with contextlib.suppress(Exception):
                        if self.writer.can_write_eof():
                            self.writer.write_eof()
                    return
                self.writer.write(data)
                await self.writer.drain()


def latency_proxy(
    rtt_s: float, backend: tuple[str, int], on_error: Callable[[BaseException], None] | None = None
) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
    """An asyncio.start_server callback that forwards to ``backend`` with the RTT applied."""

    async def handle(
        client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(*backend)
        except OSError as exc:
            if on_error:
                on_error(exc)
            client_writer.close()
            return
        for writer in (client_writer, server_writer):
            sock = writer.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        upstream = _DelayedPipe(client_reader, server_writer, rtt_s / 2, first_extra=rtt_s)
        downstream = _DelayedPipe(server_reader, client_writer, rtt_s / 2)
        # At shutdown the loop cancels this connection's task: that is its end, not an error
        # (asyncio's stream callback would print a CancelledError traceback for it).
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(upstream.run(), downstream.run(), return_exceptions=True)

    return handle
