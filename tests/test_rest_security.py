"""Issue 11, item 1: REST is not a public read path, and no channel can name another's conversation.

The REST and WeChat channels are served on loopback in front of one fake assistant that keeps
a history per conversation id, as Rasa's tracker store does; a reply shows what the
conversation held before the message (so a read of someone else's conversation would show).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from channels.rest import GuardedRestInput
from channels.socketio import sign_session
from channels.wechat.channel import WeChatConfig, WeChatInput
from channels.wechat.store import Store
from loanwhy import conversations, handoff, rest_auth, retention
from tests.wechat.fake_wechat import FakeWeChat
from tests.wechat.wechat_harness import AES_KEY, APPID, TOKEN, serve

OPENID = "oVICTIM_openid_000000000001"
FRESH = "(empty)"  # the fake assistant's reply in a conversation with nothing in it


class Memory:
    """A fake assistant: one history per conversation id; answers with what was there before."""

    def __init__(self) -> None:
        self.conversations: dict[str, list[str]] = {}

    async def __call__(self, message: UserMessage) -> None:
        history = self.conversations.setdefault(message.sender_id, [])
        earlier = list(history)
        history.append(message.text)
        await message.output_channel.send_text_message(message.sender_id, " | ".join(earlier) or FRESH)


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout=20))


async def rest_post(base: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            base + "/webhooks/rest/webhook",
            data=json.dumps(body),
            headers={"Content-Type": "application/json", **(headers or {})},
        ) as resp,
    ):
        return resp.status, json.loads(await resp.text())


@pytest.fixture(autouse=True)
def _no_token(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(rest_auth.TOKEN_ENV, raising=False)
    monkeypatch.setenv("LOANWHY_VAR", str(tmp_path))  # handoff lookups go to a throw-away app database
    monkeypatch.delenv("LOANWHY_APP_DB", raising=False)


# -- namespacing: a REST sender reaches only REST's own conversations ----------------------------


def test_rest_naming_an_openid_reaches_a_different_empty_conversation(tmp_path: Path) -> None:
    bot = Memory()
    wechat = WeChatInput(WeChatConfig(token=TOKEN, appid=APPID, aes_key=AES_KEY), Store(tmp_path / "w.sqlite"))

    async def go() -> None:
        async with serve(wechat, bot) as wx_base, serve(GuardedRestInput(), bot) as rest_base:
            victim = FakeWeChat(wx_base, TOKEN, APPID, AES_KEY, mode="safe")
            assert (await victim.say(OPENID, "信用卡额度5万欠了4万8")).content == FRESH
            for sender in (OPENID, f"wechat:{OPENID}"):
                status, replies = await rest_post(rest_base, {"sender": sender, "message": "要等多久？"})
                assert status == 200 and replies[0]["text"] == FRESH  # nothing of the victim's conversation
            # and the victim's conversation was not written to: it goes on as it was
            assert (await victim.say(OPENID, "要等多久？")).content == "信用卡额度5万欠了4万8"

    run(go())
    assert bot.conversations[f"wechat:{OPENID}"] == ["信用卡额度5万欠了4万8", "要等多久?"]  # (NFKC folds ？)
    assert bot.conversations[f"rest:{OPENID}"] == ["要等多久?"]
    assert bot.conversations[f"rest:wechat:{OPENID}"] == ["要等多久?"]


def test_rest_naming_a_widget_session_id_reaches_a_different_empty_conversation() -> None:
    bot = Memory()
    widget_id = sign_session()  # what the socket.io channel issues and uses as the conversation id

    async def go() -> None:
        await bot(
            UserMessage("我这两个月查了十几次征信", CollectingOutputChannel(), widget_id, input_channel="socketio")
        )
        async with serve(GuardedRestInput(), bot) as base:
            status, replies = await rest_post(base, {"sender": widget_id, "message": "要等多久？"})
            assert status == 200 and replies[0]["text"] == FRESH
            assert replies[0]["recipient_id"] == f"rest:{widget_id}"

    run(go())
    assert bot.conversations[widget_id] == ["我这两个月查了十几次征信"]


def test_rest_cannot_silence_another_users_conversation_through_a_handoff() -> None:
    # a handoff of the widget user makes the bot quiet for them; REST with their id is another conversation
    widget_id = sign_session()
    handoff.request(widget_id, "转人工", "socketio")
    seen: list[str] = []

    async def quiet(message: UserMessage) -> None:  # the handoff policy: quiet only where handed off
        seen.append(message.sender_id)
        if not handoff.is_handed_off(message.sender_id):
            await message.output_channel.send_text_message(message.sender_id, "ok")

    async def go() -> list[dict[str, Any]]:
        async with serve(GuardedRestInput(), quiet) as base:  # type: ignore[arg-type]
            status, replies = await rest_post(base, {"sender": widget_id, "message": "你好"})
            assert status == 200
            return list(replies)

    assert [r.get("text") for r in run(go())] == ["ok"]
    assert seen == [f"rest:{widget_id}"] and not handoff.is_handed_off(f"rest:{widget_id}")


def test_ids_are_namespaced_per_channel() -> None:
    assert conversations.make("rest", "o1") == "rest:o1"
    assert conversations.split("wechat:o1") == ("wechat", "o1")
    assert conversations.split("rest:wechat:o1") == ("rest", "wechat:o1")
    widget = sign_session()
    assert ":" not in widget and conversations.split(widget) == ("", widget)  # can equal no prefixed id
    assert conversations.local_part("wechat:o1", "wechat") == "o1"
    assert conversations.local_part("wecom:o1", "wechat") == "wecom:o1"
    with pytest.raises(ValueError):
        conversations.make("a:b", "x")


def test_forget_user_finds_namespaced_conversations(tmp_path: Path) -> None:
    import sqlite3

    tracker, wx = tmp_path / "tracker.db", tmp_path / "wechat.sqlite"
    with sqlite3.connect(tracker) as con:
        con.execute("create table events (id integer primary key, sender_id text, type_name text, timestamp float)")
        for sender in ("rest:me", f"wechat:{OPENID}", OPENID, "me"):
            con.execute("insert into events (sender_id, type_name, timestamp) values (?, 'user', 1)", [sender])
    store = Store(wx)
    store.hold(f"wechat:{OPENID}", "held answer")
    store.set_buttons("wecom:someone", [])
    store.close()
    stores = retention.Stores(tracker=tracker, app=tmp_path / "app.sqlite", wechat=wx)
    counts = retention.forget_user(f"wechat:{OPENID}", stores)
    assert counts.deleted == {"tracker.events": 1, "wechat.held": 1}
    assert retention.forget_user("rest:me", stores).deleted == {"tracker.events": 1}
    with sqlite3.connect(tracker) as con:
        assert sorted(r[0] for r in con.execute("select sender_id from events")) == ["me", OPENID]


# -- who may use REST at all ---------------------------------------------------------------------


def test_without_token_rest_serves_loopback_but_not_through_a_proxy() -> None:
    bot = Memory()

    async def go() -> None:
        async with serve(GuardedRestInput(), bot) as base:
            assert (await rest_post(base, {"sender": "me", "message": "你好"}))[0] == 200
            for header in ("X-Forwarded-For", "X-Real-IP", "Forwarded", "Via"):
                status, body = await rest_post(base, {"sender": "me", "message": "你好"}, {header: "203.0.113.7"})
                assert (status, body) == (403, {"error": "forbidden"})

    run(go())
    assert bot.conversations == {"rest:me": ["你好"]}


def test_with_token_every_request_needs_the_bearer_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(rest_auth.TOKEN_ENV, "s3cret-rest-token")
    bot = Memory()

    async def go() -> None:
        async with serve(GuardedRestInput(), bot) as base:
            body = {"sender": "me", "message": "你好"}
            for headers in (
                {},
                {"Authorization": "Bearer wrong"},
                {"Authorization": "s3cret-rest-token"},
                {"Authorization": "Basic s3cret-rest-token"},
                {"Authorization": "Bearer "},
            ):
                assert (await rest_post(base, body, headers))[0] == 403, headers
            good = {"Authorization": "Bearer s3cret-rest-token", "X-Forwarded-For": "203.0.113.7"}
            assert (await rest_post(base, body, good))[0] == 200  # with the token, from anywhere

    run(go())
    assert bot.conversations == {"rest:me": ["你好"]}


@pytest.mark.parametrize(
    ("peer", "headers", "env", "allowed"),
    [
        ("127.0.0.1", {}, {}, True),
        ("::1", {}, {}, True),
        ("203.0.113.7", {}, {}, False),  # another machine
        ("10.0.0.2", {}, {}, False),
        (None, {}, {}, False),
        ("127.0.0.1", {"x-forwarded-for": "203.0.113.7"}, {}, False),  # a reverse proxy on this machine
        ("203.0.113.7", {"authorization": "Bearer t"}, {rest_auth.TOKEN_ENV: "t"}, True),
        ("127.0.0.1", {}, {rest_auth.TOKEN_ENV: "t"}, False),  # with a token, loopback needs it too
    ],
)
def test_access_rule(peer: str | None, headers: dict[str, str], env: dict[str, str], allowed: bool) -> None:
    assert (rest_auth.check(headers, peer, env) is None) == allowed


@pytest.mark.parametrize(("query", "allowed"), [("t", True), ("wrong", False), ("", False), (None, False)])
def test_the_token_may_come_as_rasas_console_client_sends_it(query: str | None, allowed: bool) -> None:
    # guards check(query_token=): `rasa shell` / make shell send ?token=<token>, not a header
    assert (rest_auth.check({}, "203.0.113.7", {rest_auth.TOKEN_ENV: "t"}, query_token=query) is None) == allowed


def test_local_tools_send_the_token_when_one_is_configured() -> None:
    assert rest_auth.client_headers({}) == {}
    assert rest_auth.client_headers({rest_auth.TOKEN_ENV: "t"}) == {"Authorization": "Bearer t"}
