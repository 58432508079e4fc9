"""The welcome: a greeting typed at the start of a conversation also starts the self-check."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_text, stored_facts
from actions.selfcheck import form_used


def fresh_start(tracker: Tracker) -> bool:
    """Nothing is known yet: no facts, no self-check answer, no report in this conversation."""
    return not stored_facts(tracker) and not form_used(tracker) and not tracker.get_slot("last_report")


def first_message(tracker: Tracker) -> bool:
    """The latest message is the first the applicant typed in this conversation (a widget's
    opening payload, which starts with "/", does not count)."""
    typed = [e for e in tracker.events if e.get("event") == "user" and not str(e.get("text") or "").startswith("/")]
    return len(typed) <= 1


def offer_selfcheck(dispatcher: CollectingDispatcher) -> list[EventType]:
    """The offer's line, then the self-check form asks its first question."""
    dispatcher.utter_message(response="utter_selfcheck_offer")
    return [FollowupAction("selfcheck_form")]


def offer_selfcheck_at_start(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """After the reply to a conversation's first message (a question, a word, something unclear),
    the first self-check question: most people who come here were refused and want to know why.
    They can ignore it and ask on; nothing is offered once anything is known or asked."""
    if not first_message(tracker) or not fresh_start(tracker):
        return []
    return offer_selfcheck(dispatcher)


class ActionGreet(Action):
    """A widget's opening (a "/greet" payload) gets the welcome alone. Someone who types a
    greeting came to find out why they were refused, so after the welcome the first question
    follows; they can still describe the situation or ask something else instead."""

    def name(self) -> str:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        dispatcher.utter_message(response="utter_greet")
        typed = not str(latest_text(tracker)).startswith("/")
        return offer_selfcheck(dispatcher) if typed and fresh_start(tracker) else []


class ActionHelp(Action):
    """What the assistant can do; at the start of a conversation (a bare "mm" or "what can you do")
    the first self-check question follows, as after any first message."""

    def name(self) -> str:
        return "action_help"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        dispatcher.utter_message(response="utter_help")
        return offer_selfcheck_at_start(dispatcher, tracker)
