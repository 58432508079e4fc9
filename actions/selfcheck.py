"""The guided self-check form: topic questions and buttons from the knowledge base."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import button, earlier_texts, stored_facts
from loanwhy import diagnose as dx
from loanwhy import report, selfcheck
from loanwhy.kb import load, selfcheck_topic_ids

PREFIX = "sc_"
UNKNOWN, ANSWERED = selfcheck.UNKNOWN, selfcheck.ANSWERED
RAISED = selfcheck.RAISED


# intents that leave the question for a moment (answered by rules, then the form asks again)
LEAVE_PREFIXES = ("faq_",)
LEAVE_INTENTS = {
    "stop_selfcheck",
    "request_handoff",
    "request_falsify",
    "request_credit_repair",
    "ask_promise",
    "greet",
    "goodbye",
    "thank",
    "bot_challenge",
    "help",
    "ask_signal_info",
    "ask_why_matters",
    "ask_how_long",
    "out_of_scope",
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


def is_answer(text: str, tid: str, intent: str) -> bool:
    """A button answer always counts; other intents leave the question unless the text answers it."""
    if text in selfcheck.topic(tid, load()).buttons:
        return True
    if intent not in LEAVE_INTENTS and not intent.startswith(LEAVE_PREFIXES):
        return True
    state, _ = selfcheck.parse_answer(text, tid, load())
    return state == ANSWERED and intent not in ("stop_selfcheck", "request_handoff")


def _said(tracker: Tracker) -> str:
    return " ".join(str(e.get("text") or "") for e in tracker.events if e.get("event") == "user")


class ValidateSelfcheckForm(FormValidationAction):
    """Ask only what is not known yet, most telling topic first; read every answer for all signals."""

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
        """The topics answered so far, then the most telling next one (none: time for the result)."""
        answered = [s for s in domain_slots if tracker.get_slot(s)]
        asked = [s[len(PREFIX) :] for s in answered]
        nxt = selfcheck.next_topic(stored_facts(tracker), asked, load(), _said(tracker))
        wanted = f"{PREFIX}{nxt}" if nxt else None
        return answered + ([wanted] if wanted in domain_slots else [])

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Each new answer becomes facts and is acknowledged in one line; no topic is asked twice."""
        kb = load()
        events: list[EventType] = []
        facts = stored_facts(tracker)
        for slot_name, text in tracker.slots_to_validate().items():
            if not slot_name.startswith(PREFIX) or not isinstance(text, str) or text in (ANSWERED, UNKNOWN):
                continue
            before = facts
            tid = slot_name[len(PREFIX) :]
            state, new_facts = selfcheck.parse_answer(text, tid, kb)
            facts = selfcheck.merge_answer(facts, new_facts, tid, kb)
            # an amount said earlier, then an answer to this question that corrects it: the answer takes it back
            back = dx.taken_back(before, text, new_facts, kb, earlier=earlier_texts(tracker), merged=facts)
            facts = {**facts, **back}
            raised = [
                s for s, f in new_facts.items() if f.get("state") == RAISED and before.get(s, {}).get("state") != RAISED
            ]
            if raised:
                dispatcher.utter_message(
                    response="utter_selfcheck_ack_raised", names=report.names(kb.ranked(raised), kb)
                )
            elif state == ANSWERED or back:
                dispatcher.utter_message(response="utter_selfcheck_ack_fine")
            else:
                dispatcher.utter_message(response="utter_selfcheck_ack_unknown")
            events += [SlotSet(slot_name, state), SlotSet("facts", facts)]
        return events


def ask(dispatcher: CollectingDispatcher, tid: str, follow_up: bool = False) -> None:
    entry = selfcheck.topic(tid, load())
    buttons = [button(a) for a in entry.buttons]
    dispatcher.utter_message(response="utter_selfcheck_question", question=entry.question, buttons=buttons)
    # for machine readers (simulated applicants, the staff tool): which signals the question covers
    payload: dict[str, Any] = {"topic": tid, "asking": list(entry.signals)}
    if follow_up:
        payload["follow_up"] = True
    dispatcher.utter_message(json_message={"selfcheck": payload})


def _question(event: dict[str, Any]) -> dict[str, Any]:
    """The self-check payload `ask` sent with a question ({} for any other event)."""
    custom = ((event.get("data") or {}).get("custom") or {}) if event.get("event") == "bot" else {}
    sent = custom.get("selfcheck") if isinstance(custom, dict) else None
    return sent if isinstance(sent, dict) and sent.get("topic") else {}


def asked_topics(tracker: Tracker) -> list[str]:
    """Every self-check topic asked in this conversation, by the form or as a follow-up."""
    return [str(q["topic"]) for q in map(_question, tracker.events) if q]


def pending_follow_up(tracker: Tracker) -> str | None:
    """The topic of a follow-up question the bot's last turn ended with (the user may answer it or not)."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return None
            seen_user = True
            continue
        if seen_user and _question(event).get("follow_up"):
            return str(_question(event)["topic"])
    return None


def form_used(tracker: Tracker) -> bool:
    return any(tracker.get_slot(f"{PREFIX}{t}") for t in SELFCHECK_TOPICS)


def _asked_before(tracker: Tracker, tid: str) -> bool:
    """This topic's question was already sent in the current self-check.

    The form runs the ask action inside its own step, so the tracker shows the question as
    a bot message carrying the topic's payload, not as an action of its own.
    """
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") is None:
            return False  # an earlier self-check ended here
        if _question(event).get("topic") == tid:
            return True
    return False


def _ask_action(tid: str) -> type[Action]:
    class AskSelfcheck(Action):
        topic = tid

        def name(self) -> str:
            return f"action_ask_{PREFIX}{self.topic}"

        async def run(
            self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
        ) -> list[EventType]:
            if not _asked_before(tracker, self.topic):
                ask(dispatcher, self.topic)
                return []
            # back after a detour (a question, a refusal): never the same topic twice
            skipped = [SlotSet(f"{PREFIX}{self.topic}", UNKNOWN)]
            answered = [t for t in SELFCHECK_TOPICS if tracker.get_slot(f"{PREFIX}{t}")] + [self.topic]
            nxt = selfcheck.next_topic(stored_facts(tracker), answered, load(), _said(tracker))
            if nxt is not None:
                ask(dispatcher, nxt)
                return [*skipped, SlotSet("requested_slot", f"{PREFIX}{nxt}")]
            return [*skipped, SlotSet("requested_slot", None), ActiveLoop(None)]  # the form's end rule reports

    AskSelfcheck.__name__ = f"AskSelfcheck_{tid}"
    return AskSelfcheck


# one ask action per self-check topic of knowledge/catalog.yml (slot sc_<topic> in the domain)
SELFCHECK_TOPICS = selfcheck_topic_ids()
ASK_ACTIONS = {tid: _ask_action(tid) for tid in SELFCHECK_TOPICS}
