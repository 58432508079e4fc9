"""WeChat's side of the callback protocol, made and read by wechatpy instead of our own code.

`fake_wechat.py` signs and encrypts with the channel's own `crypto.py` and `xmlmsg.py`, so a
mistake made in both would pass there. Here everything that crosses the wire comes from wechatpy
1.8 (PyPI `wechatpy`, the most used Python WeChat SDK): URL signatures (`WeChatSigner`), the
inbound XML (rendered from wechatpy's own field definitions of each message class and checked to
parse back as that class), encryption (`WeChatCrypto`; WeCom's is `wechatpy.enterprise.crypto`,
named `wechatpy.work.crypto` only in the 2.0 alphas), and our replies are read with
`decrypt_message` and `parse_message`.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import aiohttp
import xmltodict
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise import parse_message as parse_wecom_message
from wechatpy.enterprise.crypto import PrpCrypto as WeComPrpCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto
from wechatpy.fields import IntegerField, StringField
from wechatpy.messages import BaseMessage
from wechatpy.utils import WeChatSigner, to_text


def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return str(signer.signature)


class WeChatSide:
    """Pushes messages to one channel URL as the platform would and reads the passive replies."""

    def __init__(
        self,
        base_url: str,
        token: str,
        appid: str,
        aes_key: str = "",
        account: str = "gh_wechatpy_account",
        wecom: bool = False,
        agent_id: str = "",
    ) -> None:
        self.url = base_url.rstrip("/") + ("/webhooks/wecom/webhook" if wecom else "/webhooks/wechat/webhook")
        self.token, self.appid, self.wecom, self.agent_id = token, appid, wecom, agent_id
        self.account = appid if wecom else account  # WeCom messages go to the CorpID
        self.crypto: Any = (WeComCrypto if wecom else WeChatCrypto)(token, aes_key, appid) if aes_key else None
        self._msg_id = int(time.time() * 1000) * 1000

    # -- bodies -------------------------------------------------------------------------------------

    def render(self, cls: type[BaseMessage], **values: Any) -> str:
        """One inbound message of wechatpy class `cls`; values by wechatpy's attribute names."""
        values = {"target": self.account, "time": int(time.time()), **values}
        if cls.type != "event":
            self._msg_id += 1
            values.setdefault("id", self._msg_id)
        if self.wecom:
            values.setdefault("agent", int(self.agent_id))
        nodes = [StringField("MsgType").to_xml(cls.type)]
        if cls.type == "event":
            nodes.append(StringField("Event").to_xml(cls.event))
        nodes += [cls._fields[name].to_xml(value) for name, value in values.items()]  # type: ignore[attr-defined]
        xml = "<xml>\n" + "\n".join(nodes) + "\n</xml>"
        parsed = (parse_wecom_message if self.wecom else parse_message)(xml)
        assert type(parsed) is cls, f"wechatpy reads the rendered XML as {type(parsed).__name__}"
        return xml

    def query(self, encrypted: str | None = None, timestamp: str = "", nonce: str = "") -> dict[str, str]:
        ts, nonce = timestamp or str(int(time.time())), nonce or str(secrets.randbelow(10**9))
        q = {"timestamp": ts, "nonce": nonce}
        if not self.wecom:
            q |= {"signature": sign(self.token, ts, nonce), "openid": "o_query_openid"}
        if encrypted is not None:
            q["msg_signature"] = sign(self.token, ts, nonce, encrypted)
            if not self.wecom:
                q["encrypt_type"] = "aes"
        return q

    def seal(self, xml: str) -> tuple[str, dict[str, str]]:
        """Safe mode: wechatpy encrypts and signs; the body carries only the receiver and Encrypt."""
        ts, nonce = str(int(time.time())), str(secrets.randbelow(10**9))
        sealed = xmltodict.parse(self.crypto.encrypt_message(xml, nonce, ts))["xml"]
        q = self.query(timestamp=ts, nonce=nonce)
        q["msg_signature"] = sealed["MsgSignature"]
        if not self.wecom:
            q["encrypt_type"] = "aes"
        agent = IntegerField("AgentID").to_xml(int(self.agent_id)) if self.wecom else ""
        to = StringField("ToUserName").to_xml(self.account)
        return f"<xml>{to}{agent}{StringField('Encrypt').to_xml(sealed['Encrypt'])}</xml>", q

    def encrypted_echostr(self, plain: str) -> str:
        """WeCom's URL check sends the echostr encrypted for the CorpID."""
        return str(to_text(WeComPrpCrypto(self.crypto.key).encrypt(plain, self.appid)))

    # -- replies ------------------------------------------------------------------------------------

    def read_reply(self, body: str) -> tuple[BaseMessage, bool]:
        """(the reply as wechatpy parses it, whether it was encrypted); decrypt_message checks MsgSignature."""
        fields = xmltodict.parse(body)["xml"]
        encrypted = "Encrypt" in fields
        if encrypted:
            assert self.crypto is not None, "an encrypted reply, but no key"
            body = self.crypto.decrypt_message(body, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"])
        return (parse_wecom_message if self.wecom else parse_message)(body), encrypted

    # -- HTTP ---------------------------------------------------------------------------------------

    async def post(self, body: str, params: dict[str, str]) -> tuple[int, str]:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session,
            session.post(self.url, params=params, data=body.encode("utf-8"), headers={"Content-Type": "text/xml"}) as r,
        ):
            return r.status, await r.text()

    async def send(self, cls: type[BaseMessage], **values: Any) -> tuple[int, str]:
        """One message rendered, sealed when a key is set (safe mode) and posted."""
        xml = self.render(cls, **values)
        return await (self.post(*self.seal(xml)) if self.crypto is not None else self.post(xml, self.query()))

    async def get(self, params: dict[str, str]) -> tuple[int, str]:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session,
            session.get(self.url, params=params) as r,
        ):
            return r.status, await r.text()
