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
RAISED, FINE = "raised", "fine"


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

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Each new answer becomes facts; an answer nobody can read is asked again."""
        events: list[EventType] = []
        facts = stored_facts(tracker)
        for slot_name, text in tracker.slots_to_validate().items():
            if not slot_name.startswith(PREFIX) or not isinstance(text, str) or text in (RAISED, FINE, UNKNOWN):
                continue
            state, new_facts = selfcheck.parse_answer(text, slot_name[len(PREFIX) :], load())
            facts = dx.merge(facts, new_facts)
            if state is None and new_facts:
                state = UNKNOWN  # they told us other things instead: keep them and move on
            if state is None:
                dispatcher.utter_message(response="utter_selfcheck_unclear")
                events.append(SlotSet(slot_name, None))
                continue
            events += [SlotSet(slot_name, state), SlotSet("facts", facts)]
        return events


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
