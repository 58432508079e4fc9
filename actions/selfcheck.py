"""The guided self-check form: questions and buttons from the knowledge base."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import button, stored_facts
from loanwhy import diagnose as dx
from loanwhy import report, selfcheck
from loanwhy.kb import load

PREFIX = "sc_"
UNKNOWN = selfcheck.UNKNOWN
RAISED, FINE = "raised", "fine"


# intents that leave the question for a moment (answered by rules, then the form asks again)
LEAVE_PREFIXES = ("faq_",)
LEAVE_INTENTS = {
    "stop_selfcheck", "request_handoff", "request_falsify", "request_credit_repair", "ask_promise",
    "greet", "goodbye", "thank", "bot_challenge", "help", "ask_signal_info", "ask_why_matters",
    "ask_how_long", "out_of_scope",
}
# Rasa's own steps between the user's message and this validation (the form appears too)
SKIP_ACTIONS = {"action_listen", "action_extract_slots", "action_session_start", "selfcheck_form"}


def fresh_user_text(tracker: Tracker) -> str | None:
    """The user's message if it came right after the question (not after a detour)."""
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return str(event.get("text") or "")
        if kind == "action" and event.get("name") not in SKIP_ACTIONS:
            return None
    return None


def is_answer(text: str, sid: str, intent: str) -> bool:
    """A button answer always counts; other intents leave the question unless the text answers it."""
    entry = load().signals[sid]
    if text in entry["answers"]:
        return True
    if intent not in LEAVE_INTENTS and not intent.startswith(LEAVE_PREFIXES):
        return True
    state, facts = selfcheck.parse_answer(text, sid, load())
    return state is not None and intent not in ("stop_selfcheck", "request_handoff")


class ValidateSelfcheckForm(FormValidationAction):
    """Ask only what is not known yet; read every answer for all signals it mentions."""

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        requested = tracker.get_slot("requested_slot")
        if not isinstance(requested, str) or not requested.startswith(PREFIX):
            return []
        text = fresh_user_text(tracker)
        intent = str(((tracker.latest_message or {}).get("intent") or {}).get("name") or "")
        if not text or not is_answer(text, requested[len(PREFIX) :], intent):
            return []
        return [SlotSet(requested, text)]

    def name(self) -> str:
        return "validate_selfcheck_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """The questions answered so far, then the most telling next one (none: time for the result)."""
        answered = [s for s in domain_slots if tracker.get_slot(s)]
        said = " ".join(str(e.get("text") or "") for e in tracker.events if e.get("event") == "user")
        asked = [s[len(PREFIX) :] for s in answered]
        nxt = selfcheck.next_question(stored_facts(tracker), asked, load(), said)
        wanted = f"{PREFIX}{nxt}" if nxt else None
        return answered + ([wanted] if wanted in domain_slots else [])

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Each new answer becomes facts and is acknowledged in one line; no question is asked twice."""
        kb = load()
        events: list[EventType] = []
        facts = stored_facts(tracker)
        for slot_name, text in tracker.slots_to_validate().items():
            if not slot_name.startswith(PREFIX) or not isinstance(text, str) or text in (RAISED, FINE, UNKNOWN):
                continue
            sid = slot_name[len(PREFIX) :]
            before = facts
            state, new_facts = selfcheck.parse_answer(text, sid, kb)
            facts = dx.merge(facts, new_facts)
            raised = [s for s, f in new_facts.items() if f.get("state") == RAISED and before.get(s, {}).get("state") != RAISED]
            if raised:
                dispatcher.utter_message(response="utter_selfcheck_ack_raised", names=report.names(kb.ranked(raised), kb))
            elif state == FINE:
                dispatcher.utter_message(response="utter_selfcheck_ack_fine")
            else:
                dispatcher.utter_message(response="utter_selfcheck_ack_unknown")
            events += [SlotSet(slot_name, state or UNKNOWN), SlotSet("facts", facts)]
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
            dispatcher.utter_message(json_message={"selfcheck": {"asking": self.signal}})  # for machine readers
            return []

    AskSelfcheck.__name__ = f"AskSelfcheck_{sid}"
    return AskSelfcheck


# one ask action per self-check slot listed in the domain
SELFCHECK_SIGNALS = (
    "overdue_record",
    "frequent_inquiries",
    "high_interest_borrowing",
    "card_overdraft",
    "thin_credit_file",
    "cashflow_drop",
    "external_guarantee",
    "amount_over_limit",
    "unverifiable_info",
)
ASK_ACTIONS = {sid: _ask_action(sid) for sid in SELFCHECK_SIGNALS}
