"""Staff replies into live conversations: `POST /webhooks/staff_bridge/reply`.

The staff console runs in another process; it posts `{sender_id, text, staff}`
here with the shared secret in `X-Staff-Token` (env LOANWHY_STAFF_TOKEN). The
reply is appended to the conversation's tracker as a bot utterance (metadata
`staff`), so it is in the transcript and the bot's history, then pushed by the
conversation's channel: its registered InputChannel instance, when that offers
`async push(recipient_id, text) -> bool` (delivery.Pushes: socket.io, WeChat,
WeCom). Only conversations with an open handoff accept replies. Without a
configured token every request gets 403 (fail closed) and the reason is logged.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.shared.core.events import BotUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.delivery import Pushes, pusher_for
from channels.rest import parse_body
from loanwhy import handoff

logger = logging.getLogger(__name__)
TOKEN_ENV = "LOANWHY_STAFF_TOKEN"
TOKEN_HEADER = "X-Staff-Token"
MAX_TEXT = 2000
MAX_BODY_BYTES = 16 * 1024


def authorised(given: str | None) -> bool:
    expected = os.environ.get(TOKEN_ENV, "")
    if not expected:
        logger.warning("staff bridge refused a request: %s is not set", TOKEN_ENV)
        return False
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        logger.warning("staff bridge refused a request: missing or wrong %s", TOKEN_HEADER)
        return False
    return True


def parse_reply(request: Request) -> tuple[dict[str, str] | None, str]:
    data, problem = parse_body(request, MAX_BODY_BYTES)
    if data is None:
        return None, problem
    sender, text, staff = data.get("sender_id"), data.get("text"), data.get("staff")
    if not isinstance(sender, str) or not sender or len(sender) > 200:
        return None, "sender_id must be a non-empty string"
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
        return None, f"text must be 1-{MAX_TEXT} characters"
    if not isinstance(staff, str) or not staff or len(staff) > 80:
        return None, "staff must be a non-empty string"
    return {"sender_id": sender, "text": text.strip(), "staff": staff}, ""


async def append_reply(agent: Any, sender_id: str, text: str, staff: str) -> str | None:
    """Append the reply to the tracker; returns the conversation's input channel, None if unknown."""
    lock_store = getattr(agent, "lock_store", None)
    if lock_store is not None:
        async with lock_store.lock(sender_id):
            return await _append(agent, sender_id, text, staff)
    return await _append(agent, sender_id, text, staff)


async def _append(agent: Any, sender_id: str, text: str, staff: str) -> str | None:
    tracker = await agent.tracker_store.retrieve(sender_id)
    if tracker is None:
        return None
    channel = str(tracker.get_latest_input_channel() or "")
    tracker.update(BotUttered(text, metadata={"staff": staff}))
    await agent.tracker_store.save(tracker)
    return channel


class StaffBridgeInput(InputChannel):
    """Not a chat channel: staff replies come in, nothing goes to the NLU."""

    @classmethod
    def name(cls) -> str:
        return "staff_bridge"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("staff_bridge_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            if not authorised(request.headers.get(TOKEN_HEADER)):
                return response.json({"error": "forbidden"}, status=403)
            return response.json({"status": "ok"})

        @bp.route("/reply", methods=["POST"])
        async def reply(request: Request) -> HTTPResponse:
            if not authorised(request.headers.get(TOKEN_HEADER)):
                return response.json({"error": "forbidden"}, status=403)
            data, problem = parse_reply(request)
            if data is None:
                return response.json({"error": problem}, status=400)
            sender = data["sender_id"]
            if not handoff.is_handed_off(sender):
                return response.json({"error": "conversation is not handed off"}, status=409)
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or getattr(agent, "tracker_store", None) is None:
                return response.json({"error": "assistant not ready"}, status=503)
            channel = await append_reply(agent, sender, data["text"], data["staff"])
            if channel is None:
                return response.json({"error": "unknown conversation"}, status=404)
            channels = getattr(request.app.ctx, "input_channels", None)
            delivered = await _push(pusher_for(channel, channels), channel, sender, data["text"])
            logger.info("staff %s replied to %s (channel %s, delivered %s)", data["staff"], sender, channel, delivered)
            return response.json({"ok": True, "channel": channel, "delivered": delivered})

        return bp


async def _push(pusher: Pushes | None, channel: str, sender: str, text: str) -> bool:
    if pusher is None:
        logger.warning("staff reply to %s stored but not pushed: channel %r has no push", sender, channel)
        return False
    try:
        return bool(await pusher.push(sender, text))
    except Exception:
        logger.exception("staff reply to %s stored but pushing to %s failed", sender, channel)
        return False
