"""A staff reply reaches the web widget through the socket.io channel's own push, over real sockets:
at once to a connected tab, on the next connection to an offline one, never to another conversation."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
from sanic import Sanic

from channels.bridge import StaffBridgeInput
from channels.socketio import GuardedSocketIOInput
from loanwhy import handoff, outbox
from tests.reliability.sio import Client

TOKEN = {"X-Staff-Token": "test-token"}


@asynccontextmanager
async def rasa(store: Any) -> AsyncIterator[str]:
    """The two channels registered the way Rasa registers credentials.yml's, on 127.0.0.1:<free port>."""
    from rasa.core.channels.channel import register

    Sanic.test_mode = True
    app = Sanic(f"widget_reply_{uuid.uuid4().hex[:12]}", configure_logging=False)
    register([StaffBridgeInput(), GuardedSocketIOInput()], app, route="/webhooks/")
    app.ctx.agent = SimpleNamespace(tracker_store=store, lock_store=None)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
    assert server is not None
    await server.startup()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.close()
        await server.wait_closed()
        Sanic._app_registry.pop(app.name, None)


async def reply(base: str, sender: str, text: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http:
        body = {"sender_id": sender, "text": text, "staff": "agent1"}
        async with http.post(f"{base}/webhooks/staff_bridge/reply", json=body, headers=TOKEN) as resp:
            assert resp.status == 200, await resp.text()
            return dict(await resp.json())


async def next_text(client: Client, seconds: float) -> str:
    name, value = await client.next(seconds)
    assert name == "bot_uttered", (name, value)
    return str(value["text"])


async def texts_within(client: Client, seconds: float) -> list[str]:
    got: list[str] = []
    try:
        while True:
            name, value = await client.next(seconds)
            if name == "bot_uttered":
                got.append(value["text"])
    except asyncio.TimeoutError:
        return got


async def reconnect(base: str, session_id: str) -> tuple[Client, str | None, list[str]]:
    """A new socket asking for the old conversation; what it is confirmed and told (in either order)."""
    client = Client(base)
    await client.connect(request_session=False)
    await client.sio.emit("session_request", {"session_id": session_id})
    confirmed: str | None = None
    texts: list[str] = []
    while confirmed is None or not texts:
        name, value = await client.next(10)
        if name == "session_confirm":
            confirmed = value
        elif name == "bot_uttered":
            texts.append(value["text"])
    return client, confirmed, texts


def test_staff_replies_reach_the_widget_online_at_once_and_offline_on_reconnect(staff_env: Path) -> None:
    from rasa.core.tracker_store import InMemoryTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    store = InMemoryTrackerStore(Domain.empty())

    async def go() -> None:
        async with rasa(store) as base:
            user, other = Client(base), Client(base)
            mine, theirs = await user.connect(), await other.connect()
            assert mine and theirs and mine != theirs
            for sender in (mine, theirs):
                await store.save(
                    DialogueStateTracker.from_events(sender, [UserUttered("人工", input_channel="socketio")])
                )
                handoff.request(sender, "人工", "socketio")

            assert await reply(base, mine, "您好，我是客服小王") == {
                "ok": True,
                "channel": "socketio",
                "delivered": True,
            }
            assert await next_text(user, 5) == "您好，我是客服小王"
            assert await texts_within(other, 0.5) == []  # another conversation's tab hears nothing
            assert outbox.pending() == []

            await user.close()
            await asyncio.sleep(0.5)  # the server notices the closed socket
            assert (await reply(base, mine, "已为您查好"))["delivered"] is True  # waits in the outbox
            assert [p.session_id for p in outbox.pending()] == [mine]
            assert await texts_within(other, 0.8) == []  # the poller (every 0.5 s) does not hand it to a stranger

            back, confirmed, texts = await reconnect(base, mine)
            try:
                assert confirmed == mine and texts == ["已为您查好"]
                assert outbox.pending() == []
            finally:
                await back.close()
                await other.close()

    asyncio.run(asyncio.wait_for(go(), timeout=60))
