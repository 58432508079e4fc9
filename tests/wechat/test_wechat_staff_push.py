"""Staff replies to WeChat users: pushed through the customer-service API, else held for the next message."""

from __future__ import annotations

import asyncio
from pathlib import Path

from channels.wechat.core import Engine
from channels.wechat.store import Store


class FakePusher:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def push(self, user: str, text: str) -> None:
        self.sent.append((user, text))


def test_push_within_the_48h_window_of_the_users_last_message(tmp_path: Path) -> None:
    pusher = FakePusher()
    store = Store(tmp_path / "w.sqlite")
    engine = Engine("wechat", store, pusher)
    store.open_window(engine.user("openid-1"), *engine.message_window)
    assert asyncio.run(engine.deliver("openid-1", "您好，我是客服小王")) is True
    assert pusher.sent == [("openid-1", "您好，我是客服小王")]


def test_held_when_the_window_is_closed(tmp_path: Path) -> None:
    pusher = FakePusher()
    store = Store(tmp_path / "w.sqlite")
    engine = Engine("wechat", store, pusher)
    assert asyncio.run(engine.deliver("openid-3", "客服回复")) is False
    assert pusher.sent == [] and store.take_held(engine.user("openid-3")) == ["客服回复"]


def test_held_in_passive_only_mode(tmp_path: Path) -> None:
    store = Store(tmp_path / "w.sqlite")
    engine = Engine("wechat", store, None, passive_only=True)
    assert asyncio.run(engine.deliver("openid-2", "客服回复")) is False
    assert store.take_held(engine.user("openid-2")) == ["客服回复"]


def test_staff_reply_to_a_namespaced_conversation_reaches_the_openid(tmp_path: Path) -> None:
    # the staff bridge passes the conversation id ("wechat:<OpenID>"); the API wants the bare OpenID
    pusher = FakePusher()
    store = Store(tmp_path / "w.sqlite")
    engine = Engine("wechat", store, pusher)
    store.open_window("wechat:openid-4", *engine.message_window)
    assert asyncio.run(engine.deliver("wechat:openid-4", "客服回复")) is True
    assert pusher.sent == [("openid-4", "客服回复")]
    assert asyncio.run(engine.deliver("wecom:openid-4", "别的渠道")) is False  # not this channel's namespace
    assert store.take_held("wechat:wecom:openid-4") == ["别的渠道"]
