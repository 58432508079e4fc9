"""Slang and lenders' wording asked about: the meaning, then (at the start) the self-check."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_text
from actions.welcome import fresh_start, offer_selfcheck
from loanwhy import terms


def explain_terms(dispatcher: CollectingDispatcher, tracker: Tracker, go_on: bool = True) -> list[EventType] | None:
    """Say what the terms asked about mean; None when the message asks about none.

    Someone who asks what a slang term means before anything is known usually asks because a lender
    used it on them: with `go_on`, the first self-check question follows.
    """
    said = terms.explain(latest_text(tracker))
    if not said:
        return None
    dispatcher.utter_message(response="utter_term", text=said)
    return offer_selfcheck(dispatcher) if go_on and fresh_start(tracker) else []
