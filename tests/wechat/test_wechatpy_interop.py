"""Issue 12, item 7: both channels agree with wechatpy, which plays WeChat's (and WeCom's) side.

Messages are signed, rendered and encrypted by wechatpy and our replies are read back by wechatpy
(`wechatpy_side.py`), so these tests share no code with the channel's crypto and XML. Refused
requests must reach nothing: the fake assistant records every message it got.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from wechat_harness import AES_KEY, AGENT_ID, APPID, CORPID, TOKEN, WECOM_KEY, WECOM_TOKEN, FakeBot, serve
from wechatpy import events, messages
from wechatpy.enterprise import events as wecom_events
from wechatpy.enterprise import messages as wecom_messages
from wechatpy_side import WeChatSide, sign

from channels.wechat.channel import WeChatInput
from channels.wechat.wecom import WeComInput

USER, MEMBER = "oWECHATPY_openid_0000001", "ZhangSan"
CJK = re.compile(r"[\u4e00-\u9fff]")
DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout=20))


def domain_responses() -> dict[str, list[dict[str, Any]]]:
    return dict(yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"])


async def on(channel: Any, bot: FakeBot, body: Callable[[str], Awaitable[None]], **kw: Any) -> None:
    async with serve(channel, bot, **kw) as base:
        await body(base)


# -- Official Account, plain mode -------------------------------------------------------------------


def test_plain_text_message_gets_a_text_reply_wechatpy_reads(wechat: Callable[..., WeChatInput]) -> None:
    bot = FakeBot()  # answers 收到：<text>

    async def body(base: str) -> None:
        wx = WeChatSide(base, TOKEN, APPID)
        xml = wx.render(messages.TextMessage, source=USER, content="我的贷款被拒了")
        status, text = await wx.post(xml, wx.query())
        assert status == 200
        reply, encrypted = wx.read_reply(text)
        assert isinstance(reply, messages.TextMessage) and not encrypted
        assert (reply.target, reply.source) == (USER, wx.account)
        assert reply.content == "收到：我的贷款被拒了" and CJK.search(reply.content)

    run(on(wechat(aes_key=""), bot, body))
    assert [(m.text, m.sender_id) for m in bot.calls] == [("我的贷款被拒了", f"wechat:{USER}")]


@pytest.mark.parametrize("forge", ["another token", "another nonce", "no signature"])
def test_a_wrong_signature_is_refused(wechat: Callable[..., WeChatInput], forge: str) -> None:
    bot = FakeBot()

    async def body(base: str) -> None:
        wx = WeChatSide(base, TOKEN, APPID)
        q = wx.query()
        if forge == "another token":
            q["signature"] = sign("not-the-token", q["timestamp"], q["nonce"])
        elif forge == "another nonce":
            q["signature"] = sign(TOKEN, q["timestamp"], q["nonce"] + "1")
        else:
            del q["signature"]
        assert (await wx.post(wx.render(messages.TextMessage, source=USER, content="转人工"), q))[0] == 403
        assert (await wx.get({**q, "echostr": "4375120948345356249"}))[0] == 403

    run(on(wechat(aes_key=""), bot, body))
    assert bot.calls == []


# -- Official Account, safe mode (AES key configured) ----------------------------------------------


def test_safe_mode_encrypted_message_gets_an_encrypted_reply(wechat: Callable[..., WeChatInput]) -> None:
    bot = FakeBot()

    async def body(base: str) -> None:
        wx = WeChatSide(base, TOKEN, APPID, AES_KEY)
        sealed, q = wx.seal(wx.render(messages.TextMessage, source=USER, content="逾期了还能贷吗"))
        status, text = await wx.post(sealed, q)
        assert status == 200
        assert "逾期" not in text and USER not in text  # nothing of the conversation in clear
        reply, encrypted = wx.read_reply(text)  # decrypt_message checks MsgSignature and the AppID
        assert encrypted and isinstance(reply, messages.TextMessage)
        assert (reply.target, reply.source, reply.content) == (USER, wx.account, "收到：逾期了还能贷吗")

    run(on(wechat(), bot, body))
    assert [(m.text, m.sender_id) for m in bot.calls] == [("逾期了还能贷吗", f"wechat:{USER}")]


def test_safe_mode_refuses_a_forged_msg_signature(wechat: Callable[..., WeChatInput]) -> None:
    bot = FakeBot()

    async def body(base: str) -> None:
        wx = WeChatSide(base, TOKEN, APPID, AES_KEY)
        sealed, q = wx.seal(wx.render(messages.TextMessage, source=USER, content="转人工"))
        q["msg_signature"] = sign(TOKEN, q["timestamp"], q["nonce"], "another Encrypt")
        assert (await wx.post(sealed, q))[0] == 403
        other_app = WeChatSide(base, TOKEN, "wx_another_app_id", AES_KEY)  # right key, another AppID
        assert (await other_app.send(messages.TextMessage, source=USER, content="你好"))[0] == 403

    run(on(wechat(), bot, body))
    assert bot.calls == []


@pytest.mark.parametrize("compatible", [False, True])
def test_plaintext_in_safe_mode_only_if_compatible(wechat: Callable[..., WeChatInput], compatible: bool) -> None:
    bot = FakeBot()

    async def body(base: str) -> None:
        wx = WeChatSide(base, TOKEN, APPID, AES_KEY)
        status, text = await wx.post(wx.render(messages.TextMessage, source=USER, content="明文消息"), wx.query())
        if not compatible:
            assert status == 403
            return
        assert status == 200
        reply, encrypted = wx.read_reply(text)
        assert isinstance(reply, messages.TextMessage) and not encrypted
        assert (reply.target, reply.content) == (USER, "收到：明文消息")

    run(on(wechat(compatible=compatible), bot, body))
    assert bot.texts == (["明文消息"] if compatible else [])


@pytest.mark.parametrize("aes_key", ["", AES_KEY], ids=["plain", "safe"])
def test_url_verification_with_a_wechatpy_signature(wechat: Callable[..., WeChatInput], aes_key: str) -> None:
    # the Official Account's URL check is plain in every mode: signature over (token, timestamp, nonce)
    async def body(base: str) -> None:
        wx = WeChatSide(base, TOKEN, APPID, aes_key)
        q = wx.query()
        q.pop("openid")
        assert await wx.get({**q, "echostr": "4375120948345356249"}) == (200, "4375120948345356249")

    run(on(wechat(aes_key=aes_key), FakeBot(), body))


@pytest.mark.parametrize("aes_key", ["", AES_KEY], ids=["plain", "safe"])
def test_subscribe_gets_the_domain_welcome(wechat: Callable[..., WeChatInput], aes_key: str) -> None:
    bot = FakeBot()
    welcome = domain_responses()["utter_wechat_welcome"][0]["text"]

    async def body(base: str) -> None:
        wx = WeChatSide(base, TOKEN, APPID, aes_key)
        status, text = await wx.send(events.SubscribeEvent, source=USER)
        assert status == 200
        reply, encrypted = wx.read_reply(text)
        assert isinstance(reply, messages.TextMessage) and encrypted == bool(aes_key)
        assert (reply.target, reply.content) == (USER, welcome)

    run(on(wechat(aes_key=aes_key), bot, body, responses=domain_responses()))
    assert bot.calls == []  # the welcome is the channel's own; the assistant is not asked


# -- WeCom: always encrypted, wechatpy.enterprise.crypto ---------------------------------------------


def wecom_side(base: str, corpid: str = CORPID, token: str = WECOM_TOKEN) -> WeChatSide:
    return WeChatSide(base, token, corpid, WECOM_KEY, wecom=True, agent_id=AGENT_ID)


def test_wecom_url_check_answers_what_wechatpy_decrypts(wecom: Callable[..., WeComInput]) -> None:
    async def body(base: str) -> None:
        wx = wecom_side(base)
        echostr = wx.encrypted_echostr("1616140317555161061")
        q = {**wx.query(echostr), "echostr": echostr}
        expected = wx.crypto.check_signature(q["msg_signature"], q["timestamp"], q["nonce"], echostr)
        assert await wx.get(q) == (200, expected) and expected == "1616140317555161061"
        forged = {**wx.query(echostr), "echostr": echostr}
        forged["msg_signature"] = sign("not-the-token", forged["timestamp"], forged["nonce"], echostr)
        assert (await wx.get(forged))[0] == 403
        other_corp = wecom_side(base, corpid="wwANOTHERCORP")
        sent = other_corp.encrypted_echostr("1")
        assert (await other_corp.get({**other_corp.query(sent), "echostr": sent}))[0] == 403

    run(on(wecom(), FakeBot(), body))


def test_wecom_message_gets_an_encrypted_reply_wechatpy_reads(wecom: Callable[..., WeComInput]) -> None:
    bot = FakeBot()

    async def body(base: str) -> None:
        wx = wecom_side(base)
        status, text = await wx.send(wecom_messages.TextMessage, source=MEMBER, content="为什么被拒")
        assert status == 200 and "被拒" not in text
        reply, encrypted = wx.read_reply(text)
        assert encrypted and isinstance(reply, wecom_messages.TextMessage)
        assert (reply.target, reply.source, reply.content) == (MEMBER, CORPID, "收到：为什么被拒")
        welcome, _ = wx.read_reply((await wx.send(wecom_events.SubscribeEvent, source=MEMBER))[1])
        assert welcome.content == domain_responses()["utter_wechat_welcome"][0]["text"]

    run(on(wecom(), bot, body, responses=domain_responses()))
    assert [(m.text, m.sender_id) for m in bot.calls] == [("为什么被拒", f"wecom:{MEMBER}")]


def test_wecom_refuses_plaintext_and_forged_or_foreign_messages(wecom: Callable[..., WeComInput]) -> None:
    bot = FakeBot()

    async def body(base: str) -> None:
        wx = wecom_side(base)
        xml = wx.render(wecom_messages.TextMessage, source=MEMBER, content="转人工")
        assert (await wx.post(xml, wx.query()))[0] in (400, 403)  # plaintext: WeCom is always encrypted
        sealed, q = wx.seal(xml)
        q["msg_signature"] = sign("not-the-token", q["timestamp"], q["nonce"], "another Encrypt")
        assert (await wx.post(sealed, q))[0] == 403
        other_corp = wecom_side(base, corpid="wwANOTHERCORP")
        assert (await other_corp.send(wecom_messages.TextMessage, source=MEMBER, content="你好"))[0] == 403

    run(on(wecom(), bot, body))
    assert bot.calls == []
