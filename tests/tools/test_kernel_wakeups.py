"""tools/kernel_wakeups.py: a kernel message whose wake-up the asyncio poll missed is picked up
at the end of a short slice, not at the end of the whole wait."""

import asyncio
import importlib.util
from pathlib import Path
from queue import Empty

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wakeups():
    spec = importlib.util.spec_from_file_location("kernel_wakeups",
                                                  ROOT / "tools" / "kernel_wakeups.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class MissedWakeupSocket:
    """A socket whose message is there from ``ready_from`` polls on, but whose poll never wakes
    early: like a missed edge-triggered wake-up, each poll returns only when its time is up."""

    def __init__(self, ready_from: int) -> None:
        self.timeouts: list[int] = []
        self.ready_from = ready_from

    async def poll(self, timeout_ms: int) -> int:
        self.timeouts.append(timeout_ms)
        await asyncio.sleep(0)
        return int(len(self.timeouts) >= self.ready_from)


class Channel:
    def __init__(self, socket: MissedWakeupSocket) -> None:
        self.socket = socket

    async def _recv(self) -> dict:
        return {"msg_type": "execute_reply"}


def test_a_wait_polls_in_slices_and_returns_the_message_a_slice_finds(wakeups):
    socket = MissedWakeupSocket(ready_from=3)
    msg = asyncio.run(wakeups.sliced_get_msg(Channel(socket), timeout=120))
    assert msg == {"msg_type": "execute_reply"}
    assert socket.timeouts == [250, 250, 250]  # not one 120,000 ms poll


def test_a_wait_without_timeout_also_slices(wakeups):
    socket = MissedWakeupSocket(ready_from=2)
    asyncio.run(wakeups.sliced_get_msg(Channel(socket), timeout=None))
    assert socket.timeouts == [250, 250]


def test_nothing_within_the_timeout_raises_empty(wakeups):
    socket = MissedWakeupSocket(ready_from=10**9)
    with pytest.raises(Empty):
        asyncio.run(wakeups.sliced_get_msg(Channel(socket), timeout=0.0))
    assert socket.timeouts == [0]


def test_install_replaces_the_asyncio_channels_get_msg(wakeups):
    from jupyter_client.channels import AsyncZMQSocketChannel

    original = AsyncZMQSocketChannel.get_msg
    try:
        wakeups.install()
        assert AsyncZMQSocketChannel.get_msg is wakeups.sliced_get_msg
    finally:
        AsyncZMQSocketChannel.get_msg = original
