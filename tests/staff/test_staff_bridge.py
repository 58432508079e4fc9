"""The staff bridge channel on the Rasa server: token check (fail closed), tracker append, push."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sanic import Sanic
from staff_client import Client, FakeChannel

from channels import bridge, delivery
from channels.rest import GuardedRestInput
from channels.socketio import GuardedSocketIOInput
from channels.wechat.channel import WeChatInput
from channels.wechat.wecom import WeComInput
from loanwhy import handoff

URL = "/webhooks/staff_bridge/reply"
TOKEN = {"X-Staff-Token": "test-token"}


@pytest.fixture()
def rasa_side(staff_env: Path) -> Any:
    """A Sanic app with the bridge and a pushing "socketio" channel registered the way Rasa does it,
    a real in-memory tracker store."""
    from rasa.core.channels.channel import register
    from rasa.core.lock_store import InMemoryLockStore
    from rasa.core.tracker_store import InMemoryTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    Sanic.test_mode = True
    app = Sanic("rasa_bridge_test")
    register([bridge.StaffBridgeInput()], app, route="/webhooks/")
    widget = FakeChannel("socketio")
    app.ctx.input_channels.append(widget)  # its blueprint is not needed here
    store = InMemoryTrackerStore(Domain.empty())
    app.ctx.agent = SimpleNamespace(tracker_store=store, lock_store=InMemoryLockStore())
    for sender, channel in (("web-user", "socketio"), ("rest-user", "rest")):
        tracker = DialogueStateTracker.from_events(
            sender, [ActionExecuted("action_listen"), UserUttered("我要找人工", input_channel=channel)]
        )
        asyncio.run(store.save(tracker))
    client = Client(app)
    yield SimpleNamespace(client=client, store=store, widget=widget, pushed=widget.pushed)
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


def test_push_failure_is_not_a_server_error(rasa_side: Any) -> None:
    rasa_side.widget.fails = True
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


def test_every_channel_that_reaches_users_offers_push() -> None:
    assert all(issubclass(c, delivery.Pushes) for c in (GuardedSocketIOInput, WeChatInput, WeComInput))
    assert not issubclass(GuardedRestInput, delivery.Pushes)  # REST cannot reach a client between requests
    assert not issubclass(bridge.StaffBridgeInput, delivery.Pushes)


def test_the_pusher_is_the_registered_instance_of_the_conversations_channel() -> None:
    widget, wechat = FakeChannel("socketio"), FakeChannel("wechat")
    registered = [bridge.StaffBridgeInput(), GuardedRestInput(), widget, wechat]
    assert delivery.pusher_for("socketio", registered) is widget
    assert delivery.pusher_for("wechat", registered) is wechat
    assert delivery.pusher_for("rest", registered) is None  # registered, but cannot push
    assert delivery.pusher_for("wecom", registered) is None  # not registered
    assert delivery.pusher_for("socketio", None) is None


def test_a_channel_instance_can_deliver(rasa_side: Any) -> None:
    """How any channel plugs in: an async `push` on its registered InputChannel."""
    rest = FakeChannel("rest")
    rasa_side.client.app.ctx.input_channels.append(rest)
    handoff.request("rest-user", "想找人工", "rest")
    resp = rasa_side.client.post(URL, json_body=_reply("rest-user"), headers=TOKEN)
    assert resp.json()["delivered"] is True and rest.pushed == [("rest-user", "您好，我是客服小王")]
    assert rasa_side.pushed == []  # the other channel's push was not used
