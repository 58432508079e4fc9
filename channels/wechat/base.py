"""What both WeChat input channels share: settings, set-up, routes, the order of the checks, push.

A channel (channel.py: Official Account, wecom.py: WeCom) says only how its platform
signs, encrypts and pushes. Here, once for both: a channel without a usable
configuration refuses every request (fail closed) and says why in the log; every
request, the GET URL check too, is signed, fresh (webhook.FRESH_S) and its signed URL
used once; a message is checked, reduced to a turn and answered through the shared
engine (core.py); staff replies are pushed through the same engine.
"""

from __future__ import annotations

import logging
import os
from abc import ABCMeta, abstractmethod
from collections.abc import Mapping
from typing import Any, Generic, Protocol, TypeVar

from rasa.core.channels.channel import InputChannel  # type: ignore[import-untyped]
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import guard
from channels.wechat import core, webhook
from channels.wechat.core import DEADLINE_S, Engine, OnNewMessage, Pusher, WeChatOutput
from channels.wechat.crypto import Decrypted, MessageCrypto
from channels.wechat.store import Store
from channels.wechat.webhook import Refused, arg
from channels.wechat.xmlmsg import Inbound


def environ(env: Mapping[str, str] | None) -> Mapping[str, str]:
    """The settings to read: the given mapping (tests), else the process environment."""
    return os.environ if env is None else env


def setting(env: Mapping[str, str], name: str, default: str = "") -> str:
    """A setting without surrounding blanks; `default` when unset or blank."""
    return env.get(name, "").strip() or default


def flag(env: Mapping[str, str], name: str) -> bool:
    return setting(env, name).lower() in {"1", "true", "yes", "on"}


class Settings(Protocol):
    def problem(self) -> str | None:
        """Why the channel must refuse everything, or None."""


S = TypeVar("S", bound=Settings)


class WeChatBase(InputChannel, Generic[S], metaclass=ABCMeta):
    NOTHING = ""  # the passive reply that says nothing (and stops the platform's retries)
    KEY_SETTING = ""  # the setting named when the key is unusable
    OUTPUT: type[WeChatOutput] = WeChatOutput  # selects the `channel:` response variants
    MESSAGE_WINDOW = core.MESSAGE_WINDOW  # pushes allowed after a user message: (seconds, messages)
    EVENT_WINDOW = core.EVENT_WINDOW  # ... after an event

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls()  # settings come from the environment, never from credentials.yml

    def __init__(self, config: S | None = None, store: Store | None = None, deadline_s: float = DEADLINE_S) -> None:
        self.log = logging.getLogger(type(self).__module__)
        self.config: S = config or self.settings_from_env()
        self.problem = self.config.problem()
        self.crypto: MessageCrypto | None = None
        if not self.problem:
            try:
                self.crypto = self.make_crypto()
            except ValueError as exc:
                self.problem = f"{self.KEY_SETTING} is invalid: {exc}"
        if self.problem:
            self.log.error("%s channel refuses every request: %s", self.name(), self.problem)
        self.store = store or Store()
        pusher = self.make_pusher()
        self.engine = Engine(
            self.name(),
            self.store,
            pusher,
            self.passive_only(),
            deadline_s,
            self.OUTPUT,
            self.MESSAGE_WINDOW,
            self.EVENT_WINDOW,
        )

    # --- what differs between the platforms

    @classmethod
    @abstractmethod
    def settings_from_env(cls) -> S: ...

    @abstractmethod
    def make_crypto(self) -> MessageCrypto | None:
        """The message crypto of a configuration without problem; None: plaintext only."""

    @abstractmethod
    def make_pusher(self) -> Pusher | None:
        """The platform API that pushes late answers; None: hold them for the next message."""

    def passive_only(self) -> bool:
        """Never push, even with a pusher (the engine is passive without one anyway)."""
        return False

    @abstractmethod
    def check_url_signature(self, request: Request, timestamp: str, nonce: str) -> str:
        """The URL check's signature, checked (else Refused)."""

    @abstractmethod
    def url_answer(self, request: Request) -> tuple[str, bytes]:
        """The URL check's answer, and what its signed URL is recorded with."""

    @abstractmethod
    def message_signature(self, request: Request, timestamp: str, nonce: str) -> str:
        """The signature a message's signed URL is recorded by (checked here, or in `open_message`)."""

    @abstractmethod
    def open_message(
        self, request: Request, fields: dict[str, str], signature: str, timestamp: str, nonce: str
    ) -> tuple[dict[str, str], Decrypted | None]:
        """The message's fields, decrypted if they came encrypted (else Refused)."""

    def check_message(self, msg: Inbound) -> None:
        """A last platform check of an opened message (Refused when it fails)."""

    # --- the same for both

    async def push(self, recipient_id: str, text: str) -> bool:
        """Staff replies (channels/bridge.py): sent through the platform API within its quota, else held."""
        return await self.engine.deliver(recipient_id, guard.outbound(text, False) or "")

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        bp = Blueprint(f"{self.name()}_webhook", type(self).__module__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if not self.problem else "not configured"})

        @bp.route("/webhook", methods=["GET", "POST"])
        async def webhook_route(request: Request) -> HTTPResponse:
            if self.problem:
                self.log.error("%s: request refused: %s", self.name(), self.problem)
                return response.text("channel not configured", status=403)
            try:
                if request.method == "GET":
                    return self._verify(request)
                return await self._receive(request, on_new_message)
            except Refused as exc:
                self.log.warning("%s: request refused (%s): %s", self.name(), exc.status, exc.reason)
                return response.text(exc.reason, status=exc.status)

        return bp

    def _verify(self, request: Request) -> HTTPResponse:
        """The platform's URL check: signed, fresh and used once, as messages are."""
        ts, nonce = arg(request, "timestamp"), arg(request, "nonce")
        signature = self.check_url_signature(request, ts, nonce)
        webhook.check_fresh(ts)
        answer, signed = self.url_answer(request)
        # the same signature would sign a POST with these timestamp and nonce: use it up
        if not webhook.check_unused(self.store, self.name(), ts, nonce, signature, signed):
            raise Refused(403, "signature already used (replay)")
        return response.text(answer)

    async def _receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        ts, nonce = arg(request, "timestamp"), arg(request, "nonce")
        signature = self.message_signature(request, ts, nonce)
        webhook.check_fresh(ts)
        body = webhook.read_body(request)
        fields, opened = self.open_message(request, webhook.parse(body), signature, ts, nonce)
        if not webhook.check_unused(self.store, self.name(), ts, nonce, signature, body):
            return response.text(self.NOTHING)
        msg = Inbound.from_fields(fields)
        self.check_message(msg)
        sender = guard.valid_sender(msg.from_user)
        if not msg.is_valid() or sender is None:
            raise Refused(400, "message without sender, type or time")
        turn = webhook.turn_for(msg, self.engine, sender)
        text = await self.engine.answer(turn, on_new_message, request.app) if turn else None
        if not text:
            return response.text(self.NOTHING)
        return response.text(webhook.reply_xml(msg, text, self.crypto, opened), content_type="application/xml")
