"""What both WeChat channels do with one accepted message: answer it once, in time.

The platform waits 5 s, then drops the connection and retries (three tries).
So a turn runs through Rasa in a background task and the request waits at most
`deadline_s` (~4.5 s) for it: in time, the answer goes back passively; too
late, the request answers `success` (which stops the retries) and the answer
is pushed through the platform API when ready, or, for accounts without that
API, held and delivered with the user's next passive reply. A retry of the same
message never starts a second turn: it shares the first one's future, and only
one of the requests (or the background push) delivers the answer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage  # type: ignore[import-untyped]

from channels import guard
from channels.wechat import render, xmlmsg
from channels.wechat.api import ApiError
from channels.wechat.store import Pending, Store
from loanwhy import conversations

logger = logging.getLogger(__name__)

# Domain responses the channels need (user-facing text lives in domain.yml only).
TEXT_ONLY = "utter_wechat_text_only"  # image, location, link, video, voice without recognition
WELCOME = "utter_wechat_welcome"  # subscribe, with the privacy notice
ANSWER_COMING = "utter_wechat_answer_coming"  # passive-only: the answer comes with the next message
EMPTY = "utter_empty_message"
TRUNCATED = "utter_message_truncated"
SERVER_ERROR = "utter_server_error"

DEADLINE_S = 4.5
TURN_TIMEOUT_S = 30.0  # give up on Rasa (e.g. action server down) after this
PRUNE_EVERY_S = 3600.0
HANDOVER_POLLS = 40  # x 50 ms: how long a finished answer waits for a waiting retry to take it
# WeChat customer-service pushes allowed (seconds, messages) after a user message
MESSAGE_WINDOW = (48 * 3600.0, 5)
EVENT_WINDOW = (60.0, 3)  # ... after subscribe / menu click / QR scan

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class Pusher(Protocol):
    async def push(self, user: str, text: str) -> None: ...


class WeChatOutput(CollectingOutputChannel):
    """Collects a turn's bot messages; its name selects `channel: wechat` response variants."""

    @classmethod
    def name(cls) -> str:
        return "wechat"


class WeComOutput(WeChatOutput):
    @classmethod
    def name(cls) -> str:
        return "wecom"


@dataclass(frozen=True)
class Turn:
    """One accepted message, reduced to what the assistant should see and say."""

    key: str  # dedupe key (MsgId, or sender + CreateTime for events)
    sender: str  # OpenID / UserID; Rasa's conversation id is Engine.user(sender), "<channel>:<sender>"
    text: str | None = None  # for Rasa; None when only fixed texts answer
    fixed: tuple[str, ...] = ()  # domain responses said before Rasa's answer
    traditional: bool = False
    message_id: str | None = None
    window: tuple[float, int] | None = None  # push quota this interaction opens: (seconds, messages)


def fixed_text(app: Any, name: str, channel: str) -> str | None:
    """A domain response's text, preferring the variant for this channel."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    if agent is None:
        from sanic import Sanic
        from sanic.exceptions import SanicException

        try:
            agent = getattr(Sanic.get_app().ctx, "agent", None)
        except SanicException:  # no app, or several apps (tests)
            agent = None
    domain = getattr(agent, "domain", None)
    variants = (getattr(domain, "responses", None) or {}).get(name) or []
    texts = [v for v in variants if isinstance(v, dict) and v.get("text")]
    for v in sorted(texts, key=lambda v: v.get("channel") != channel):
        if v.get("channel") in (None, channel):
            return str(v["text"])
    logger.warning(
        "domain response %s is missing: add it to domain.yml (the %s channel answers nothing)",
        name,
        channel,
    )
    return None


class Engine:
    def __init__(
        self,
        channel: str,
        store: Store,
        pusher: Pusher | None,
        passive_only: bool = False,
        deadline_s: float = DEADLINE_S,
        output_cls: type[WeChatOutput] = WeChatOutput,
        message_window: tuple[float, int] = MESSAGE_WINDOW,
        event_window: tuple[float, int] = EVENT_WINDOW,
    ) -> None:
        self.channel = channel
        self.store = store
        self.pusher = pusher
        self.passive_only = passive_only or pusher is None
        self.deadline_s = deadline_s
        self.output_cls = output_cls
        self.message_window = message_window
        self.event_window = event_window
        self._tasks: set[asyncio.Task[Any]] = set()
        self._pruned = 0.0

    def user(self, sender: str) -> str:
        """The conversation id of an OpenID / UserID ("wechat:<OpenID>"): Rasa's sender id and
        this store's key, in this channel's own namespace (loanwhy/conversations.py)."""
        return conversations.make(self.channel, sender)

    def dedupe_key(self, turn: Turn) -> str:
        """What makes a retry a retry: channel, sender and MsgId together. A MsgId alone is not
        secret (nor unique across accounts): keyed on it, anyone sending a victim's MsgId got the
        victim's cached answer."""
        return f"{self.user(turn.sender)}|{turn.key}"

    async def answer(self, turn: Turn, on_new_message: OnNewMessage, app: Any) -> str | None:
        """The passive reply text for this request, or None for 'success'."""
        self._prune()
        user = self.user(turn.sender)
        claim = self.store.claim(self.dedupe_key(turn), user)
        if claim.state == "answered":
            return claim.reply
        if claim.state == "elsewhere" or claim.pending is None:
            return None  # another process has it; its delivery covers this retry
        if claim.state == "new":
            if turn.window:
                self.store.open_window(user, *turn.window)
            self._spawn(self._produce(turn, claim.pending, on_new_message, app))
        return await self._respond(turn, claim.pending, app)

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait_idle(self) -> None:
        """Wait for background turns and deliveries (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _produce(self, turn: Turn, pending: Pending, on_new_message: OnNewMessage, app: Any) -> None:
        """Run the turn; always resolve the future, whatever happens."""
        text = ""
        try:
            parts = [fixed_text(app, name, self.channel) or "" for name in turn.fixed]
            if turn.text is not None:
                output = self.output_cls()
                message = UserMessage(
                    turn.text,
                    output,
                    self.user(turn.sender),  # "<channel>:<OpenID>": never a REST or widget conversation
                    input_channel=self.channel,
                    message_id=turn.message_id,
                )
                await asyncio.wait_for(on_new_message(message), timeout=TURN_TIMEOUT_S)
                shown = render.render(output.messages)
                self.store.set_buttons(pending.user, shown.buttons)
                parts.append(shown.text)
            text = guard.outbound("\n\n".join(p for p in parts if p), turn.traditional) or ""
        except Exception:
            logger.exception("%s: turn for a message failed", self.channel)
            text = guard.outbound(fixed_text(app, SERVER_ERROR, self.channel), turn.traditional) or ""
        finally:
            if not pending.future.done():
                pending.future.set_result(text)

    async def _respond(self, turn: Turn, pending: Pending, app: Any) -> str | None:
        pending.waiters += 1
        try:
            text = await asyncio.wait_for(asyncio.shield(pending.future), timeout=self.deadline_s)
        except asyncio.CancelledError:  # the platform hung up: deliver later unless a retry does
            self._schedule_late(turn, pending)
            raise
        except asyncio.TimeoutError:  # noqa: UP041 (not the builtin on Python 3.10)
            self._schedule_late(turn, pending)
            if self.passive_only:
                return guard.outbound(fixed_text(app, ANSWER_COMING, self.channel), turn.traditional) or None
            return None
        finally:
            pending.waiters -= 1
        if pending.delivered == "passive":
            return pending.reply  # a retry after the first reply got lost: say the same again
        if pending.delivered:
            return None
        held = self.store.take_held(pending.user)  # answers that missed earlier deadlines come first
        reply = "\n\n".join(held + ([text] if text else []))
        pending.reply = xmlmsg.limit_utf8(reply) if reply else None
        pending.delivered = "passive"
        self.store.settle(self.dedupe_key(turn), "passive", pending.reply)
        return pending.reply

    def _schedule_late(self, turn: Turn, pending: Pending) -> None:
        if not pending.late:
            pending.late = True
            self._spawn(self._deliver_late(turn, pending))

    async def _deliver_late(self, turn: Turn, pending: Pending) -> None:
        text = await pending.future
        for _ in range(HANDOVER_POLLS):  # a retry waiting right now answers passively: better than a push
            if pending.delivered or not pending.waiters:
                break
            await asyncio.sleep(0.05)
        if pending.delivered:
            return
        if not text:
            pending.delivered = "nothing"
            self.store.settle(self.dedupe_key(turn), "nothing")
            return
        if not self.passive_only:
            pending.delivered = "pushed"  # claimed before awaiting, so a retry cannot repeat it
            if await self._push(pending.user, turn.sender, text):
                self.store.settle(self.dedupe_key(turn), "pushed")
                return
        pending.delivered = "held"
        self.store.hold(pending.user, text)
        self.store.settle(self.dedupe_key(turn), "held")

    async def deliver(self, recipient: str, text: str) -> bool:
        """A message that is not an answer to a request (a staff reply): push it, else hold it.

        `recipient` is the conversation id ("wechat:<OpenID>"; a bare OpenID of a conversation
        stored before namespacing works too). True when it was pushed now; a held message goes
        out with the user's next reply.
        """
        sender = conversations.local_part(recipient, self.channel)
        user = self.user(sender)
        if not self.passive_only and await self._push(user, sender, text):
            return True
        self.store.hold(user, text)
        return False

    async def _push(self, user: str, sender: str, text: str) -> bool:
        """Push within the user's quota; False if nothing could be sent (then the answer is held)."""
        assert self.pusher is not None
        allowance = self.store.allowance(user)
        chunks = xmlmsg.split_utf8(text)
        if allowance <= 0:
            logger.warning("%s: push quota used up for a user; holding the answer", self.channel)
            return False
        if len(chunks) > allowance:
            logger.warning("%s: answer needs %d messages, quota allows %d", self.channel, len(chunks), allowance)
            chunks = chunks[: allowance - 1] + [xmlmsg.limit_utf8("\n".join(chunks[allowance - 1 :]))]
        sent = 0
        for chunk in chunks:
            try:
                await self.pusher.push(sender, chunk)
            except ApiError as exc:
                hint = " (account not verified: set WECHAT_PASSIVE_ONLY=1)" if exc.errcode == 48001 else ""
                logger.warning("%s: push failed: %s%s", self.channel, exc, hint)
                break
            sent += 1
            self.store.count_sent(user, 1)
        return sent > 0

    def _prune(self) -> None:
        now = time.time()
        if now - self._pruned > PRUNE_EVERY_S:
            self._pruned = now
            self.store.prune(now)
