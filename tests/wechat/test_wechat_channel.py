"""The Official Account channel over HTTP, driven by the fake WeChat server.

Every refused request is also checked for leaving no trace: the fake
assistant was never called.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from fake_wechat import FakeWeChat
from wechat_harness import AES_KEY, APPID, OLD_AES_KEY, TOKEN, FakeBot, serve

from channels.wechat import crypto as wx
from channels.wechat.channel import WeChatInput
from channels.wechat.store import Store

Make = Callable[..., WeChatInput]
USER = "oUSER_openid_0001"


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout=20))


async def with_channel(channel: WeChatInput, bot: FakeBot, body: Callable[[str], Awaitable[Any]], **kw: Any) -> Any:
    async with serve(channel, bot, **kw) as base:
        return await body(base)


def test_url_verification(wechat: Make) -> None:
    bot = FakeBot()

    async def body(base: str) -> None:
        fake = FakeWeChat(base, TOKEN)
        assert await fake.verify_url("4375120948345356249") == (200, "4375120948345356249")
        status, _ = await fake.verify_url("123", bad=True)
        assert status == 403

    run(with_channel(wechat(), bot, body))


def test_without_token_everything_is_refused_and_logged(wechat: Make, caplog: pytest.LogCaptureFixture) -> None:
    bot = FakeBot()
    caplog.set_level(logging.ERROR)

    async def body(base: str) -> None:
        fake = FakeWeChat(base, "")
        assert (await fake.verify_url())[0] == 403
        reply = await fake.say(USER, "你好")
        assert reply.status == 403

    run(with_channel(wechat(token=""), bot, body))
    assert bot.calls == []
    assert any("WECHAT_TOKEN is not set" in r.getMessage() for r in caplog.records)


def test_bad_signature_is_refused_and_not_processed(wechat: Make) -> None:
    bot = FakeBot()

    async def body(base: str) -> None:
        forger = FakeWeChat(base, "wrong-token")
        assert (await forger.say(USER, "你好")).status == 403
        fake = FakeWeChat(base, TOKEN)
        q = fake.query()
        q["signature"] = q["signature"][:-1] + ("0" if q["signature"][-1] != "0" else "1")
        status, _ = await fake.post_raw(fake.text_xml(USER, "你好").encode(), q)
        assert status == 403
        del q["signature"]
        assert (await fake.post_raw(fake.text_xml(USER, "你好").encode(), q))[0] == 403

    run(with_channel(wechat(), bot, body))
    assert bot.calls == []


@pytest.mark.parametrize("skew", [-301, 400, 86400])
def test_stale_timestamp_is_refused(wechat: Make, skew: int) -> None:
    bot = FakeBot()

    async def body(base: str) -> None:
        fake = FakeWeChat(base, TOKEN)
        q = fake.query(timestamp=str(int(time.time()) + skew))
        assert (await fake.post_raw(fake.text_xml(USER, "你好").encode(), q))[0] == 403

    run(with_channel(wechat(), bot, body))
    assert bot.calls == []


XXE = b"""<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>1</MsgId></xml>"""
LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&lol3;</Content><MsgId>2</MsgId></xml>"""


@pytest.mark.parametrize(
    ("body_bytes", "status"),
    [
        (XXE, 400),
        (LAUGHS, 400),
        (b"<xml><ToUserName>gh</ToUserName><Content>unclosed</xml>", 400),
        (b"", 400),
        (b"<xml><MsgType>text</MsgType><Content>no sender</Content></xml>", 400),
        (b"<xml><Content>" + b"A" * 70_000 + b"</Content></xml>", 413),
    ],
    ids=["xxe", "billion-laughs", "malformed", "empty", "no-sender", "oversized"],
)
def test_hostile_and_broken_bodies_are_refused(wechat: Make, body_bytes: bytes, status: int) -> None:
    bot = FakeBot()

    async def body(base: str) -> None:
        fake = FakeWeChat(base, TOKEN)
        assert (await fake.post_raw(body_bytes, fake.query()))[0] == status

    run(with_channel(wechat(aes_key=""), bot, body))
    assert bot.calls == []


@pytest.mark.parametrize("mode", ["plain", "compatible", "safe"])
def test_text_round_trip_in_every_mode(wechat: Make, mode: str) -> None:
    bot = FakeBot(answer=lambda t: [{"text": "您好！"}, {"text": "请说说您的情况。"}])

    async def body(base: str) -> None:
        fake = FakeWeChat(base, TOKEN, APPID, AES_KEY, mode=mode)  # type: ignore[arg-type]
        reply = await fake.say(USER, "你好")
        assert reply.status == 200 and reply.tries == 1 and reply.elapsed_s < 4.5
        assert reply.content == "您好！\n\n请说说您的情况。"
        assert reply.encrypted == (mode != "plain")
        assert (reply.fields["ToUserName"], reply.fields["FromUserName"]) == (USER, fake.account)
        assert reply.fields["MsgType"] == "text"

    # plain mode: no key; compatible mode: the key and WECHAT_COMPATIBLE=1; safe mode: the key alone
    config: dict[str, Any] = {"plain": {"aes_key": ""}, "compatible": {"compatible": True}, "safe": {}}[mode]
    run(with_channel(wechat(**config), bot, body))
    assert [(m.text, m.sender_id, m.input_channel) for m in bot.calls] == [("你好", f"wechat:{USER}", "wechat")]
    assert bot.calls[0].output_channel.name() == "wechat"


def test_plain_mode_without_any_key(wechat: Make) -> None:
    bot = FakeBot()

    async def body(base: str) -> None:
        assert (await FakeWeChat(base, TOKEN).say(USER, "你好")).content == "收到：你好"
        safe = FakeWeChat(base, TOKEN, APPID, AES_KEY, mode="safe")
        assert (await safe.say(USER, "加密的")).status == 400  # cannot decrypt without a key

    run(with_channel(wechat(aes_key=""), bot, body))
    assert bot.texts == ["你好"]


def test_safe_mode_forgeries_are_refused(wechat: Make) -> None:
    bot = FakeBot()

    async def body(base: str) -> None:
        fake = FakeWeChat(base, TOKEN, APPID, AES_KEY, mode="safe")
        inner = fake.text_xml(USER, "你好")
        envelope, encrypted = fake.envelope(inner)
        q = fake.query(encrypted)
        q["msg_signature"] = wx.msg_signature(TOKEN, q["timestamp"], q["nonce"], "something else")
        assert (await fake.post_raw(envelope.encode(), q))[0] == 403
        other_app = FakeWeChat(base, TOKEN, "wx9999999999999999", AES_KEY, mode="safe")
        assert (await other_app.say(USER, "别的公众号")).status == 403
        wrong_key = FakeWeChat(base, TOKEN, APPID, "B" * 43, mode="safe")
        assert (await wrong_key.say(USER, "错的密钥")).status == 403

    run(with_channel(wechat(), bot, body))
    assert bot.calls == []


def test_key_rotation_accepts_previous_key_and_answers_with_it(wechat: Make) -> None:
    bot = FakeBot()

    async def body(base: str) -> None:
        still_old = FakeWeChat(base, TOKEN, APPID, OLD_AES_KEY, mode="safe")
        reply = await still_old.say(USER, "旧密钥")
        assert reply.content == "收到：旧密钥" and reply.encrypted  # decrypted by the fake with the OLD key
        assert (
            await FakeWeChat(base, TOKEN, APPID, AES_KEY, mode="safe").say(USER, "新密钥")
        ).content == "收到：新密钥"

    run(with_channel(wechat(aes_key_previous=OLD_AES_KEY), bot, body))
    assert bot.texts == ["旧密钥", "新密钥"]


def test_retry_of_answered_message_is_not_processed_again(wechat: Make) -> None:
    bot = FakeBot()

    async def body(base: str) -> None:
        fake = FakeWeChat(base, TOKEN)
        first = await fake.say(USER, "你好", msg_id="777")
        again = await fake.say(USER, "你好", msg_id="777")
        assert first.content == again.content == "收到：你好"

    run(with_channel(wechat(aes_key=""), bot, body))
    assert len(bot.calls) == 1


def test_retries_share_the_in_flight_answer(wechat: Make) -> None:
    """The platform gives up on the first try (its timeout) while the assistant is still busy."""
    # answer at 0.5 s: after the first try's 0.3 s, within the three tries' 0.9 s even on a busy machine
    bot = FakeBot(delay_s=0.5)

    async def body(base: str) -> None:
        impatient = FakeWeChat(base, TOKEN, timeout_s=0.3)
        reply = await impatient.say(USER, "慢一点的问题")
        assert reply.tries >= 2 and reply.content == "收到：慢一点的问题"

    run(with_channel(wechat(deadline_s=2.0, aes_key=""), bot, body))
    assert len(bot.calls) == 1


def test_concurrent_duplicates_processed_once(wechat: Make) -> None:
    bot = FakeBot(delay_s=0.2)

    async def body(base: str) -> None:
        fake = FakeWeChat(base, TOKEN)
        replies = await asyncio.gather(*(fake.say(USER, "同一条", msg_id="888") for _ in range(3)))
        contents = [r.content for r in replies]
        assert "收到：同一条" in contents and all(c in (None, "收到：同一条") for c in contents)

    run(with_channel(wechat(aes_key=""), bot, body))
    assert len(bot.calls) == 1


def test_voice_with_and_without_recognition(wechat: Make) -> None:
    bot = FakeBot()

    async def body(base: str) -> None:
        fake = FakeWeChat(base, TOKEN)
        assert (await fake.send(fake.voice_xml(USER, "我的贷款被拒了"))).content == "收到：我的贷款被拒了"
        note = (await fake.send(fake.voice_xml(USER, ""))).content
        assert note == "抱歉，我目前只能看懂文字消息，请用文字描述您的情况。"
        assert (await fake.send(fake.voice_xml(USER, None))).content == note
        assert (await fake.send(fake.image_xml(USER))).content == note
        assert (await fake.send(fake.location_xml(USER))).content == note

    run(with_channel(wechat(aes_key=""), bot, body))
    assert bot.texts == ["我的贷款被拒了"]


def test_subscribe_welcomes_and_unsubscribe_forgets(wechat: Make, store: Store) -> None:
    bot = FakeBot(answer=lambda t: [{"text": "请选：", "buttons": [{"title": "甲", "payload": "a"}]}])

    async def body(base: str) -> None:
        fake = FakeWeChat(base, TOKEN, APPID, AES_KEY, mode="safe")
        welcome = await fake.send(fake.event_xml(USER, "subscribe", create_time=1_700_000_000))
        assert welcome.content and "隐私" in welcome.content and welcome.encrypted
        assert (
            await fake.send(fake.event_xml(USER, "subscribe", create_time=1_700_000_000))
        ).content == welcome.content
        await fake.say(USER, "你好")
        assert store.buttons(f"wechat:{USER}")
        bye = await fake.send(fake.event_xml(USER, "unsubscribe"))
        assert bye.is_success
        assert (await fake.send(fake.event_xml(USER, "CLICK"))).is_success

    run(with_channel(wechat(), bot, body))
    assert bot.texts == ["你好"]
    assert [m["user"] for m in store.deletion_marks()] == [f"wechat:{USER}"]  # the conversation id
    assert store.buttons(f"wechat:{USER}") == []


def test_numbered_reply_sends_the_button_payload(wechat: Make) -> None:
    buttons = [{"title": "我被拒了", "payload": "我的贷款被拒了"}, {"title": "查征信", "payload": "怎么查征信"}]
    bot = FakeBot(
        answer=lambda t: [{"text": "您想了解什么？", "buttons": buttons}] if t == "你好" else [{"text": "好的"}]
    )

    async def body(base: str) -> None:
        fake = FakeWeChat(base, TOKEN)
        menu = await fake.say(USER, "你好")
        assert menu.content == "您想了解什么？\n1. 我被拒了\n2. 查征信"
        await fake.say(USER, "２")
        await fake.say(USER, "2")  # the last answer had no buttons: now it is just the number

    run(with_channel(wechat(aes_key=""), bot, body))
    assert bot.texts == ["你好", "怎么查征信", "2"]


def test_guard_applies_to_wechat_text(wechat: Make) -> None:
    bot = FakeBot(answer=lambda t: [{"text": "这个问题我来回答"}])

    async def body(base: str) -> None:
        fake = FakeWeChat(base, TOKEN)
        assert (await fake.say(USER, "這個貸款為什麼被拒絕")).content == "這個問題我來回答"
        assert (await fake.say(USER, "   ")).content == "您好像发了一条空消息。"
        await fake.say(USER, "/restart")
        await fake.say(USER, "我的手机13812345678")
        long = await fake.say(USER, "贷" * 3000)
        assert long.content and long.content.startswith("您的消息太长")

    run(with_channel(wechat(aes_key=""), bot, body))
    assert bot.texts[1:3] == ["restart", "我的手机[已隐藏]"]
    assert len(bot.texts) == 4 and len(bot.texts[3]) <= 1000


def test_long_answer_is_cut_to_2048_bytes(wechat: Make) -> None:
    bot = FakeBot(answer=lambda t: [{"text": "征信" * 1500}])

    async def body(base: str) -> None:
        reply = await FakeWeChat(base, TOKEN, APPID, AES_KEY, mode="safe").say(USER, "长")
        assert reply.content and len(reply.content.encode()) <= 2048 and reply.content.endswith("…")

    run(with_channel(wechat(), bot, body))


def test_diagnosis_payload_shown_as_text(wechat: Make) -> None:
    diag = {
        "diagnosis": {
            "signals": [
                {
                    "id": "x",
                    "name": "查询次数过多",
                    "severity": "high",
                    "summary": "近期查询太多。",
                    "steps": [{"action": "三个月内别再申请", "horizon": "3个月"}],
                }
            ]
        }
    }
    bot = FakeBot(answer=lambda t: [{"text": "分析如下："}, {"custom": diag}])

    async def body(base: str) -> None:
        reply = await FakeWeChat(base, TOKEN).say(USER, "帮我看看")
        assert reply.content == "分析如下：\n\n1. 查询次数过多：近期查询太多。\n   · 三个月内别再申请（3个月）"

    run(with_channel(wechat(aes_key=""), bot, body))


def test_assistant_failure_answers_with_server_error_text(wechat: Make) -> None:
    def boom(text: str) -> list[dict[str, Any]]:
        raise RuntimeError("tracker store down")

    bot = FakeBot(answer=boom)

    async def body(base: str) -> None:
        assert (await FakeWeChat(base, TOKEN).say(USER, "你好")).content == "抱歉，系统暂时出了点问题。"

    run(with_channel(wechat(aes_key=""), bot, body))


def test_missing_domain_response_logs_and_answers_nothing(wechat: Make, caplog: pytest.LogCaptureFixture) -> None:
    bot = FakeBot()
    caplog.set_level(logging.WARNING)

    async def body(base: str) -> None:
        fake = FakeWeChat(base, TOKEN)
        assert (await fake.send(fake.image_xml(USER))).is_success

    run(with_channel(wechat(aes_key=""), bot, body, responses={}))
    assert any("utter_wechat_text_only is missing" in r.getMessage() for r in caplog.records)


def test_a_message_id_of_another_user_never_returns_their_answer(wechat: Make) -> None:
    """MsgIds are not secret: dedupe is per (channel, sender, MsgId), so someone who sends a
    victim's MsgId gets an answer to their own message, never the victim's cached one."""
    bot = FakeBot()

    async def body(base: str) -> None:
        fake = FakeWeChat(base, TOKEN)
        victim = await fake.say(USER, "我的征信有逾期", msg_id="4242")
        thief = await fake.say("oOTHER_openid_0002", "随便", msg_id="4242")
        assert victim.content == "收到：我的征信有逾期"
        assert thief.content == "收到：随便"

    run(with_channel(wechat(aes_key=""), bot, body))
    assert bot.texts == ["我的征信有逾期", "随便"]
