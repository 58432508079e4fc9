"""Actions that analyse what the applicant said and report the likely reasons."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import earlier_texts, latest_text, stored_facts
from actions.selfcheck import ask, asked_topics, form_used, pending_follow_up
from actions.welcome import offer_selfcheck_at_start
from loanwhy import cases, report, scope, selfcheck
from loanwhy import diagnose as dx
from loanwhy.kb import load

# a report read from the applicant's own words (not the self-check's end, not a stop_selfcheck request)
FROM_OWN_WORDS = {"describe_situation", "ask_refusal_reason", "ask_lender_wording"}
# what a text gets when it is not read as an answer to the follow-up question after all
NOT_AN_ANSWER = {"out_of_scope": "action_out_of_scope", "nlu_fallback": "action_suggest"}


def off_topic(tracker: Tracker) -> bool:
    """NLU's verdict on the latest message (nlu/relevance.py, loanwhy/scope.py): more than a bare
    follow-up, and nothing of our domain in it."""
    return (tracker.latest_message or {}).get(scope.OFF_TOPIC) is True


def _intent(tracker: Tracker) -> str:
    return str(((tracker.latest_message or {}).get("intent") or {}).get("name") or "")


def send_report(dispatcher: CollectingDispatcher, facts: dx.Facts) -> list[str]:
    """Send the ranked report laid out by `loanwhy.report.build`; returns the raised ids."""
    built = report.build(facts, load())
    for utterance in built.utterances:
        if utterance.custom is not None:
            dispatcher.utter_message(json_message=utterance.custom)
        else:
            dispatcher.utter_message(response=utterance.response, **utterance.values)
    return built.raised


class ActionAnalyseMessage(Action):
    """Merge the facts of the latest message; tell the rules whether to report or ask."""

    def name(self) -> str:
        return "action_analyse_message"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        text = latest_text(tracker)
        found = dx.findings_to_facts(text)
        tid = pending_follow_up(tracker)
        stored = stored_facts(tracker)
        if tid is None:
            facts = dx.merge(stored, found)
            said = found
        else:
            # the answer to the question the last report ended with decides its own topic; about other
            # topics it may end or deny what was said (a guarantee released) but not raise what the
            # applicant already denied (other customers' arrears after "no overdue")
            _, new = selfcheck.parse_answer(text, tid, load())
            if not new and not found and _intent(tracker) in NOT_AN_ANSWER:
                return [SlotSet("follow_up_open", False), FollowupAction(NOT_AN_ANSWER[_intent(tracker)])]
            # ... and a count that decides nothing (two cards named in passing) ends nothing said before
            outside = {
                sid: f
                for sid, f in found.items()
                if sid not in stored or (f.get("state") != dx.RAISED and not f.get("soft"))
            }
            facts = selfcheck.merge_answer(dx.merge(stored, outside), {**found, **new}, tid, load())
            said = {**found, **new, tid: {}}  # the asked topic is the answer's to decide
        # an earlier overdue, then "that was back in 2015": the new message may take back an older problem
        facts = {**facts, **dx.taken_back(stored, text, said, earlier=earlier_texts(tracker), merged=facts)}
        known = any(f.get("state") == "raised" for f in facts.values()) or len(facts) >= 3
        # an answer to the question a report ended with updates that report, even when it clears the
        # only problem the report named (the workshop the report blamed was closed last year)
        known = known or (tid is not None and bool(facts))
        return [SlotSet("facts", facts), SlotSet("situation_known", known)]


class ActionDiagnose(Action):
    def name(self) -> str:
        return "action_diagnose"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        facts = stored_facts(tracker)
        intent = _intent(tracker)
        if intent == "stop_selfcheck" and not facts and not form_used(tracker):
            # a bare "analyse it for me" before anything is known: nothing to report yet, so ask instead of an empty result
            dispatcher.utter_message(response="utter_selfcheck_start")
            return [FollowupAction("selfcheck_form")]
        result = dx.diagnose(facts)
        said = " | ".join(str(e.get("text") or "") for e in tracker.events if e.get("event") == "user")
        # the follow-up's answer counts as own words whatever NLU called it (a bare "no" is deny), a request
        # for the result does not
        answering = pending_follow_up(tracker) is not None and intent != "stop_selfcheck"
        own_words = intent in FROM_OWN_WORDS or answering
        if answering and result.raised == list(tracker.get_slot("last_report") or []):
            # an answer to the follow-up that changed nothing: one line and the same card, not a second report
            dispatcher.utter_message(response="utter_follow_up_same")
            dispatcher.utter_message(json_message=result.payload())
            raised = list(result.raised)
        else:
            if result.raised and dx.names_lender_wording(latest_text(tracker)):
                # lender wording that names no reason, with a situation: what the wording means, then the reasons
                dispatcher.utter_message(response="utter_lender_wording_found")
            raised = send_report(dispatcher, facts)
            channel = str(tracker.get_latest_input_channel() or "")
            cases.record(tracker.sender_id, channel, raised, result.payload(), said[-2000:])
        asked = own_words and not form_used(tracker) and self._follow_up(dispatcher, tracker, facts, said)
        return [SlotSet("last_report", raised), SlotSet("follow_up_open", asked)]

    @staticmethod
    def _follow_up(dispatcher: CollectingDispatcher, tracker: Tracker, facts: dx.Facts, said: str) -> bool:
        """A result from a few words may miss a reason: offer the question most likely to change it."""
        tid = selfcheck.follow_up_topic(facts, asked_topics(tracker), load(), said)
        if tid is None:
            return False
        dispatcher.utter_message(response="utter_follow_up")
        ask(dispatcher, tid, follow_up=True)
        return True


def _focus(tracker: Tracker) -> list[str]:
    """Signals a follow-up is about: the ones named in it, else the last report's principal ones."""
    kb = load()
    named = dx.topic_signals(latest_text(tracker), kb)
    if named:
        return named[:3]
    last = tracker.get_slot("last_report") or []
    if not last:
        last = dx.diagnose(stored_facts(tracker), kb).raised
    return list(last)[: int(kb.catalog.get("principal_reasons", 3))]


class FollowUpAnswer(Action, ABC):
    """A follow-up question on the signals in focus: `each` once per signal, `none` when there are
    none to speak of, the scope reminder when NLU found the question is about something else.
    Abstract, so the action server registers only the subclasses."""

    each: ClassVar[str]
    none: ClassVar[str]

    @abstractmethod
    def name(self) -> str: ...

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        ids = _focus(tracker)
        if not ids:
            dispatcher.utter_message(response="utter_out_of_scope" if off_topic(tracker) else self.none)
        for sid in ids:
            dispatcher.utter_message(response=self.each, **report.signal_values(sid))
        return []


class ActionExplainWhy(FollowUpAnswer):
    each, none = "utter_why", "utter_why_none"

    def name(self) -> str:
        return "action_explain_why"


class ActionHowLong(FollowUpAnswer):
    each, none = "utter_how_long", "utter_how_long_none"

    def name(self) -> str:
        return "action_how_long"


class ActionWhatIf(Action):
    """Show how a hypothetical change would move the diagnosis, without storing it."""

    def name(self) -> str:
        return "action_what_if"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        kb = load()
        facts = stored_facts(tracker)
        if not facts:
            dispatcher.utter_message(response="utter_whatif_no_facts")
            return []
        change = dx.what_if(facts, latest_text(tracker), kb)
        if not dx.findings_to_facts(latest_text(tracker), kb, hypothetical=True):
            dispatcher.utter_message(response="utter_whatif_unclear")
            return []
        if change.resolved:
            dispatcher.utter_message(response="utter_whatif_resolved", names=report.names(change.resolved, kb))
        if change.added:
            dispatcher.utter_message(response="utter_whatif_added", names=report.names(change.added, kb))
        if not change.changed:
            dispatcher.utter_message(response="utter_whatif_same")
        if change.after.raised:
            dispatcher.utter_message(response="utter_whatif_remaining", names=report.names(change.after.raised, kb))
        else:
            dispatcher.utter_message(response="utter_whatif_clear")
        dispatcher.utter_message(
            json_message={**change.after.payload(), "what_if": {"resolved": change.resolved, "added": change.added}}
        )
        return []


class ActionExplainSignal(Action):
    """Answer a question about one signal from the same catalog entry the diagnosis uses."""

    def name(self) -> str:
        return "action_explain_signal"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        ids = dx.topic_signals(latest_text(tracker))
        if not ids:
            dispatcher.utter_message(response="utter_signal_unknown")
        for sid in ids[:2]:
            dispatcher.utter_message(response="utter_signal_info", **report.signal_values(sid))
        return offer_selfcheck_at_start(dispatcher, tracker)
