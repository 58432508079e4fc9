"""Handoff to human staff: record the request with a summary, then stay quiet."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import stored_facts
from loanwhy import diagnose as dx
from loanwhy import handoff
from loanwhy.privacy import mask


def summary(tracker: Tracker, turns: int = 6) -> str:
    """Last user messages and the signals found so far, for the staff queue."""
    said = [str(e.get("text") or "") for e in tracker.events if e.get("event") == "user"][-turns:]
    raised = dx.diagnose(stored_facts(tracker)).raised
    return mask(" | ".join(s for s in said if s) + (f" || signals: {', '.join(raised)}" if raised else ""))


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if handoff.is_handed_off(tracker.sender_id):
            dispatcher.utter_message(response="utter_handoff_already")
        else:
            channel = str(tracker.get_latest_input_channel() or "")
            handoff.request(tracker.sender_id, summary(tracker), channel)
            dispatcher.utter_message(response="utter_handoff")
        return [SlotSet("handed_off", True)]
