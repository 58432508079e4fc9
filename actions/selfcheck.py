"""The guided self-check form: questions and buttons from the knowledge base."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import button, stored_facts
from loanwhy import diagnose as dx
from loanwhy import selfcheck
from loanwhy.kb import load

PREFIX = "sc_"
UNKNOWN = selfcheck.UNKNOWN


class ValidateSelfcheckForm(FormValidationAction):
    """Ask only what is not known yet; read every answer for all signals it mentions."""

    def name(self) -> str:
        return "validate_selfcheck_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        facts = stored_facts(tracker)
        return [s for s in domain_slots if s[len(PREFIX) :] not in facts or tracker.get_slot(s)]

    async def validate(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        requested = tracker.get_slot("requested_slot")
        text = tracker.get_slot(requested) if requested else None
        if not requested or not isinstance(text, str) or not requested.startswith(PREFIX):
            return await super().validate(dispatcher, tracker, domain)
        sid = requested[len(PREFIX) :]
        state, new_facts = selfcheck.parse_answer(text, sid, load())
        if state is None:
            dispatcher.utter_message(response="utter_selfcheck_unclear")
            return [SlotSet(requested, None)]
        facts = dx.merge(stored_facts(tracker), new_facts)
        return [SlotSet(requested, state), SlotSet("facts", facts)]


def _ask_action(sid: str) -> type[Action]:
    class AskSelfcheck(Action):
        signal = sid

        def name(self) -> str:
            return f"action_ask_{PREFIX}{self.signal}"

        async def run(
            self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
        ) -> list[EventType]:
            entry = load().signals[self.signal]
            buttons = [button(a) for a in entry["answers"]]
            dispatcher.utter_message(response="utter_selfcheck_question", question=entry["question"], buttons=buttons)
            return []

    AskSelfcheck.__name__ = f"AskSelfcheck_{sid}"
    return AskSelfcheck


# one ask action per self-check slot listed in the domain
SELFCHECK_SIGNALS = (
    "overdue_record",
    "frequent_inquiries",
    "card_overdraft",
    "high_interest_borrowing",
    "external_guarantee",
    "cashflow_drop",
    "amount_over_limit",
)
ASK_ACTIONS = {sid: _ask_action(sid) for sid in SELFCHECK_SIGNALS}
