"""Messages the assistant cannot help with: suggestions, and staff after repeated failure."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import button
from actions.handoff import source, summary
from actions.terms import explain_terms
from actions.welcome import offer_selfcheck_at_start
from loanwhy import handoff
from loanwhy.kb import load

MIN_CONFIDENCE = 0.08
MAX_BUTTONS = 3
FAILURE_ACTIONS = {"action_suggest", "action_out_of_scope", "action_default_fallback"}
HANDOFF_AFTER = 3  # failures in a row, this one included


def failures_in_a_row(events: list[dict[str, Any]]) -> int:
    """How many of the latest bot turns were fallbacks, before any real answer."""
    count = 0
    for event in reversed(events):
        if event.get("event") != "action":
            continue
        name = event.get("name")
        if name in FAILURE_ACTIONS:
            count += 1
        elif name not in ("action_listen", None) and not str(name).startswith("utter_"):
            break
    return count


def hand_over_if_stuck(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
    """After repeated failures, open a handoff so that a person can help."""
    if failures_in_a_row(tracker.events) + 1 < HANDOFF_AFTER:
        return None
    channel = str(tracker.get_latest_input_channel() or "")
    try:
        handoff.request(tracker.sender_id, summary(tracker), channel, source=source(tracker))
    except handoff.TooManyHandoffs:
        return None  # the address has its share of open handoffs: go on suggesting
    dispatcher.utter_message(response="utter_handoff_after_failures")
    return []


class ActionSuggest(Action):
    """Low-confidence message: offer the two or three most likely meanings as buttons."""

    def name(self) -> str:
        return "action_suggest"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        term = explain_terms(dispatcher, tracker)
        if term is not None:
            return term
        stuck = hand_over_if_stuck(dispatcher, tracker)
        if stuck is not None:
            return stuck
        labels: dict[str, str] = load().lexicon.get("suggestions", {})
        ranking = (tracker.latest_message or {}).get("intent_ranking") or []
        picks = [
            labels[r["name"]]
            for r in ranking
            if r.get("name") in labels and float(r.get("confidence") or 0) >= MIN_CONFIDENCE
        ][:MAX_BUTTONS]
        if not picks:
            dispatcher.utter_message(response="utter_default")
            return offer_selfcheck_at_start(dispatcher, tracker)
        if len(picks) < MAX_BUTTONS and labels.get("request_handoff"):
            picks.append(labels["request_handoff"])
        dispatcher.utter_message(response="utter_did_you_mean", buttons=[button(p) for p in picks])
        return offer_selfcheck_at_start(dispatcher, tracker)


class ActionOutOfScope(Action):
    """Out of scope: the scope reminder with suggestions; staff after repeated failure."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        term = explain_terms(dispatcher, tracker)
        if term is not None:
            return term
        stuck = hand_over_if_stuck(dispatcher, tracker)
        if stuck is not None:
            return stuck
        dispatcher.utter_message(response="utter_out_of_scope")
        return offer_selfcheck_at_start(dispatcher, tracker)
