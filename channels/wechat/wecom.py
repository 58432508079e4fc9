"""WeCom (企业微信) self-built app input channel: /webhooks/wecom/webhook.

Same engine as the Official Account, with WeCom's differences: always
encrypted (the URL check decrypts `echostr` and returns the plaintext), the
trailing id is the CorpID, the sender is the member's UserID, there is no
speech recognition, and slow answers go out through the app message API.
Registered in credentials.yml as `channels.wechat.wecom.WeComInput:`; settings
from WECOM_TOKEN, WECOM_CORPID, WECOM_ENCODING_AES_KEY, WECOM_AGENTID,
WECOM_SECRET, WECOM_API_BASE (default https://qyapi.weixin.qq.com).
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
from channels.wechat.api import ApiClient, CorpToken, WeComMessages
from channels.wechat.core import DEADLINE_S, Engine, OnNewMessage, WeComOutput
from channels.wechat.crypto import CryptoError, MessageCrypto
from channels.wechat.store import Store
from channels.wechat.webhook import Refused, arg
from channels.wechat.xmlmsg import Inbound

logger = logging.getLogger(__name__)

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
        env = os.environ if env is None else env
        return cls(
            token=env.get("WECOM_TOKEN", "").strip(),
            corpid=env.get("WECOM_CORPID", "").strip(),
            aes_key=env.get("WECOM_ENCODING_AES_KEY", "").strip(),
            agent_id=env.get("WECOM_AGENTID", "").strip(),
            secret=env.get("WECOM_SECRET", "").strip(),
            api_base=env.get("WECOM_API_BASE", "").strip() or DEFAULT_API_BASE,
        )

    def problem(self) -> str | None:
        missing = [
            n
            for n, v in (
                ("WECOM_TOKEN", self.token),
                ("WECOM_CORPID", self.corpid),
                ("WECOM_ENCODING_AES_KEY", self.aes_key),
            )
            if not v
        ]
        return f"{', '.join(missing)} not set" if missing else None


class WeComInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "wecom"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls()

    def __init__(
        self,
        config: WeComConfig | None = None,
        store: Store | None = None,
        deadline_s: float = DEADLINE_S,
    ) -> None:
        self.config = config or WeComConfig.from_env()
        self.problem = self.config.problem()
        self.crypto: MessageCrypto | None = None
        if not self.problem:
            try:
                self.crypto = MessageCrypto(self.config.token, self.config.aes_key, self.config.corpid)
            except ValueError as exc:
                self.problem = f"WECOM_ENCODING_AES_KEY is invalid: {exc}"
        if self.problem:
            logger.error("wecom channel refuses every request: %s", self.problem)
        self.store = store or Store()
        pusher = None
        if self.config.secret and self.config.agent_id:
            tokens = CorpToken(self.config.api_base, self.config.corpid, self.config.secret)
            pusher = WeComMessages(
                ApiClient(self.config.api_base, tokens, self.store),
                self.config.agent_id,
            )
        self.engine = Engine(
            self.name(),
            self.store,
            pusher,
            pusher is None,
            deadline_s,
            WeComOutput,
            WECOM_WINDOW,
            WECOM_WINDOW,
        )

    async def push(self, recipient_id: str, text: str) -> bool:
        """Staff replies (channels/bridge.py): sent through the WeCom API, else held."""
        return await self.engine.deliver(recipient_id, guard.outbound(text, False) or "")

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        bp = Blueprint("wecom_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if not self.problem else "not configured"})

        @bp.route("/webhook", methods=["GET", "POST"])
        async def webhook_route(request: Request) -> HTTPResponse:
            if self.problem or self.crypto is None:
                logger.error("wecom: request refused: %s", self.problem)
                return response.text("channel not configured", status=403)
            try:
                if request.method == "GET":
                    return self._verify(request, self.crypto)
                return await self._receive(request, self.crypto, on_new_message)
            except Refused as exc:
                logger.warning("wecom: request refused (%s): %s", exc.status, exc.reason)
                return response.text(exc.reason, status=exc.status)

        return bp

    def _verify(self, request: Request, crypto: MessageCrypto) -> HTTPResponse:
        """URL check: the echostr is encrypted; answer its plaintext. Fresh and used once, as POSTs."""
        echostr = arg(request, "echostr")
        ts, nonce, sig = arg(request, "timestamp"), arg(request, "nonce"), arg(request, "msg_signature")
        if not crypto.check(sig, ts, nonce, echostr):
            raise Refused(403, "bad msg_signature")
        webhook.check_fresh(ts)
        try:
            plain = crypto.decrypt(echostr).text
        except CryptoError as exc:
            raise Refused(403, f"cannot decrypt echostr: {exc}") from None
        if not webhook.check_unused(self.store, self.name(), ts, nonce, sig, b"GET " + echostr.encode()):
            raise Refused(403, "signature already used (replay)")
        return response.text(plain)

    async def _receive(self, request: Request, crypto: MessageCrypto, on_new_message: OnNewMessage) -> HTTPResponse:
        ts, nonce, sig = arg(request, "timestamp"), arg(request, "nonce"), arg(request, "msg_signature")
        webhook.check_fresh(ts)
        body = webhook.read_body(request)
        outer = webhook.parse(body)
        # always safe mode: only an encrypted body with a valid msg_signature (no plaintext fallback)
        fields, opened = webhook.open_envelope(outer, crypto, sig, ts, nonce)
        if not webhook.check_unused(self.store, self.name(), ts, nonce, sig, body):
            return response.text("")
        msg = Inbound.from_fields(fields)
        if self.config.agent_id and msg.agent_id and msg.agent_id != self.config.agent_id:
            raise Refused(403, "message for another agent")
        sender = guard.valid_sender(msg.from_user)
        if not msg.is_valid() or sender is None:
            raise Refused(400, "message without sender, type or time")
        turn = webhook.turn_for(msg, self.engine, sender)
        text = await self.engine.answer(turn, on_new_message, request.app) if turn else None
        if not text:
            return response.text("")
        return response.text(webhook.reply_xml(msg, text, crypto, opened), content_type="application/xml")
