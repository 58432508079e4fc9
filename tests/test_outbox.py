"""Staff replies for socket.io users reach the worker process that holds the socket, once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from channels import socketio as sio_channel
from loanwhy import outbox


class FakeManager:
    def __init__(self, rooms: list[str]) -> None:
        self.rooms: dict[str, dict[str, dict[str, str]]] = {"/": {r: {f"sid-{r}": "eio"} for r in rooms}}

    def get_participants(self, namespace: str, room: str) -> Any:
        yield from self.rooms.get(namespace, {}).get(room, {}).items()


class FakeServer:
    """What push() and deliver_waiting() use of python-socketio's AsyncServer, in one 'worker'."""

    def __init__(self, rooms: list[str]) -> None:
        self.manager = FakeManager(rooms)
        self.sent: list[tuple[str, str]] = []

    async def emit(self, event: str, data: dict[str, str], room: str) -> None:
        self.sent.append((room, data["text"]))


@pytest.fixture(autouse=True)
def empty_outbox() -> None:
    for item in outbox.pending():
        outbox.take(item)


def with_worker(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sio_channel._LIVE, "sio", server)
    monkeypatch.setitem(sio_channel._LIVE, "event", "bot_uttered")


def test_the_worker_holding_the_socket_sends_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    here = FakeServer(["s1"])
    with_worker(here, monkeypatch)
    assert asyncio.run(sio_channel.push("s1", "您好，我是客服")) is True
    assert here.sent == [("s1", "您好，我是客服")] and outbox.pending() == []


def test_another_worker_takes_the_reply_exactly_once(monkeypatch: pytest.MonkeyPatch) -> None:
    bridge_worker, socket_worker, tab_worker = FakeServer([]), FakeServer(["s2"]), FakeServer(["s2"])
    with_worker(bridge_worker, monkeypatch)
    assert asyncio.run(sio_channel.push("s2", "请您稍等")) is True
    assert bridge_worker.sent == [] and [p.session_id for p in outbox.pending()] == ["s2"]

    async def both() -> list[int]:
        return list(
            await asyncio.gather(
                sio_channel.deliver_waiting(socket_worker),  # type: ignore[arg-type]
                sio_channel.deliver_waiting(tab_worker),
            )
        )  # type: ignore[arg-type]

    assert sorted(asyncio.run(both())) == [0, 1]
    assert socket_worker.sent + tab_worker.sent == [("s2", "请您稍等")]
    assert outbox.pending() == []


def test_an_offline_user_gets_the_reply_on_the_next_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    with_worker(FakeServer([]), monkeypatch)
    asyncio.run(sio_channel.push("s3", "已为您查好"))
    asyncio.run(sio_channel.push("other", "不是您的"))
    later = FakeServer(["s3"])
    assert asyncio.run(sio_channel.deliver_waiting(later, ["s3"])) == 1  # type: ignore[arg-type]
    assert later.sent == [("s3", "已为您查好")]
    assert [p.session_id for p in outbox.pending()] == ["other"]
