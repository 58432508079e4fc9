"""Factual answers, read from the knowledge base by intent name."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_text, stored_facts
from actions.diagnosis import send_report
from actions.selfcheck import form_used
from actions.terms import explain_terms
from actions.welcome import offer_selfcheck_at_start
from loanwhy import cases
from loanwhy import diagnose as dx
from loanwhy.answers import fact_for
from loanwhy.detect import RAISED, prepare
from loanwhy.kb import load

FAQ_PREFIX = "faq_"


class ActionAnswerFact(Action):
    def name(self) -> str:
        return "action_answer_fact"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        intent = str(((tracker.latest_message or {}).get("intent") or {}).get("name") or "")
        text = latest_text(tracker)
        # the other lender's counterpart when the question names only that one
        fact = fact_for(intent[len(FAQ_PREFIX) :], prepare(text)) if intent.startswith(FAQ_PREFIX) else None
        explain_terms(dispatcher, tracker, go_on=False)  # slang asked about in the same question comes first
        if fact is None:
            dispatcher.utter_message(response="utter_fact_missing")
        else:
            dispatcher.utter_message(response="utter_fact", answer=" ".join(str(fact["answer"]).split()))
        # a message that states a settled card overdue may arrive as a question about overdue debts:
        # what it states about the applicant still counts for a later diagnosis
        said = dx.findings_to_facts(text)
        if not said and not stored_facts(tracker) and not form_used(tracker) and _refused(text):
            # a fact asked by someone refused for no stated reason: the answer, then the questions that find the reason
            dispatcher.utter_message(response="utter_selfcheck_start")
            return [FollowupAction("selfcheck_form")]
        if not said:
            return offer_selfcheck_at_start(dispatcher, tracker)
        facts = dx.merge(stored_facts(tracker), said)
        events: list[EventType] = [SlotSet("facts", facts)]
        if _refused_with_reasons(text, said):
            # a fact asked by someone refused who also states a problem: the answer, then the likely reasons
            raised = send_report(dispatcher, facts)
            channel = str(tracker.get_latest_input_channel() or "")
            cases.record(tracker.sender_id, channel, raised, dx.diagnose(facts).payload(), text[-2000:])
            events.append(SlotSet("last_report", raised))
            return events
        return events + offer_selfcheck_at_start(dispatcher, tracker)


def _refused(text: str) -> bool:
    """The message also says the applicant was refused (the lexicon's refused_words)."""
    refused = str(load().lexicon.get("refused_words") or "")
    return bool(refused) and bool(re.search(refused, prepare(text)))


def _refused_with_reasons(text: str, said: dx.Facts) -> bool:
    """The question also says the applicant was refused and states a problem of their own."""
    return any(f.get("state") == RAISED for f in said.values()) and _refused(text)
