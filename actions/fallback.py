"""Low-confidence messages: offer the two or three most likely meanings as buttons."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import button
from loanwhy.kb import load

MIN_CONFIDENCE = 0.08
MAX_BUTTONS = 3


class ActionSuggest(Action):
    def name(self) -> str:
        return "action_suggest"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        labels: dict[str, str] = load().lexicon.get("suggestions", {})
        ranking = (tracker.latest_message or {}).get("intent_ranking") or []
        picks = [
            labels[r["name"]]
            for r in ranking
            if r.get("name") in labels and float(r.get("confidence") or 0) >= MIN_CONFIDENCE
        ][:MAX_BUTTONS]
        if not picks:
            dispatcher.utter_message(response="utter_default")
            return []
        if len(picks) < MAX_BUTTONS and labels.get("request_handoff"):
            picks.append(labels["request_handoff"])
        dispatcher.utter_message(response="utter_did_you_mean", buttons=[button(p) for p in picks if p])
        return []
