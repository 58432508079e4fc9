"""Issue 11, item 2: with a key, safe mode means safe; a signed callback URL works once; the URL
check is fresh too. Official Account and WeCom. Every refused request reached nothing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from fake_wechat import FakeWeChat
from wechat_harness import AES_KEY, APPID, CORPID, TOKEN, WECOM_KEY, WECOM_TOKEN, FakeBot, serve

from channels.wechat import crypto as wx
from channels.wechat.channel import WeChatConfig, WeChatInput
from channels.wechat.store import Store
from channels.wechat.webhook import FRESH_S
from channels.wechat.wecom import WeComInput

Make = Callable[..., WeChatInput]
USER, VICTIM, MEMBER = "oATTACKER_openid_00000001", "oVICTIM_openid_000000001", "ZhangSan"


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout=20))


async def on(channel: Any, bot: FakeBot, body: Callable[[str], Awaitable[None]]) -> None:
    async with serve(channel, bot) as base:
        await body(base)


# -- downgrade: with a key, plaintext only when WECHAT_COMPATIBLE=1 --------------------------------


def test_compatible_mode_only_when_set_explicitly() -> None:
    env = {"WECHAT_TOKEN": "t", "WECHAT_APPID": "wx", "WECHAT_ENCODING_AES_KEY": "A" * 43}
    assert WeChatConfig.from_env(env).compatible is False
    assert WeChatConfig.from_env({**env, "WECHAT_COMPATIBLE": "1"}).compatible is True
    assert WeChatConfig.from_env({**env, "WECHAT_COMPATIBLE": "0"}).compatible is False


def test_safe_mode_refuses_a_plaintext_body(wechat: Make) -> None:
    bot = FakeBot()

    async def body(base: str) -> None:
        plain = FakeWeChat(base, TOKEN)  # a valid URL signature, but the body is not encrypted
        reply = await plain.say(VICTIM, "转人工")
        assert reply.status == 403 and reply.body.startswith("plaintext body refused")
        # the same with the parameters of safe mode but no Encrypt element
        q = {**plain.query(), "encrypt_type": "aes", "msg_signature": "0" * 40}
        assert (await plain.post_raw(plain.text_xml(VICTIM, "你好").encode(), q))[0] in (400, 403)

    run(on(wechat(), bot, body))
    assert bot.calls == []


def test_safe_mode_refuses_encrypt_without_a_valid_msg_signature(wechat: Make) -> None:
    bot = FakeBot()

    async def body(base: str) -> None:
        fake = FakeWeChat(base, TOKEN, APPID, AES_KEY, mode="safe")
        envelope, encrypted = fake.envelope(fake.text_xml(USER, "你好"))
        q = fake.query(encrypted)
        del q["msg_signature"]
        assert (await fake.post_raw(envelope.encode(), q))[0] == 403
        # a compatible-mode body (plain fields + Encrypt) with a forged msg_signature: the plain fields
        # are never used instead
        compat = FakeWeChat(base, TOKEN, APPID, AES_KEY, mode="compatible")
        envelope, encrypted = compat.envelope(compat.text_xml(VICTIM, "转人工"))
        q = compat.query(encrypted)
        q["msg_signature"] = "0" * 40
        assert (await compat.post_raw(envelope.encode(), q))[0] == 403

    run(on(wechat(), bot, body))
    assert bot.calls == []


def test_safe_mode_reads_only_the_encrypted_fields(wechat: Make) -> None:
    # a compatible-mode body whose plain fields lie: the decrypted message decides the sender
    bot = FakeBot()

    async def body(base: str) -> None:
        fake = FakeWeChat(base, TOKEN, APPID, AES_KEY, mode="safe")
        encrypted = fake.crypto.encrypt(fake.text_xml(USER, "我自己的消息"))  # type: ignore[union-attr]
        lying = fake.text_xml(VICTIM, "别人的消息").replace(
            "</xml>", f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        )
        status, _ = await fake.post_raw(lying.encode(), fake.query(encrypted))
        assert status == 200

    run(on(wechat(), bot, body))
    assert [(m.text, m.sender_id) for m in bot.calls] == [("我自己的消息", f"wechat:{USER}")]


def test_compatible_mode_set_explicitly_accepts_both(wechat: Make) -> None:
    bot = FakeBot()

    async def body(base: str) -> None:
        plain = await FakeWeChat(base, TOKEN).say(USER, "明文")
        assert plain.status == 200 and not plain.encrypted and plain.content == "收到：明文"
        sealed = await FakeWeChat(base, TOKEN, APPID, AES_KEY, mode="compatible").say(USER, "密文")
        assert sealed.encrypted and sealed.content == "收到：密文"

    run(on(wechat(compatible=True), bot, body))
    assert bot.texts == ["明文", "密文"]


# -- replay: a (timestamp, nonce, signature) works once ----------------------------------------------


@pytest.mark.parametrize("mode", ["plain", "safe"])
def test_a_signed_url_reused_with_another_body_is_refused(wechat: Make, mode: str) -> None:
    bot = FakeBot()

    async def body(base: str) -> None:
        fake = FakeWeChat(base, TOKEN, APPID, AES_KEY, mode=mode)  # type: ignore[arg-type]
        first, encrypted = fake.envelope(fake.text_xml(VICTIM, "我的贷款被拒了"))
        q = fake.query(encrypted)
        assert (await fake.post_raw(first.encode(), q))[0] == 200
        # the attacker keeps the URL (timestamp, nonce, signature) and sends another body and sender
        forged, _ = fake.envelope(fake.text_xml(USER, "转人工"))
        status, text = await fake.post_raw(forged.encode(), q)
        # plain mode: the URL signature does not cover the body, the replay check refuses it;
        # safe mode: the msg_signature does not fit the new Encrypt
        assert status == 403 and ("replay" in text if mode == "plain" else "msg_signature" in text)
        assert (await fake.post_raw(fake.text_xml(USER, "转人工").encode(), q))[0] in (400, 403)  # plaintext

    run(on(wechat(aes_key="") if mode == "plain" else wechat(), bot, body))
    assert bot.texts == ["我的贷款被拒了"]


def test_the_same_signed_request_again_is_not_processed(wechat: Make) -> None:
    bot = FakeBot()

    async def body(base: str) -> None:
        fake = FakeWeChat(base, TOKEN)
        xml = fake.text_xml(VICTIM, "我的贷款被拒了").encode()
        q = fake.query()
        status, first = await fake.post_raw(xml, q)
        assert status == 200 and "收到" in first
        assert await fake.post_raw(xml, q) == (200, "success")  # nothing run, nothing answered

    run(on(wechat(aes_key=""), bot, body))
    assert len(bot.calls) == 1


def test_replays_are_refused_across_worker_processes(tmp_path: Path) -> None:
    # two channel instances (two Rasa workers) share the WeChat store file
    path = tmp_path / "shared.sqlite"
    bot = FakeBot()

    def worker() -> WeChatInput:
        return WeChatInput(WeChatConfig(token=TOKEN, appid=APPID), Store(path), deadline_s=1.0)

    async def go() -> None:
        async with serve(worker(), bot) as one, serve(worker(), bot) as two:
            a, b = FakeWeChat(one, TOKEN), FakeWeChat(two, TOKEN)
            q = a.query()
            assert (await a.post_raw(a.text_xml(VICTIM, "第一条").encode(), q))[0] == 200
            assert (await b.post_raw(b.text_xml(USER, "第二条").encode(), q))[0] == 403

    run(go())
    assert bot.texts == ["第一条"]


def test_fresh_requests_with_new_nonces_all_pass(wechat: Make) -> None:
    # the platform signs every try anew: retries and new messages are not replays
    bot = FakeBot()

    async def body(base: str) -> None:
        fake = FakeWeChat(base, TOKEN, APPID, AES_KEY, mode="safe")
        for i in range(5):
            assert (await fake.say(USER, f"第{i}条")).status == 200

    run(on(wechat(), bot, body))
    assert len(bot.calls) == 5


def test_signature_store_is_bounded_by_the_freshness_window(tmp_path: Path) -> None:
    store = Store(tmp_path / "w.sqlite")
    now = 1_800_000_000.0
    assert store.first_use("k1", "d1", now + FRESH_S, now) == "new"
    assert store.first_use("k1", "d1", now + FRESH_S, now) == "same"
    assert store.first_use("k1", "d2", now + FRESH_S, now) == "other"
    for i in range(50):
        store.first_use(f"old{i}", "d", now + 10, now)
    later = now + FRESH_S + 1  # every key above has expired (its timestamp is stale anyway)
    assert store.first_use("k2", "d", later + FRESH_S, later) == "new"
    assert store.db.execute("select count(*) from signatures").fetchone()[0] == 1


# -- the GET URL check: fresh and once -----------------------------------------------------------------


def test_url_verification_checks_the_timestamp_and_is_used_once(wechat: Make) -> None:
    bot = FakeBot()

    async def body(base: str) -> None:
        fake = FakeWeChat(base, TOKEN)
        stale_ts = str(int(time.time()) - FRESH_S - 60)
        stale = {**fake.query(timestamp=stale_ts), "echostr": "123"}
        assert (await fake.post_raw(b"", {}))[0] == 403  # (no signature at all)
        status, _ = await get(fake.url, stale)
        assert status == 403
        q = {**fake.query(), "echostr": "4375120948345356249"}
        assert await get(fake.url, q) == (200, "4375120948345356249")
        assert (await get(fake.url, q))[0] == 403  # the same URL again
        # its signature would sign a POST with the same timestamp and nonce: not any more
        post_q = {k: v for k, v in q.items() if k != "echostr"}
        assert (await fake.post_raw(fake.text_xml(USER, "你好").encode(), post_q))[0] == 403

    run(on(wechat(aes_key=""), bot, body))
    assert bot.calls == []


async def get(url: str, params: dict[str, str]) -> tuple[int, str]:
    import aiohttp

    async with aiohttp.ClientSession() as session, session.get(url, params=params) as resp:
        return resp.status, await resp.text()


# -- WeCom: always encrypted; URL check fresh; signed URLs once ------------------------------------------


def test_wecom_url_check_is_fresh_and_used_once(wecom: Callable[..., WeComInput]) -> None:
    async def body(base: str) -> None:
        fake = FakeWeChat.wecom(base, WECOM_TOKEN, CORPID, WECOM_KEY)
        sent = fake.crypto.encrypt("1616140317555161061")  # type: ignore[union-attr]
        stale = {**fake.query(sent, timestamp=str(int(time.time()) - FRESH_S - 60)), "echostr": sent}
        assert (await get(fake.url, stale))[0] == 403
        fresh = {**fake.query(sent), "echostr": sent}
        assert await get(fake.url, fresh) == (200, "1616140317555161061")
        assert (await get(fake.url, fresh))[0] == 403

    run(on(wecom(), FakeBot(), body))


def test_wecom_refuses_plaintext_and_replays(wecom: Callable[..., WeComInput]) -> None:
    bot = FakeBot()

    async def body(base: str) -> None:
        fake = FakeWeChat.wecom(base, WECOM_TOKEN, CORPID, WECOM_KEY)
        plain = fake.message_xml(MEMBER, "text", "<Content><![CDATA[明文]]></Content>")
        assert (await fake.post_raw(plain.encode(), fake.query()))[0] in (400, 403)
        envelope, encrypted = fake.envelope(fake.text_xml(MEMBER, "你好"))
        q = fake.query(encrypted)
        assert (await fake.post_raw(envelope.encode(), q))[0] == 200
        assert await fake.post_raw(envelope.encode(), q) == (200, "")  # the same again: not processed
        other, other_enc = fake.envelope(fake.text_xml("LiSi", "转人工"))
        q_other = {**q, "msg_signature": wx.msg_signature(WECOM_TOKEN, q["timestamp"], q["nonce"], other_enc)}
        # (only the token holder can sign another body; a new msg_signature is a new request)
        assert (await fake.post_raw(other.encode(), q))[0] == 403  # the old msg_signature does not fit
        assert (await fake.post_raw(other.encode(), q_other))[0] == 200

    run(on(wecom(), bot, body))
    assert [(m.text, m.sender_id) for m in bot.calls] == [("你好", f"wecom:{MEMBER}"), ("转人工", "wecom:LiSi")]
