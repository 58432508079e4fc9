"""WeCom (企业微信) self-built app input channel: /webhooks/wecom/webhook.

Same engine and request steps as the Official Account (base.py), with WeCom's
differences: always encrypted (the URL check decrypts `echostr` and returns the
plaintext; a message is signed by its msg_signature only), the trailing id is the
CorpID, the sender is the member's UserID, a message must be for our AgentId, there
is no speech recognition, and slow answers go out through the app message API.
Registered in credentials.yml as `channels.wechat.wecom.WeComInput:`; settings
from WECOM_TOKEN, WECOM_CORPID, WECOM_ENCODING_AES_KEY, WECOM_AGENTID,
WECOM_SECRET, WECOM_API_BASE (default https://qyapi.weixin.qq.com).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sanic.request import Request

from channels.wechat import webhook
from channels.wechat.api import ApiClient, CorpToken, WeComMessages
from channels.wechat.base import WeChatBase, environ, setting
from channels.wechat.core import Pusher, WeComOutput
from channels.wechat.crypto import CryptoError, Decrypted, MessageCrypto
from channels.wechat.webhook import Refused, arg
from channels.wechat.xmlmsg import Inbound

DEFAULT_API_BASE = "https://qyapi.weixin.qq.com"
WECOM_WINDOW = (60.0, 30)  # WeCom allows 30 app messages a minute per member


@dataclass(frozen=True)
class WeComConfig:
    token: str = ""
    corpid: str = ""
    aes_key: str = ""
    agent_id: str = ""
    secret: str = ""
    api_base: str = DEFAULT_API_BASE

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> WeComConfig:
        env = environ(env)
        return cls(
            token=setting(env, "WECOM_TOKEN"),
            corpid=setting(env, "WECOM_CORPID"),
            aes_key=setting(env, "WECOM_ENCODING_AES_KEY"),
            agent_id=setting(env, "WECOM_AGENTID"),
            secret=setting(env, "WECOM_SECRET"),
            api_base=setting(env, "WECOM_API_BASE", DEFAULT_API_BASE),
        )

    def problem(self) -> str | None:
        """Why the channel must refuse everything, or None."""
        required = (
            ("WECOM_TOKEN", self.token),
            ("WECOM_CORPID", self.corpid),
            ("WECOM_ENCODING_AES_KEY", self.aes_key),
        )
        missing = [name for name, value in required if not value]
        return f"{', '.join(missing)} not set" if missing else None


class WeComInput(WeChatBase[WeComConfig]):
    NOTHING = ""
    KEY_SETTING = "WECOM_ENCODING_AES_KEY"
    OUTPUT = WeComOutput
    MESSAGE_WINDOW = EVENT_WINDOW = WECOM_WINDOW

    @classmethod
    def name(cls) -> str:
        return "wecom"

    @classmethod
    def settings_from_env(cls) -> WeComConfig:
        return WeComConfig.from_env()

    def make_crypto(self) -> MessageCrypto:
        return MessageCrypto(self.config.token, self.config.aes_key, self.config.corpid)

    def make_pusher(self) -> Pusher | None:
        c = self.config
        if not (c.secret and c.agent_id):
            return None
        return WeComMessages(ApiClient(c.api_base, CorpToken(c.api_base, c.corpid, c.secret), self.store), c.agent_id)

    def _crypto(self) -> MessageCrypto:
        if self.crypto is None:  # a configuration with a problem: every request was refused before this
            raise Refused(403, "channel not configured")
        return self.crypto

    def check_url_signature(self, request: Request, timestamp: str, nonce: str) -> str:
        signature = arg(request, "msg_signature")
        if not self._crypto().check(signature, timestamp, nonce, arg(request, "echostr")):
            raise Refused(403, "bad msg_signature")
        return signature

    def url_answer(self, request: Request) -> tuple[str, bytes]:
        """The echostr is encrypted: the answer is its plaintext."""
        echostr = arg(request, "echostr")
        try:
            plain = self._crypto().decrypt(echostr).text
        except CryptoError as exc:
            raise Refused(403, f"cannot decrypt echostr: {exc}") from None
        return plain, b"GET " + echostr.encode()

    def message_signature(self, request: Request, timestamp: str, nonce: str) -> str:
        return arg(request, "msg_signature")  # signs the encrypted body: checked when it is opened

    def open_message(
        self, request: Request, fields: dict[str, str], signature: str, timestamp: str, nonce: str
    ) -> tuple[dict[str, str], Decrypted | None]:
        # always safe mode: only an encrypted body with a valid msg_signature (no plaintext fallback)
        return webhook.open_envelope(fields, self._crypto(), signature, timestamp, nonce)

    def check_message(self, msg: Inbound) -> None:
        if self.config.agent_id and msg.agent_id and msg.agent_id != self.config.agent_id:
            raise Refused(403, "message for another agent")
