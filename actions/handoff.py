"""Handoff to human staff: record the request with a summary, then stay quiet."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import stored_facts
from loanwhy import diagnose as dx
from loanwhy import handoff

logger = logging.getLogger(__name__)


def source(tracker: Tracker) -> str:
    """The channel's digest of the client's address (channels/guard.py SOURCE_KEY), or ''."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    value = metadata.get("source") if isinstance(metadata, dict) else None
    return value if isinstance(value, str) else ""


def summary(tracker: Tracker, turns: int = 6) -> str:
    """Last user messages and the signals found so far, for the staff queue (masked where it is
    stored, `loanwhy.handoff.request`, as each message was at the channel)."""
    said = [str(e.get("text") or "") for e in tracker.events if e.get("event") == "user"][-turns:]
    raised = dx.diagnose(stored_facts(tracker)).raised
    return " | ".join(s for s in said if s) + (f" || signals: {', '.join(raised)}" if raised else "")


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        if handoff.is_handed_off(tracker.sender_id):
            dispatcher.utter_message(response="utter_handoff_already")
            return []
        channel = str(tracker.get_latest_input_channel() or "")
        try:
            handoff.request(tracker.sender_id, summary(tracker), channel, source=source(tracker))
        except handoff.TooManyHandoffs:
            logger.warning("handoff refused: too many open handoffs from one address")
            dispatcher.utter_message(response="utter_handoff_busy")  # the limit, said as it is
            return []
        dispatcher.utter_message(response="utter_handoff")
        return []  # the handoff record is the state (loanwhy.handoff): staff close it, no slot goes stale
