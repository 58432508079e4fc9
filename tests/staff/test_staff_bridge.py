"""The staff bridge channel on the Rasa server: token check (fail closed), tracker append, push."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sanic import Sanic
from staff_client import Client

from channels import bridge
from loanwhy import handoff

URL = "/webhooks/staff_bridge/reply"
TOKEN = {"X-Staff-Token": "test-token"}


@pytest.fixture()
def rasa_side(staff_env: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A Sanic app with the bridge registered the way Rasa does it, a real in-memory tracker store."""
    from rasa.core.channels.channel import register
    from rasa.core.lock_store import InMemoryLockStore
    from rasa.core.tracker_store import InMemoryTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    Sanic.test_mode = True
    app = Sanic("rasa_bridge_test")
    register([bridge.StaffBridgeInput()], app, route="/webhooks/")
    store = InMemoryTrackerStore(Domain.empty())
    app.ctx.agent = SimpleNamespace(tracker_store=store, lock_store=InMemoryLockStore())
    pushed: list[tuple[str, str]] = []

    async def fake_push(session_id: str, text: str) -> bool:
        pushed.append((session_id, text))
        return True

    monkeypatch.setattr("channels.socketio.push", fake_push)
    for sender, channel in (("web-user", "socketio"), ("rest-user", "rest")):
        tracker = DialogueStateTracker.from_events(
            sender, [ActionExecuted("action_listen"), UserUttered("我要找人工", input_channel=channel)]
        )
        asyncio.run(store.save(tracker))
    client = Client(app)
    yield SimpleNamespace(client=client, store=store, pushed=pushed)
    client.close()


def _events(store: Any, sender: str) -> list[Any]:
    return list(asyncio.run(store.retrieve(sender)).events)


def _reply(sender: str = "web-user", text: str = "您好，我是客服小王", staff: str = "agent1") -> dict[str, str]:
    return {"sender_id": sender, "text": text, "staff": staff}


def test_no_token_configured_refuses_everything(
    rasa_side: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("LOANWHY_STAFF_TOKEN")
    handoff.request("web-user", "想找人工", "socketio")
    with caplog.at_level(logging.WARNING, logger="channels.bridge"):
        assert rasa_side.client.post(URL, json_body=_reply(), headers=TOKEN).status == 403
        assert rasa_side.client.post(URL, json_body=_reply(), headers={"X-Staff-Token": ""}).status == 403
        assert rasa_side.client.get("/webhooks/staff_bridge/", headers=TOKEN).status == 403
    assert "LOANWHY_STAFF_TOKEN is not set" in caplog.text
    assert rasa_side.pushed == [] and len(_events(rasa_side.store, "web-user")) == 2


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Staff-Token": "wrong"}, {"X-Staff-Token": "test-token "}, {"Authorization": "Bearer test-token"}],
)
def test_missing_or_wrong_token_is_403(rasa_side: Any, headers: dict[str, str]) -> None:
    handoff.request("web-user", "想找人工", "socketio")
    assert rasa_side.client.post(URL, json_body=_reply(), headers=headers).status == 403
    assert rasa_side.pushed == [] and len(_events(rasa_side.store, "web-user")) == 2


def test_reply_is_appended_and_pushed(rasa_side: Any) -> None:
    handoff.request("web-user", "想找人工", "socketio")
    resp = rasa_side.client.post(URL, json_body=_reply(), headers=TOKEN)
    assert resp.status == 200, resp.text
    assert resp.json() == {"ok": True, "channel": "socketio", "delivered": True}
    last = _events(rasa_side.store, "web-user")[-1]
    assert last.type_name == "bot" and last.text == "您好，我是客服小王" and last.metadata == {"staff": "agent1"}
    assert rasa_side.pushed == [("web-user", "您好，我是客服小王")]
    assert rasa_side.client.get("/webhooks/staff_bridge/", headers=TOKEN).status == 200


def test_channel_without_push_stores_but_reports_not_delivered(rasa_side: Any) -> None:
    handoff.request("rest-user", "想找人工", "rest")
    resp = rasa_side.client.post(URL, json_body=_reply("rest-user"), headers=TOKEN)
    assert resp.json() == {"ok": True, "channel": "rest", "delivered": False}
    assert _events(rasa_side.store, "rest-user")[-1].text == "您好，我是客服小王"


def test_push_failure_is_not_a_server_error(rasa_side: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(session_id: str, text: str) -> bool:
        raise ConnectionError("socket gone")

    monkeypatch.setattr("channels.socketio.push", broken)
    handoff.request("web-user", "想找人工", "socketio")
    assert rasa_side.client.post(URL, json_body=_reply(), headers=TOKEN).json()["delivered"] is False


def test_only_handed_off_conversations_accept_replies(rasa_side: Any) -> None:
    assert rasa_side.client.post(URL, json_body=_reply(), headers=TOKEN).status == 409
    row = handoff.request("web-user", "想找人工", "socketio")
    handoff.set_status(row["id"], handoff.CLOSED, "agent1")
    assert rasa_side.client.post(URL, json_body=_reply(), headers=TOKEN).status == 409
    assert rasa_side.pushed == []


def test_unknown_conversation_is_404(rasa_side: Any) -> None:
    handoff.request("ghost", "想找人工", "socketio")
    assert rasa_side.client.post(URL, json_body=_reply("ghost"), headers=TOKEN).status == 404


@pytest.mark.parametrize(
    "body",
    [
        {"sender_id": "web-user", "text": "", "staff": "agent1"},
        {"sender_id": "web-user", "text": "x" * 2001, "staff": "agent1"},
        {"sender_id": "", "text": "hi", "staff": "agent1"},
        {"sender_id": "web-user", "text": "hi"},
        {"sender_id": 1, "text": "hi", "staff": "agent1"},
        ["web-user", "hi"],
    ],
)
def test_bad_bodies_are_400(rasa_side: Any, body: Any) -> None:
    handoff.request("web-user", "想找人工", "socketio")
    assert rasa_side.client.post(URL, json_body=body, headers=TOKEN).status == 400


def test_assistant_not_ready_is_503(rasa_side: Any) -> None:
    handoff.request("web-user", "想找人工", "socketio")
    rasa_side.client.app.ctx.agent = None
    assert rasa_side.client.post(URL, json_body=_reply(), headers=TOKEN).status == 503


def test_pushers_resolve_lazily() -> None:
    assert bridge.pusher_for("socketio") is not None
    assert bridge.pusher_for("rest") is None
    assert bridge.pusher_for("wechat") is None


def test_a_channel_instance_can_deliver(rasa_side: Any) -> None:
    """How WeChat (or any channel) plugs in: an async `push` on its registered InputChannel."""
    got: list[tuple[str, str]] = []

    class Pushing:
        @classmethod
        def name(cls) -> str:
            return "rest"

        async def push(self, recipient_id: str, text: str) -> None:
            got.append((recipient_id, text))

    rasa_side.client.app.ctx.input_channels.append(Pushing())
    handoff.request("rest-user", "想找人工", "rest")
    resp = rasa_side.client.post(URL, json_body=_reply("rest-user"), headers=TOKEN)
    assert resp.json()["delivered"] is True and got == [("rest-user", "您好，我是客服小王")]
