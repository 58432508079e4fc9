"""A fake WeChat server: signs, encrypts and POSTs messages to any channel URL.

It behaves like the real platform where that matters to the channel: every
request carries signature/timestamp/nonce (plus encrypt_type and
msg_signature in compatible and safe mode); a try that gets no answer within
`timeout_s` (5 s) is abandoned and the same message is sent again, three tries
in all; a safe-mode reply is checked (MsgSignature) and decrypted.

Reusable against a running assistant, e.g. in a live test fixture:

    fake = FakeWeChat("http://127.0.0.1:5005", token=os.environ["WECHAT_TOKEN"])
    reply = asyncio.run(fake.say("o_live_user", "我的贷款被拒了"))
    assert reply.content

Also drives a WeCom channel (`FakeWeChat.wecom(...)`): always encrypted,
msg_signature only, the CorpID as receiver.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from typing import Literal

import aiohttp

from channels.wechat import crypto as wx
from channels.wechat import xmlmsg

Mode = Literal["plain", "compatible", "safe"]


@dataclass
class Reply:
    status: int | None  # None: every try timed out
    body: str = ""
    tries: int = 0
    elapsed_s: float = 0.0
    fields: dict[str, str] = field(default_factory=dict)  # the reply XML, decrypted if it was encrypted
    encrypted: bool = False

    @property
    def content(self) -> str | None:
        return self.fields.get("Content")

    @property
    def is_success(self) -> bool:
        """'success' or an empty body: the platform stops retrying and shows nothing."""
        return self.status == 200 and self.body.strip() in {"", "success"}


def _cdata(tag: str, value: str) -> str:
    return f"<{tag}>{xmlmsg.cdata(value)}</{tag}>"


class FakeWeChat:
    def __init__(
        self,
        base_url: str,
        token: str,
        appid: str = "wx0000000000000001",
        aes_key: str | None = None,
        mode: Mode = "plain",
        path: str = "/webhooks/wechat/webhook",
        account: str = "gh_fake_account",
        timeout_s: float = 5.0,
        tries: int = 3,
        wecom: bool = False,
        agent_id: str = "",
    ) -> None:
        self.url = base_url.rstrip("/") + path
        self.token = token
        self.appid = appid
        self.mode: Mode = mode
        self.account = account
        self.timeout_s = timeout_s
        self.tries = tries
        self.is_wecom = wecom
        self.agent_id = agent_id
        self.crypto = wx.MessageCrypto(token, aes_key, appid) if aes_key else None
        if mode != "plain" and self.crypto is None:
            raise ValueError("compatible and safe mode need aes_key")
        self._msg_id = int(time.time() * 1000) * 1000

    @classmethod
    def wecom(
        cls, base_url: str, token: str, corpid: str, aes_key: str, agent_id: str = "1000002", timeout_s: float = 5.0
    ) -> FakeWeChat:
        """WeCom: always safe mode, the CorpID as receiver, the app's AgentID in every message."""
        path = "/webhooks/wecom/webhook"
        return cls(base_url, token, corpid, aes_key, "safe", path, corpid, timeout_s, wecom=True, agent_id=agent_id)

    # -- message bodies -----------------------------------------------------

    def next_msg_id(self) -> str:
        self._msg_id += 1
        return str(self._msg_id)

    def message_xml(
        self, user: str, msg_type: str, extra: str, msg_id: str | None = "", create_time: int | None = None
    ) -> str:
        """An inbound message; msg_id '' → a fresh one, None → none (events)."""
        if msg_id == "":
            msg_id = self.next_msg_id()
        parts = [
            _cdata("ToUserName", self.account),
            _cdata("FromUserName", user),
            f"<CreateTime>{create_time or int(time.time())}</CreateTime>",
            _cdata("MsgType", msg_type),
            extra,
        ]
        if msg_id is not None:
            parts.append(f"<MsgId>{msg_id}</MsgId>")
        if self.is_wecom:
            parts.append(f"<AgentID>{self.agent_id}</AgentID>")
        return "<xml>" + "\n".join(parts) + "\n</xml>"

    def text_xml(self, user: str, content: str, msg_id: str = "") -> str:
        return self.message_xml(user, "text", _cdata("Content", content), msg_id)

    def voice_xml(self, user: str, recognition: str | None, msg_id: str = "") -> str:
        extra = _cdata("MediaId", "media_1") + _cdata("Format", "amr")
        if recognition is not None:
            extra += _cdata("Recognition", recognition)
        return self.message_xml(user, "voice", extra, msg_id)

    def image_xml(self, user: str) -> str:
        return self.message_xml(
            user, "image", _cdata("PicUrl", "http://example.invalid/p.jpg") + _cdata("MediaId", "m")
        )

    def location_xml(self, user: str) -> str:
        return self.message_xml(user, "location", "<Location_X>23.1</Location_X><Location_Y>113.3</Location_Y>")

    def event_xml(self, user: str, event: str, create_time: int | None = None) -> str:
        return self.message_xml(user, "event", _cdata("Event", event), None, create_time)

    # -- requests -----------------------------------------------------------

    def query(
        self, encrypted: str | None = None, timestamp: str | None = None, nonce: str | None = None
    ) -> dict[str, str]:
        ts = timestamp or str(int(time.time()))
        nonce = nonce or str(secrets.randbelow(10**9))
        q: dict[str, str] = {"timestamp": ts, "nonce": nonce}
        if not self.is_wecom:
            q["signature"] = wx.signature(self.token, ts, nonce)
            q["openid"] = "o_query_openid"
        if encrypted is not None:
            q["msg_signature"] = wx.msg_signature(self.token, ts, nonce, encrypted)
            if not self.is_wecom:
                q["encrypt_type"] = "aes"
        return q

    def envelope(self, inner_xml: str) -> tuple[str, str | None]:
        """(body, Encrypt) for the current mode."""
        if self.mode == "plain" or self.crypto is None:
            return inner_xml, None
        encrypted = self.crypto.encrypt(inner_xml)
        if self.mode == "compatible":
            return inner_xml.replace("</xml>", _cdata("Encrypt", encrypted) + "</xml>"), encrypted
        to = self.appid if self.is_wecom else self.account
        agent = f"<AgentID>{self.agent_id}</AgentID>" if self.is_wecom else ""
        return f"<xml>{_cdata('ToUserName', to)}{agent}{_cdata('Encrypt', encrypted)}</xml>", encrypted

    async def verify_url(self, echostr: str = "4375120948345356249", bad: bool = False) -> tuple[int, str]:
        """GET URL verification; WeCom encrypts the echostr and expects the plaintext back."""
        if self.is_wecom:
            assert self.crypto is not None
            sent = self.crypto.encrypt(echostr)
            q = self.query(encrypted=sent)
            q["echostr"] = sent
        else:
            q = {**self.query(), "echostr": echostr}
        if bad:
            key = "msg_signature" if self.is_wecom else "signature"
            q[key] = "0" * 40
        timeout = aiohttp.ClientTimeout(total=self.timeout_s)
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(self.url, params=q) as resp:
            return resp.status, await resp.text()

    async def post_raw(self, body: bytes, params: dict[str, str], timeout_s: float | None = None) -> tuple[int, str]:
        """One POST exactly as given (for malformed, oversized and forged requests)."""
        timeout = aiohttp.ClientTimeout(total=timeout_s or self.timeout_s)
        headers = {"Content-Type": "text/xml"}
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(self.url, params=params, data=body, headers=headers) as resp,
        ):
            return resp.status, await resp.text()

    async def send(self, inner_xml: str) -> Reply:
        """Deliver one message like the platform: up to `tries` tries of `timeout_s` each."""
        start = time.monotonic()
        reply = Reply(status=None)
        for attempt in range(1, self.tries + 1):
            body, encrypted = self.envelope(inner_xml)
            reply.tries = attempt
            try:
                status, text = await self.post_raw(body.encode("utf-8"), self.query(encrypted))
            except (asyncio.TimeoutError, aiohttp.ClientError):  # noqa: UP041 (3.10)
                continue
            reply.status, reply.body = status, text
            break
        reply.elapsed_s = time.monotonic() - start
        if reply.status == 200 and not reply.is_success:
            self._open_reply(reply)
        return reply

    def _open_reply(self, reply: Reply) -> None:
        fields = xmlmsg.parse(reply.body.encode("utf-8"))
        if "Encrypt" in fields:
            assert self.crypto is not None, "encrypted reply but no key"
            sig = wx.msg_signature(self.token, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"])
            assert sig == fields["MsgSignature"], "reply MsgSignature does not verify"
            fields = xmlmsg.parse(self.crypto.decrypt(fields["Encrypt"]).text.encode("utf-8"))
            reply.encrypted = True
        reply.fields = fields

    async def say(self, user: str, text: str, msg_id: str = "") -> Reply:
        return await self.send(self.text_xml(user, text, msg_id))
