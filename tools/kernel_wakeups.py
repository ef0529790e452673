"""Notebook runs that never wait on a missed kernel message.

nbclient (used by ``tools/nbexec.py`` and, through nbconvert, by Otter's grading) waits for the
kernel's messages with ``jupyter_client``'s asyncio channels, which ``await socket.poll(timeout)``
on a ``zmq.asyncio`` socket. That poll is woken by zmq's edge-triggered file descriptor, and
now and then the wake-up is missed: the kernel has answered and sits idle, the message is in the
socket, and the client sleeps until the poll's timeout, when pyzmq's final ``poll(0)`` finds it
(https://github.com/zeromq/pyzmq/issues/2173; widget cells, with their bursts of comm messages,
show it most, https://github.com/jupyter/nbclient/issues/312). In a probe of explorer widget
cells it was one cell in about 750, and it cost the whole cell timeout, 120 s.

:func:`install` makes every wait poll in slices of at most :data:`SLICE_S` seconds until its
timeout (or for ever, when it has none): each slice ends with that same non-blocking poll, so a
missed wake-up costs at most one slice. The blocking (thread-based) client used by nbval polls
with ``zmq_poll`` itself and is not affected.
"""

from __future__ import annotations

import time
from typing import Any

__all__ = ["SLICE_S", "install", "sliced_get_msg"]

#: The longest a missed wake-up can delay a message (seconds).
SLICE_S = 0.25


async def sliced_get_msg(self: Any, timeout: float | None = None) -> dict[str, Any]:
    """``AsyncZMQSocketChannel.get_msg`` that polls in slices of at most :data:`SLICE_S`.

    Raises ``queue.Empty`` when nothing came within ``timeout`` seconds, as the original does.
    """
    from queue import Empty

    assert self.socket is not None
    deadline = None if timeout is None else time.monotonic() + max(0.0, timeout)
    while True:
        left = SLICE_S if deadline is None else min(SLICE_S, deadline - time.monotonic())
        if await self.socket.poll(max(0, int(left * 1000))):
            return await self._recv()
        if deadline is not None and time.monotonic() >= deadline:
            raise Empty


def install() -> None:
    """Replace ``jupyter_client``'s asyncio ``get_msg`` by :func:`sliced_get_msg` (idempotent)."""
    from jupyter_client.channels import AsyncZMQSocketChannel

    AsyncZMQSocketChannel.get_msg = sliced_get_msg  # type: ignore[method-assign]
