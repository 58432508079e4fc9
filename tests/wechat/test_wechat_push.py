"""Answers that miss the passive deadline: customer-service push, token refresh, quota, passive-only hold."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from fake_wechat import FakeWeChat
from fake_wechat_api import FakeApi, fake_api
from wechat_harness import APPID, RESPONSES, TOKEN, FakeBot, serve

from channels.wechat.channel import WeChatInput

Make = Callable[..., WeChatInput]
USER = "oUSER_openid_0002"
DEADLINE = 0.3
SLOW = 0.6


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout=20))


async def scenario(
    make: Make,
    bot: FakeBot,
    body: Callable[[FakeWeChat, FakeApi, WeChatInput], Awaitable[None]],
    responses: dict[str, Any] | None = None,
    **config: Any,
) -> None:
    async with fake_api() as api:
        config = {"aes_key": "", **config}  # the fake below speaks plain mode
        channel = make(deadline_s=DEADLINE, appsecret="s3cret", api_base=api.base, **config)
        async with serve(channel, bot, responses) as base:
            await body(FakeWeChat(base, TOKEN, APPID), api, channel)


def test_slow_answer_says_success_then_pushes(wechat: Make) -> None:
    bot = FakeBot(delay_s=SLOW, answer=lambda t: [{"text": "分析好了：征信查询太多。"}])

    async def body(fake: FakeWeChat, api: FakeApi, channel: WeChatInput) -> None:
        reply = await fake.say(USER, "帮我分析")
        assert reply.is_success and reply.tries == 1 and reply.elapsed_s < SLOW
        await channel.engine.wait_idle()
        assert [(m["path"], m["touser"], m["msgtype"], m["text"]["content"]) for m in api.sent] == [
            ("/cgi-bin/message/custom/send", USER, "text", "分析好了：征信查询太多。")
        ]
        assert "分析好了".encode() in api.raw_bodies[0]  # UTF-8 as is, not \\u escapes
        assert api.token_requests == [
            {"grant_type": "client_credential", "appid": APPID, "secret": "s3cret", "force_refresh": False}
        ]
        assert (await fake.say(USER, "再来一次")).is_success
        await channel.engine.wait_idle()
        assert len(api.sent) == 2 and len(api.token_requests) == 1  # the cached token was reused

    run(scenario(wechat, bot, body))
    assert len(bot.calls) == 2


def test_refused_token_is_refreshed_once(wechat: Make) -> None:
    bot = FakeBot(delay_s=SLOW)

    async def body(fake: FakeWeChat, api: FakeApi, channel: WeChatInput) -> None:
        await fake.say(USER, "第一条")
        await channel.engine.wait_idle()
        api.expire()  # e.g. another server forced a refresh
        await fake.say(USER, "第二条")
        await channel.engine.wait_idle()
        assert [m["text"]["content"] for m in api.sent] == ["收到：第一条", "收到：第二条"]
        assert len(api.token_requests) == 2

    run(scenario(wechat, bot, body))


def test_unverified_account_falls_back_to_holding(wechat: Make) -> None:
    bot = FakeBot(delay_s=SLOW)

    async def body(fake: FakeWeChat, api: FakeApi, channel: WeChatInput) -> None:
        api.fail_next = [48001]  # api unauthorized: the account is not verified
        assert (await fake.say(USER, "慢的问题")).is_success
        await channel.engine.wait_idle()
        assert api.sent == []
        bot.delay_s = 0
        reply = await fake.say(USER, "快的问题")
        assert reply.content == "收到：慢的问题\n\n收到：快的问题"

    run(scenario(wechat, bot, body))


def test_push_respects_the_five_message_quota(wechat: Make) -> None:
    paragraphs = ["征信" * 300 + str(i) for i in range(8)]  # each ~1.8 KB: 8 messages needed
    bot = FakeBot(delay_s=SLOW, answer=lambda t: [{"text": p} for p in paragraphs])

    async def body(fake: FakeWeChat, api: FakeApi, channel: WeChatInput) -> None:
        await fake.say(USER, "说详细点")
        await channel.engine.wait_idle()
        assert len(api.sent) == 5
        assert all(len(m["text"]["content"].encode()) <= 2048 for m in api.sent)
        assert api.sent[-1]["text"]["content"].endswith("…")
        assert channel.store.allowance(f"wechat:{USER}") == 0

    run(scenario(wechat, bot, body))


def test_passive_only_holds_and_delivers_with_next_message(wechat: Make) -> None:
    bot = FakeBot(delay_s=SLOW)

    async def body(fake: FakeWeChat, api: FakeApi, channel: WeChatInput) -> None:
        hint = await fake.say(USER, "慢的问题")
        assert hint.content == RESPONSES["utter_wechat_answer_coming"][0]["text"]
        await channel.engine.wait_idle()
        bot.delay_s = 0
        assert (await fake.say(USER, "好了吗")).content == "收到：慢的问题\n\n收到：好了吗"
        assert (await fake.say(USER, "再问")).content == "收到：再问"  # handed out once only
        assert api.sent == [] and api.token_requests == []

    run(scenario(wechat, bot, body, passive_only=True))


def test_passive_only_without_hint_response_says_success(wechat: Make) -> None:
    bot = FakeBot(delay_s=SLOW)
    responses = {k: v for k, v in RESPONSES.items() if k != "utter_wechat_answer_coming"}

    async def body(fake: FakeWeChat, api: FakeApi, channel: WeChatInput) -> None:
        assert (await fake.say(USER, "慢的问题")).is_success

    run(scenario(wechat, bot, body, responses, passive_only=True))
