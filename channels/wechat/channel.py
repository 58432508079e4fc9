"""WeChat Official Account (公众号) input channel: /webhooks/wechat/webhook.

Registered in credentials.yml as `channels.wechat.channel.WeChatInput:` and
configured from the environment, so no secret sits in a committed file:
WECHAT_TOKEN, WECHAT_APPID, WECHAT_ENCODING_AES_KEY (safe mode: only encrypted
bodies with a valid msg_signature), WECHAT_COMPATIBLE (1: compatible mode, plaintext
bodies accepted too), WECHAT_ENCODING_AES_KEY_PREVIOUS (key rotation), WECHAT_APPSECRET (pushes of
slow answers through the customer-service API), WECHAT_PASSIVE_ONLY (accounts
without that API: hold slow answers for the user's next message),
WECHAT_API_BASE (default https://api.weixin.qq.com; tests point it at a fake).
Without a token every request is refused and the log says why (fail closed).
Every request (GET URL check too) must be fresh (timestamp within 300 s) and its
signed URL unused (SECURITY.md). What both channels share is in base.py; here is
what the Official Account does its own way: the URL signature covers every request,
the key is optional (plain, compatible and safe modes) and pushes go through the
customer-service API.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sanic.request import Request

from channels.wechat import webhook
from channels.wechat.api import ApiClient, CustomerService, StableToken
from channels.wechat.base import WeChatBase, environ, flag, setting
from channels.wechat.core import Pusher, WeChatOutput
from channels.wechat.crypto import Decrypted, MessageCrypto, check_signature
from channels.wechat.webhook import Refused, arg

DEFAULT_API_BASE = "https://api.weixin.qq.com"
SUCCESS = "success"  # stops the platform's retries without saying anything


@dataclass(frozen=True)
class WeChatConfig:
    token: str = ""
    appid: str = ""
    aes_key: str = ""
    aes_key_previous: str = ""
    compatible: bool = False  # with a key: also accept plaintext bodies (兼容模式); only when set explicitly
    appsecret: str = ""
    passive_only: bool = False
    api_base: str = DEFAULT_API_BASE

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> WeChatConfig:
        env = environ(env)
        return cls(
            token=setting(env, "WECHAT_TOKEN"),
            appid=setting(env, "WECHAT_APPID"),
            aes_key=setting(env, "WECHAT_ENCODING_AES_KEY"),
            aes_key_previous=setting(env, "WECHAT_ENCODING_AES_KEY_PREVIOUS"),
            compatible=flag(env, "WECHAT_COMPATIBLE"),
            appsecret=setting(env, "WECHAT_APPSECRET"),
            passive_only=flag(env, "WECHAT_PASSIVE_ONLY"),
            api_base=setting(env, "WECHAT_API_BASE", DEFAULT_API_BASE),
        )

    def problem(self) -> str | None:
        """Why the channel must refuse everything, or None."""
        if not self.token:
            return "WECHAT_TOKEN is not set"
        if self.aes_key and not self.appid:
            return "WECHAT_ENCODING_AES_KEY is set but WECHAT_APPID is not"
        return None


class WeChatInput(WeChatBase[WeChatConfig]):
    NOTHING = SUCCESS
    KEY_SETTING = "WECHAT_ENCODING_AES_KEY(_PREVIOUS)"
    OUTPUT = WeChatOutput

    @classmethod
    def name(cls) -> str:
        return "wechat"

    @classmethod
    def settings_from_env(cls) -> WeChatConfig:
        return WeChatConfig.from_env()

    def make_crypto(self) -> MessageCrypto | None:
        c = self.config
        if not c.aes_key:
            return None  # plain mode
        crypto = MessageCrypto(c.token, c.aes_key, c.appid, c.aes_key_previous or None)
        mode = "compatible (plaintext accepted)" if c.compatible else "safe (encrypted bodies only)"
        self.log.info("wechat channel: %s mode", mode)
        return crypto

    def make_pusher(self) -> Pusher | None:
        c = self.config
        if not (c.appsecret and c.appid and not c.passive_only):
            return None
        return CustomerService(ApiClient(c.api_base, StableToken(c.api_base, c.appid, c.appsecret), self.store))

    def passive_only(self) -> bool:
        return self.config.passive_only

    def check_url_signature(self, request: Request, timestamp: str, nonce: str) -> str:
        signature = arg(request, "signature")
        if not check_signature(signature, self.config.token, timestamp, nonce):
            raise Refused(403, "bad signature")
        return signature

    def url_answer(self, request: Request) -> tuple[str, bytes]:
        return arg(request, "echostr"), b"GET " + request.query_string.encode()

    def message_signature(self, request: Request, timestamp: str, nonce: str) -> str:
        return self.check_url_signature(request, timestamp, nonce)  # signs every request, the body not

    def open_message(
        self, request: Request, fields: dict[str, str], signature: str, timestamp: str, nonce: str
    ) -> tuple[dict[str, str], Decrypted | None]:
        encrypted = "Encrypt" in fields or arg(request, "encrypt_type").lower() == "aes"
        if self.crypto is not None:
            if not encrypted and not self.config.compatible:
                # safe mode: the URL signature does not cover the body, so a plaintext body could be anyone's
                raise Refused(403, "plaintext body refused in safe mode (WECHAT_COMPATIBLE=1 allows it)")
            if encrypted:
                return webhook.open_envelope(fields, self.crypto, arg(request, "msg_signature"), timestamp, nonce)
        elif encrypted and not fields.get("FromUserName"):
            # plain mode (no key): a compatible-mode body is read by its plain fields, a safe-mode one cannot be
            raise Refused(400, "encrypted message but WECHAT_ENCODING_AES_KEY is not set")
        return fields, None
