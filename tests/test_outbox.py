"""Staff replies for socket.io users reach the worker process that holds the socket, once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from channels.socketio import GuardedSocketIOInput
from loanwhy import outbox


class FakeManager:
    def __init__(self, rooms: list[str]) -> None:
        self.rooms: dict[str, dict[str, dict[str, str]]] = {"/": {r: {f"sid-{r}": "eio"} for r in rooms}}

    def get_participants(self, namespace: str, room: str) -> Any:
        yield from self.rooms.get(namespace, {}).get(room, {}).items()


class FakeServer:
    """What push() and deliver_waiting() use of python-socketio's AsyncServer, in one worker process."""

    def __init__(self, rooms: list[str]) -> None:
        self.manager = FakeManager(rooms)
        self.sent: list[tuple[str, str]] = []

    async def emit(self, event: str, data: dict[str, str], room: str) -> None:
        self.sent.append((room, data["text"]))


@pytest.fixture(autouse=True)
def empty_outbox() -> None:
    for item in outbox.pending():
        outbox.take(item)


def worker(server: FakeServer) -> GuardedSocketIOInput:
    """The socket.io channel as one worker process holds it, its server built (as blueprint() does)."""
    channel = GuardedSocketIOInput()
    channel.sio = server  # type: ignore[assignment]
    return channel


def test_the_worker_holding_the_socket_sends_at_once() -> None:
    here = FakeServer(["s1"])
    assert asyncio.run(worker(here).push("s1", "您好，我是客服")) is True
    assert here.sent == [("s1", "您好，我是客服")] and outbox.pending() == []


def test_another_worker_takes_the_reply_exactly_once() -> None:
    bridge_worker, socket_worker, tab_worker = FakeServer([]), FakeServer(["s2"]), FakeServer(["s2"])
    assert asyncio.run(worker(bridge_worker).push("s2", "请您稍等")) is True
    assert bridge_worker.sent == [] and [p.session_id for p in outbox.pending()] == ["s2"]

    async def both() -> list[int]:
        return list(await asyncio.gather(worker(socket_worker).deliver_waiting(), worker(tab_worker).deliver_waiting()))

    assert sorted(asyncio.run(both())) == [0, 1]
    assert socket_worker.sent + tab_worker.sent == [("s2", "请您稍等")]
    assert outbox.pending() == []


def test_an_offline_user_gets_the_reply_on_the_next_connection() -> None:
    offline = worker(FakeServer([]))
    asyncio.run(offline.push("s3", "已为您查好"))
    asyncio.run(offline.push("other", "不是您的"))
    later = FakeServer(["s3"])
    assert asyncio.run(worker(later).deliver_waiting(["s3"])) == 1
    assert later.sent == [("s3", "已为您查好")]
    assert [p.session_id for p in outbox.pending()] == ["other"]


def test_the_outbox_hands_a_reply_only_to_its_own_conversation() -> None:
    asyncio.run(worker(FakeServer([])).push("s4", "给s4的回复"))
    elsewhere = FakeServer(["s5"])
    assert asyncio.run(worker(elsewhere).deliver_waiting()) == 0  # polled for every conversation
    assert asyncio.run(worker(elsewhere).deliver_waiting(["s4"])) == 0  # asked for s4, but s4 is not here
    assert elsewhere.sent == [] and [p.session_id for p in outbox.pending()] == ["s4"]


def test_without_its_server_the_channel_cannot_push() -> None:
    """Before Rasa built the channel's blueprint there is nothing to send through, and nothing is queued."""
    assert asyncio.run(GuardedSocketIOInput().push("s6", "客服回复")) is False
    assert outbox.pending() == []
