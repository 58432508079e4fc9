"""The WeCom (企业微信) app channel: encrypted URL check, CorpID check, UserID as sender, app-message push."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from fake_wechat import FakeWeChat
from fake_wechat_api import fake_api
from wechat_harness import AGENT_ID, CORPID, WECOM_KEY, WECOM_TOKEN, FakeBot, serve

from channels.wechat.wecom import WeComInput

Make = Callable[..., WeComInput]
MEMBER = "ZhangSan"


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout=20))


async def with_wecom(channel: WeComInput, bot: FakeBot, body: Callable[[str], Awaitable[None]]) -> None:
    async with serve(channel, bot) as base:
        await body(base)


def test_url_check_decrypts_echostr(wecom: Make) -> None:
    async def body(base: str) -> None:
        fake = FakeWeChat.wecom(base, WECOM_TOKEN, CORPID, WECOM_KEY)
        assert await fake.verify_url("1616140317555161061") == (200, "1616140317555161061")
        assert (await fake.verify_url("1616140317555161061", bad=True))[0] == 403
        other_corp = FakeWeChat.wecom(base, WECOM_TOKEN, "wwOTHERCORP", WECOM_KEY)
        assert (await other_corp.verify_url("1"))[0] == 403

    run(with_wecom(wecom(), FakeBot(), body))


def test_message_round_trip_with_member_as_sender(wecom: Make) -> None:
    bot = FakeBot(answer=lambda t: [{"text": "您好，请说说情况。"}])

    async def body(base: str) -> None:
        fake = FakeWeChat.wecom(base, WECOM_TOKEN, CORPID, WECOM_KEY)
        reply = await fake.say(MEMBER, "你好")
        assert reply.status == 200 and reply.encrypted
        assert reply.content == "您好，请说说情况。"
        assert (reply.fields["ToUserName"], reply.fields["FromUserName"]) == (MEMBER, CORPID)
        assert (await fake.send(fake.voice_xml(MEMBER, None))).content  # no recognition in WeCom: the note

    run(with_wecom(wecom(), bot, body))
    assert [(m.text, m.sender_id, m.input_channel) for m in bot.calls] == [("你好", f"wecom:{MEMBER}", "wecom")]
    assert bot.calls[0].output_channel.name() == "wecom"


def test_forgeries_are_refused(wecom: Make) -> None:
    bot = FakeBot()

    async def body(base: str) -> None:
        other_corp = FakeWeChat.wecom(base, WECOM_TOKEN, "wwOTHERCORP", WECOM_KEY)
        assert (await other_corp.say(MEMBER, "别的企业")).status == 403
        wrong_token = FakeWeChat.wecom(base, "nope", CORPID, WECOM_KEY)
        assert (await wrong_token.say(MEMBER, "伪造")).status == 403
        other_agent = FakeWeChat.wecom(base, WECOM_TOKEN, CORPID, WECOM_KEY, agent_id="999")
        assert (await other_agent.say(MEMBER, "别的应用")).status == 403
        fake = FakeWeChat.wecom(base, WECOM_TOKEN, CORPID, WECOM_KEY)
        q = fake.query("x", timestamp="1409659589")
        assert (await fake.post_raw(b"<xml><Encrypt>x</Encrypt></xml>", q))[0] == 403  # stale

    run(with_wecom(wecom(), bot, body))
    assert bot.calls == []


def test_unconfigured_refuses(wecom: Make, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)

    async def body(base: str) -> None:
        fake = FakeWeChat.wecom(base, WECOM_TOKEN, CORPID, WECOM_KEY)
        assert (await fake.verify_url())[0] == 403
        assert (await fake.say(MEMBER, "你好")).status == 403

    run(with_wecom(wecom(token=""), FakeBot(), body))
    assert any("WECOM_TOKEN" in r.getMessage() for r in caplog.records)


def test_slow_answer_goes_out_as_app_message(wecom: Make) -> None:
    bot = FakeBot(delay_s=0.6, answer=lambda t: [{"text": "慢慢分析好了"}])

    async def body() -> None:
        async with fake_api() as api:
            channel = wecom(deadline_s=0.3, secret="corp-secret", api_base=api.base)
            async with serve(channel, bot) as base:
                fake = FakeWeChat.wecom(base, WECOM_TOKEN, CORPID, WECOM_KEY)
                reply = await fake.say(MEMBER, "帮我分析")
                assert reply.status == 200 and reply.body == ""
                await channel.engine.wait_idle()
            assert [(m["path"], m["touser"], m["agentid"], m["text"]["content"]) for m in api.sent] == [
                ("/cgi-bin/message/send", MEMBER, int(AGENT_ID), "慢慢分析好了")
            ]
            assert api.token_requests == [{"corpid": CORPID, "corpsecret": "corp-secret"}]

    run(body())
