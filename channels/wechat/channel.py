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
signed URL unused (SECURITY.md).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import InputChannel  # type: ignore[import-untyped]
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import guard
from channels.wechat import webhook
from channels.wechat.api import ApiClient, CustomerService, StableToken
from channels.wechat.core import DEADLINE_S, Engine, OnNewMessage, WeChatOutput
from channels.wechat.crypto import MessageCrypto, check_signature
from channels.wechat.store import Store
from channels.wechat.webhook import Refused, arg
from channels.wechat.xmlmsg import Inbound

logger = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.weixin.qq.com"
SUCCESS = "success"  # stops the platform's retries without saying anything


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


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
        env = os.environ if env is None else env
        return cls(
            token=env.get("WECHAT_TOKEN", "").strip(),
            appid=env.get("WECHAT_APPID", "").strip(),
            aes_key=env.get("WECHAT_ENCODING_AES_KEY", "").strip(),
            aes_key_previous=env.get("WECHAT_ENCODING_AES_KEY_PREVIOUS", "").strip(),
            compatible=_flag(env.get("WECHAT_COMPATIBLE")),
            appsecret=env.get("WECHAT_APPSECRET", "").strip(),
            passive_only=_flag(env.get("WECHAT_PASSIVE_ONLY")),
            api_base=env.get("WECHAT_API_BASE", "").strip() or DEFAULT_API_BASE,
        )

    def problem(self) -> str | None:
        """Why the channel must refuse everything, or None."""
        if not self.token:
            return "WECHAT_TOKEN is not set"
        if self.aes_key and not self.appid:
            return "WECHAT_ENCODING_AES_KEY is set but WECHAT_APPID is not"
        return None


class WeChatInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls()

    def __init__(
        self,
        config: WeChatConfig | None = None,
        store: Store | None = None,
        deadline_s: float = DEADLINE_S,
    ) -> None:
        self.config = config or WeChatConfig.from_env()
        self.problem = self.config.problem()
        self.crypto: MessageCrypto | None = None
        if not self.problem and self.config.aes_key:
            try:
                self.crypto = MessageCrypto(
                    self.config.token,
                    self.config.aes_key,
                    self.config.appid,
                    self.config.aes_key_previous or None,
                )
            except ValueError as exc:
                self.problem = f"WECHAT_ENCODING_AES_KEY(_PREVIOUS) is invalid: {exc}"
        if self.problem:
            logger.error("wechat channel refuses every request: %s", self.problem)
        elif self.crypto is not None:
            mode = "compatible (plaintext accepted)" if self.config.compatible else "safe (encrypted bodies only)"
            logger.info("wechat channel: %s mode", mode)
        self.store = store or Store()
        pusher = None
        if self.config.appsecret and self.config.appid and not self.config.passive_only:
            tokens = StableToken(self.config.api_base, self.config.appid, self.config.appsecret)
            pusher = CustomerService(ApiClient(self.config.api_base, tokens, self.store))
        self.engine = Engine(
            self.name(),
            self.store,
            pusher,
            self.config.passive_only,
            deadline_s,
            WeChatOutput,
        )

    async def push(self, recipient_id: str, text: str) -> bool:
        """Staff replies (channels/bridge.py): customer-service API within quota, else held."""
        return await self.engine.deliver(recipient_id, guard.outbound(text, False) or "")

    def _refuse_unconfigured(self) -> HTTPResponse | None:
        if self.problem:
            logger.error("wechat: request refused: %s", self.problem)
            return response.text("channel not configured", status=403)
        return None

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        bp = Blueprint("wechat_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if not self.problem else "not configured"})

        @bp.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            refused = self._refuse_unconfigured()
            if refused:
                return refused
            ts, nonce, sig = arg(request, "timestamp"), arg(request, "nonce"), arg(request, "signature")
            if not check_signature(sig, self.config.token, ts, nonce):
                logger.warning("wechat: URL verification with a bad signature")
                return response.text("bad signature", status=403)
            try:
                webhook.check_fresh(ts)
                # the same signature would sign a POST with these timestamp and nonce: use it up
                if not webhook.check_unused(
                    self.store, self.name(), ts, nonce, sig, b"GET " + request.query_string.encode()
                ):
                    raise Refused(403, "signature already used (replay)")
            except Refused as exc:
                logger.warning("wechat: URL verification refused: %s", exc.reason)
                return response.text(exc.reason, status=exc.status)
            return response.text(arg(request, "echostr"))

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            refused = self._refuse_unconfigured()
            if refused:
                return refused
            try:
                return await self._receive(request, on_new_message)
            except Refused as exc:
                logger.warning("wechat: request refused (%s): %s", exc.status, exc.reason)
                return response.text(exc.reason, status=exc.status)

        return bp

    async def _receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        ts, nonce, sig = arg(request, "timestamp"), arg(request, "nonce"), arg(request, "signature")
        if not check_signature(sig, self.config.token, ts, nonce):
            raise Refused(403, "bad signature")
        webhook.check_fresh(ts)
        body = webhook.read_body(request)
        fields = webhook.parse(body)
        opened = None
        encrypted = "Encrypt" in fields or arg(request, "encrypt_type").lower() == "aes"
        if self.crypto is not None:
            if not encrypted and not self.config.compatible:
                # safe mode: the URL signature does not cover the body, so a plaintext body could be anyone's
                raise Refused(403, "plaintext body refused in safe mode (WECHAT_COMPATIBLE=1 allows it)")
            if encrypted:
                fields, opened = webhook.open_envelope(fields, self.crypto, arg(request, "msg_signature"), ts, nonce)
        elif encrypted and not fields.get("FromUserName"):
            # plain mode (no key): a compatible-mode body is read by its plain fields, a safe-mode one cannot be
            raise Refused(400, "encrypted message but WECHAT_ENCODING_AES_KEY is not set")
        if not webhook.check_unused(self.store, self.name(), ts, nonce, sig, body):
            return response.text(SUCCESS)
        msg = Inbound.from_fields(fields)
        sender = guard.valid_sender(msg.from_user)
        if not msg.is_valid() or sender is None:
            raise Refused(400, "message without sender, type or time")
        turn = webhook.turn_for(msg, self.engine, sender)
        text = await self.engine.answer(turn, on_new_message, request.app) if turn else None
        if not text:
            return response.text(SUCCESS)
        return response.text(
            webhook.reply_xml(msg, text, self.crypto, opened),
            content_type="application/xml",
        )
