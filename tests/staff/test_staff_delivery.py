"""Staff reply end to end over real HTTP: staff.rasa_client → the bridge served by Sanic on a loopback port."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sanic import Sanic
from staff_client import FakeChannel

from channels import bridge
from loanwhy import handoff
from staff import rasa_client


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _serve_and_send(
    store: Any, widget: FakeChannel, port: int, calls: list[tuple[str, str, str]]
) -> list[rasa_client.Delivery]:
    from rasa.core.channels.channel import register

    Sanic.test_mode = True
    app = Sanic("bridge_http_test")
    register([bridge.StaffBridgeInput()], app, route="/webhooks/")
    app.ctx.input_channels.append(widget)
    app.ctx.agent = SimpleNamespace(tracker_store=store, lock_store=None)
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    assert server is not None
    await server.startup()
    try:
        base = f"http://127.0.0.1:{port}"
        return [await rasa_client.send_reply(*call, base=base) for call in calls]
    finally:
        server.close()
        await server.wait_closed()
        Sanic._app_registry.pop(app.name, None)


def test_reply_travels_over_http(staff_env: Path) -> None:
    from rasa.core.tracker_store import InMemoryTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    widget = FakeChannel("socketio")
    store = InMemoryTrackerStore(Domain.empty())
    asyncio.run(store.save(DialogueStateTracker.from_events("web-1", [UserUttered("人工", input_channel="socketio")])))
    handoff.request("web-1", "人工", "socketio")
    port = _free_port()
    results = asyncio.run(
        _serve_and_send(store, widget, port, [("web-1", "您好", "agent1"), ("web-2", "您好", "agent1")])
    )
    assert results[0] == rasa_client.Delivery(True, True)
    assert not results[1].ok and results[1].error.startswith("409")
    assert widget.pushed == [("web-1", "您好")]
    tracker = asyncio.run(store.retrieve("web-1"))
    assert tracker.events[-1].text == "您好" and tracker.events[-1].metadata == {"staff": "agent1"}


def test_client_without_token_does_not_call(staff_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOANWHY_STAFF_TOKEN")
    result = asyncio.run(rasa_client.send_reply("web-1", "您好", "agent1"))
    assert not result.ok and "LOANWHY_STAFF_TOKEN" in result.error


def test_unreachable_rasa_is_a_failed_delivery(staff_env: Path) -> None:
    result = asyncio.run(rasa_client.send_reply("web-1", "您好", "agent1", base=f"http://127.0.0.1:{_free_port()}"))
    assert not result.ok and result.error


def test_rasa_url_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOANWHY_RASA_URL", raising=False)
    assert rasa_client.rasa_url() == "http://127.0.0.1:5005"
    assert rasa_client.rasa_url("http://localhost:5105/") == "http://localhost:5105"
    monkeypatch.setenv("LOANWHY_RASA_URL", "http://rasa.internal:5005")
    assert rasa_client.rasa_url("http://localhost:5105") == "http://rasa.internal:5005"
