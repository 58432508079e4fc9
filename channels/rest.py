"""REST channel (`/webhooks/rest/webhook`) with the input guard.

Differences from Rasa's RestInput: a body that is not a JSON object, a missing
or malformed sender, or a non-text message gets a 400 with a reason (Rasa would
put everyone in one "default" conversation or answer 200 with nothing);
messages are cleaned, capped and masked; Traditional writers get Traditional
replies; failures are logged and answered with a 503 instead of an empty 200.
`?stream=true` answers one JSON message per line, as Rasa's RestInput does, so Rasa's
console client (`make shell`) shows the replies; the replies are all there when it starts.

Not a public read path (loanwhy/rest_auth.py, SECURITY.md): with LOANWHY_REST_TOKEN set
every request needs `Authorization: Bearer <token>`; without it only loopback requests
that came through no proxy are served; everything else gets 403. The client's `sender`
is namespaced: the conversation is `rest:<sender>` (loanwhy/conversations.py), so a REST
client can never name a widget, WeChat or WeCom conversation.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import rasa.utils.endpoints
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import guard
from loanwhy import conversations, handoff, ratelimit, rest_auth

logger = logging.getLogger(__name__)
MAX_BODY_BYTES = 512 * 1024
REPLY_TIMEOUT_S = 10.0  # Rasa waits up to 300 s for the action server; the user should not
TOO_LARGE = "body larger than"


class GuardedOutput(CollectingOutputChannel):
    """Collects replies, converting text for Traditional writers and masking numbers."""

    def __init__(self, traditional: bool = False) -> None:
        super().__init__()
        self.traditional = traditional

    @classmethod
    def name(cls) -> str:
        return "rest"

    async def _persist_message(self, message: dict[str, Any]) -> None:
        if message.get("text"):
            message["text"] = guard.outbound(message["text"], self.traditional)
        if message.get("custom") is not None:
            message["custom"] = guard.outbound_payload(message["custom"], self.traditional)
        for b in message.get("buttons") or []:
            if isinstance(b, dict) and b.get("title"):
                b["title"] = guard.outbound(b["title"], self.traditional)
        await super()._persist_message(message)


def parse_body(request: Request, max_bytes: int = MAX_BODY_BYTES) -> tuple[dict[str, Any] | None, str]:
    """The JSON object of a request, or (None, reason); shared by every JSON webhook here."""
    body = request.body or b""
    if len(body) > max_bytes:
        return None, f"{TOO_LARGE} {max_bytes} bytes"
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, "body must be UTF-8 JSON"
    if not isinstance(data, dict):
        return None, "body must be a JSON object"
    return data, ""


def fixed_reply(request: Request, name: str) -> list[dict[str, Any]]:
    """A domain response sent without NLU (for empty input)."""
    agent = getattr(request.app.ctx, "agent", None)
    texts = agent.domain.responses.get(name, []) if agent and agent.domain else []
    return [{"recipient_id": "", "text": texts[0]["text"]}] if texts else []


def reply(request: Request, messages: list[dict[str, Any]]) -> HTTPResponse:
    """The answer as a JSON list, or with `?stream=true` as Rasa's RestInput streams it: one JSON
    message per line (`rasa shell` and Rasa's console client read replies that way)."""
    if not rasa.utils.endpoints.bool_arg(request, "stream", default=False):
        return response.json(messages)
    body = "".join(json.dumps(m, ensure_ascii=False) + "\n" for m in messages)
    return response.text(body, content_type="text/event-stream; charset=utf-8")


class GuardedRestInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("guarded_rest_webhook", __name__)
        gate = ratelimit.Gate()

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            refused = rest_auth.check(request.headers, request.ip, query_token=request.args.get("token"))
            if refused:
                logger.warning("REST request from %s refused: %s", request.ip, refused)
                return response.json({"error": "forbidden"}, status=403)
            data, problem = parse_body(request)
            if data is None:
                return response.json({"error": problem}, status=413 if problem.startswith(TOO_LARGE) else 400)
            given = guard.valid_sender(data.get("sender"))
            if given is None:
                return response.json({"error": "a non-empty string 'sender' is required"}, status=400)
            sender = conversations.make(self.name(), given)  # never another channel's conversation
            message = data.get("message")
            if message is not None and not isinstance(message, str):
                return response.json({"error": "'message' must be a string"}, status=400)
            address, local = ratelimit.client_address(request.ip, request.headers)
            limited = gate.refuse(sender, address, local)
            if limited:
                logger.warning("REST: too many messages per %s (%s)", limited, "local" if local else "remote")
                return response.json(
                    {"error": "too many messages; try again later"}, status=429, headers={"Retry-After": "10"}
                )
            metadata = guard.metadata(data.get("metadata"), source=ratelimit.source_id(address))
            clean = guard.inbound(message)
            if clean.empty:
                return reply(request, fixed_reply(request, "utter_empty_message"))
            collector = GuardedOutput(clean.traditional)
            try:
                await asyncio.wait_for(
                    on_new_message(
                        UserMessage(clean.text, collector, sender, input_channel=self.name(), metadata=metadata)
                    ),
                    timeout=REPLY_TIMEOUT_S,
                )
            except asyncio.CancelledError:
                logger.warning("message from %s cancelled", sender)
                return response.json({"error": "cancelled"}, status=503)
            except asyncio.TimeoutError:
                logger.error("no reply for %s within %s s (action server slow?)", sender, REPLY_TIMEOUT_S)
                return response.json(fixed_reply(request, "utter_server_error"), status=503)
            except Exception:
                logger.exception("failed to handle a message from %s", sender)
                return response.json(fixed_reply(request, "utter_server_error"), status=503)
            messages = collector.messages
            if not messages and not handoff.is_handed_off(sender):
                # an action failed (action server down): Rasa logs it and answers nothing
                logger.error("empty reply for %s: answering utter_server_error", sender)
                messages = fixed_reply(request, "utter_server_error")
            if clean.privacy:
                messages = fixed_reply(request, clean.privacy) + messages
            if clean.truncated:
                messages = fixed_reply(request, "utter_message_truncated") + messages
            return reply(request, messages)

        return bp
