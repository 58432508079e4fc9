"""Socket.io channel for the web widget, with the input guard.

Fixes two Rasa 3.6 problems (see ../shared/design-notes.md): `enter_room` is
awaited (python-socketio >= 5.10 made it a coroutine; without the await no reply
reaches the browser), and custom payloads are wrapped as {"data": ...} so they
are not dropped. Session ids are issued by the server and signed, so a client
cannot pick another user's conversation id. Staff replies come through the
channel's `push` (delivery.Pushes), with an outbox for tabs that are not
connected to this process when the reply arrives.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic_cors.core import SANIC_CORS_EVALUATED
from socketio import AsyncServer

from channels import guard
from loanwhy import handoff, outbox, ratelimit, session

logger = logging.getLogger(__name__)
REPLY_TIMEOUT_S = 10.0  # as channels/rest.py: Rasa waits up to 300 s for the action server


def sign_session(raw: str | None = None) -> str:
    return session.sign(raw)


def verified_session(value: object) -> str | None:
    return session.verify(value)


def fixed_texts(name: str) -> list[str]:
    """Texts of a domain response, for replies that need no NLU."""
    from sanic import Sanic

    try:
        agent = getattr(Sanic.get_app().ctx, "agent", None)
    except Exception:
        return []
    responses = agent.domain.responses.get(name, []) if agent and agent.domain else []
    return [r["text"] for r in responses[:1] if r.get("text")]


class GuardedSocketIOOutput(SocketIOOutput):
    def __init__(self, sio: AsyncServer, bot_message_evt: str, traditional: bool = False) -> None:
        super().__init__(sio, bot_message_evt)
        self.traditional = traditional
        self.sent = 0  # messages emitted for this turn

    async def _send_message(self, socket_id: str, response: Any) -> None:
        self.sent += 1
        if isinstance(response, dict) and response.get("text"):
            response["text"] = guard.outbound(response["text"], self.traditional)
            for q in response.get("quick_replies") or []:
                q["title"] = guard.outbound(q.get("title"), self.traditional)
        await super()._send_message(socket_id, response)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        self.sent += 1
        # {"custom": payload}, as on the REST channel and as rasa-webchat reads custom messages
        # (Rasa 3.6's own output emits the payload's keys as emit() arguments, and loses it)
        payload = json_message.get("data") if set(json_message) <= {"data", "room"} else json_message
        custom = guard.outbound_payload(payload, self.traditional)
        await self.sio.emit(self.bot_message_evt, {"custom": custom}, room=recipient_id)


POLL_S = 0.5  # how often a worker looks for replies waiting for the sockets it holds


def _hosted(sio: AsyncServer, session_id: str) -> bool:
    """True when a browser of this conversation is connected to this process."""
    return any(True for _ in sio.manager.get_participants("/", session_id))


def allowed_origins(setting: str | None) -> list[str] | str | None:
    """python-socketio's origin allowlist from LOANWHY_CORS_ORIGINS: the listed origins ("*" only when
    listed alone); unset, None: the server's own origin only (scripts/run.sh lists the widget page's)."""
    origins = [o.strip() for o in (setting or "").split(",") if o.strip()]
    if origins == ["*"]:
        return "*"
    return [o for o in origins if o != "*"] or None


class OneCorsSocketBlueprint(SocketBlueprint):
    """Socket.IO with python-socketio as the only CORS authority on its path.

    Rasa's `--cors` (Sanic-CORS) adds its own Access-Control-Allow-Origin to every response,
    python-socketio another on long-polling ones: browsers refuse a response with two, so clients
    that start with polling (rasa-webchat) never connect. Requests on the socket.io path are marked
    as already evaluated, which Sanic-CORS skips; python-socketio still checks the origin of both
    transports against the same allowlist."""

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        prefix = "/" + self.ctx.socketio_path.strip("/")

        async def socketio_owns_cors(request: Request) -> None:
            if request.path == prefix or request.path.startswith(prefix + "/"):
                setattr(request.ctx, SANIC_CORS_EVALUATED, True)

        app.register_middleware(socketio_owns_cors, "request")
        super().register(app, options)


class GuardedSocketIOInput(SocketIOInput):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.poller: asyncio.Task[None] | None = None  # the outbox poller of this worker process
        self.poller_pid = 0  # ... and that process (a forked worker starts its own)

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def get_output_channel(self) -> GuardedSocketIOOutput | None:  # type: ignore[override]
        return GuardedSocketIOOutput(self.sio, self.bot_message_evt) if self.sio else None

    async def push(self, recipient_id: str, text: str) -> bool:
        """Staff replies (bridge.py, delivery.Pushes) to every browser tab of one conversation.

        Sent at once when a tab of the conversation is connected to this process. Otherwise
        the text waits in the outbox (loanwhy/outbox.py, in the app database) for the worker
        process that holds the tab (RASA_WORKERS > 1) or for the conversation's next
        `session_request` (the widget reconnecting or reloaded), and counts as delivered: the
        outbox is how an offline user gets it. Either way it reaches only sockets in the
        conversation's room, which a socket enters with the conversation's signed session id."""
        sio = self.sio
        if sio is None:  # the blueprint was never built: no socket.io server here
            return False
        if _hosted(sio, recipient_id):
            await self._send(sio, recipient_id, text)
        else:
            outbox.add(recipient_id, text)
        return True

    async def deliver_waiting(self, session_ids: list[str] | None = None) -> int:
        """Send the outbox rows of the conversations connected here; returns how many were sent."""
        sent, sio = 0, self.sio
        if sio is None:
            return sent
        for item in outbox.pending(session_ids):
            if _hosted(sio, item.session_id) and outbox.take(item):
                await self._send(sio, item.session_id, item.text)
                sent += 1
        return sent

    async def _send(self, sio: AsyncServer, session_id: str, text: str) -> None:
        await sio.emit(self.bot_message_evt, {"text": guard.outbound(text, False)}, room=session_id)

    async def _poll_outbox(self, sio: AsyncServer) -> None:
        while True:
            await asyncio.sleep(POLL_S)
            if not sio.manager.rooms.get("/"):
                continue
            try:
                await self.deliver_waiting()
            except Exception:  # a locked or missing database must not stop the loop
                logger.exception("socket.io outbox: delivery failed; retrying")

    def _ensure_poller(self, sio: AsyncServer) -> None:
        """One outbox poller per worker process, started on its first connection."""
        if self.poller_pid != os.getpid():
            self.poller_pid = os.getpid()
            self.poller = asyncio.get_running_loop().create_task(self._poll_outbox(sio))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        origins = allowed_origins(os.environ.get("LOANWHY_CORS_ORIGINS"))
        # several worker processes (RASA_WORKERS) share one port without sticky sessions: long-polling
        # would send a client's requests to different processes, so only websockets (the widget's) are offered
        workers = int(os.environ.get("SANIC_WORKERS", "1") or 1)
        transports = ["websocket"] if workers > 1 else ["polling", "websocket"]
        sio = AsyncServer(
            async_mode="sanic", cors_allowed_origins=origins, max_http_buffer_size=512 * 1024, transports=transports
        )
        bp = OneCorsSocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        gate = ratelimit.Gate()

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: str, environ: dict[str, Any], auth: dict[str, Any] | None = None) -> bool:
            request = environ.get("sanic.request")  # engineio's environ says REMOTE_ADDR 127.0.0.1 always
            peer, headers = (request.ip, request.headers) if request is not None else ("", {})
            address, local = ratelimit.client_address(peer, headers)
            await sio.save_session(sid, {"address": address, "local": local}, namespace=self.namespace)
            return True

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any = None) -> None:
            asked = data.get("session_id") if isinstance(data, dict) else None
            session_id = verified_session(asked) or sign_session()
            known = await sio.get_session(sid, namespace=self.namespace)
            previous = (known or {}).get("session_id")
            if previous and previous != session_id:
                # "新对话" on the same socket: replies to the old conversation stop reaching it
                left = sio.leave_room(sid, previous, namespace=self.namespace)
                if inspect.isawaitable(left):
                    await left
            entered = sio.enter_room(sid, session_id, namespace=self.namespace)
            if inspect.isawaitable(entered):
                await entered
            # spoke: whether this socket session has had a user message (guard.opening reads the first)
            await sio.save_session(
                sid, {**(known or {}), "session_id": session_id, "spoke": False}, namespace=self.namespace
            )
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
            self._ensure_poller(sio)
            await self.deliver_waiting([session_id])  # staff replies sent while this browser was away

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any = None) -> None:  # emit() without data
            session = await sio.get_session(sid, namespace=self.namespace)
            sender_id = session.get("session_id") if isinstance(session, dict) else None
            if not sender_id:
                await sio.emit("error_message", {"error": "session_request first"}, room=sid)
                return
            address, local = str(session.get("address") or ""), bool(session.get("local"))
            limited = gate.refuse(sender_id, address, local)
            if limited:
                logger.warning("socket.io: too many messages per %s", limited)
                await sio.emit("error_message", {"error": "too many messages; try again later"}, room=sid)
                return
            if not isinstance(data, dict):
                data = {}
            if data.get("message") is not None and not isinstance(data.get("message"), str):
                await sio.emit("error_message", {"error": "'message' must be a string"}, room=sid)
                return
            first = not session.get("spoke")
            if first:
                await sio.save_session(sid, {**session, "spoke": True}, namespace=self.namespace)
            opening = first and guard.opening(data.get("message"))
            # a widget's opening (initPayload, empty first message) is the welcome, asked by intent
            clean = guard.Inbound(guard.GREET, False, False, False) if opening else guard.inbound(data.get("message"))
            output = GuardedSocketIOOutput(sio, self.bot_message_evt, clean.traditional)
            if clean.empty:
                for text in fixed_texts("utter_empty_message"):
                    await output.send_text_message(sender_id, text)
                return
            notices = (["utter_message_truncated"] if clean.truncated else []) + (
                [clean.privacy] if clean.privacy else []
            )
            for name in notices:
                for text in fixed_texts(name):
                    await output.send_text_message(sender_id, text)
                output.sent = 0  # a notice is not an answer
            message = UserMessage(
                clean.text,
                output,
                sender_id,
                input_channel=self.name(),
                metadata=guard.metadata(data.get(self.metadata_key), source=ratelimit.source_id(address)),
            )
            try:
                await asyncio.wait_for(on_new_message(message), timeout=REPLY_TIMEOUT_S)
            except Exception:  # includes asyncio.TimeoutError
                logger.exception("socket.io message from %s failed", sender_id)
                await sio.emit("error_message", {"error": "server error, please retry"}, room=sender_id)
                for text in fixed_texts("utter_server_error"):
                    await output.send_text_message(sender_id, text)
                return
            if not output.sent and not handoff.is_handed_off(sender_id):
                # an action failed (action server down): Rasa logs it and sends nothing
                logger.error("empty reply for %s: sending utter_server_error", sender_id)
                for text in fixed_texts("utter_server_error"):
                    await output.send_text_message(sender_id, text)

        return bp


__all__ = ["GuardedSocketIOInput", "InputChannel"]
