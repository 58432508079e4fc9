"""NLU step after DIET: a message that states a situation is a situation, whatever DIET guessed.

"大数据花了还能贷款吗" or "负债率太高被拒了" may look like a greeting, a question or
out of scope to DIET; when the signal detection (`loanwhy.detect`: rules and the
learned classifier) finds a raised signal, the intent becomes `describe_situation`
so the applicant gets the diagnosis at once. A refusal said in any words ("贷款没下来，
你说说是哪的问题") starts the refusal path even when DIET is unsure. Lender wording that names no reason
("综合评分不足") without any situation becomes `ask_lender_wording`: explained, then
the short self-check. A statement of how things stand ("没拖过款，就申请了这一回", often the
answer to our own question) is a situation too, not the FAQ whose words it shares, and so is a
message taking back what was said ("刚才说的不对，炒股的是我老公").
Refusal cues run after this step and still win.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from loanwhy.detect import RAISED, analyse, turns_against
from loanwhy.kb import Knowledge, has_any, load
from nlu.intents import force_intent

SITUATION, WORDING, REFUSED = "describe_situation", "ask_lender_wording", "ask_refusal_reason"
HANDOFF = "request_handoff"
UNSURE = 0.6  # below this DIET is not sure of its intent
FALLBACK = 0.4  # FallbackClassifier's threshold (config.yml): below it a FAQ guess would end in "did you mean"
AMBIGUITY = 0.05  # FallbackClassifier's ambiguity_threshold (config.yml)
# intents a stated situation overrides (any intent DIET is unsure of, too); follow-ups, facts,
# handoff and stop requests keep theirs
REROUTE = {
    "out_of_scope",
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "dont_know",
    "help",
    "bot_challenge",
    "ask_refusal_reason",
    "ask_lender_wording",
    "faq_refusal_general",
    "faq_puhui_refusal",
    "ask_signal_info",
    "ask_why_matters",  # "经营贷为什么不给批" is no follow-up on a diagnosis
}
WORDING_FROM = REROUTE | {"describe_situation", "ask_signal_info"}
# DIET's refusals stay: "帮我把流水弄好看点" states a cash-flow problem and still asks to falsify


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SituationCues(GraphComponent):
    def __init__(
        self,
        wording: re.Pattern[str] | None,
        refused: re.Pattern[str] | None = None,
        handoff: re.Pattern[str] | None = None,
        question: re.Pattern[str] | None = None,
        loan_words: list[str] | None = None,
        why: re.Pattern[str] | None = None,
        domain: Callable[[str], bool] | None = None,
    ) -> None:
        self.domain = domain
        self.loan_words = loan_words or []
        self.why = why
        self.wording = wording
        self.refused = refused
        self.handoff = handoff
        self.question = question

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SituationCues:
        return cls.from_knowledge(load())

    @classmethod
    def from_knowledge(cls, kb: Knowledge) -> SituationCues:
        """Every word list of the lexicon this step reads."""
        lex = kb.lexicon
        words = lex.get("lender_wording", [])
        refused = lex.get("refused_words")
        handoff, question, why = lex.get("handoff_asked"), lex.get("question_words"), lex.get("asks_why")
        return cls(
            re.compile("|".join(words)) if words else None,
            re.compile(refused) if refused else None,
            re.compile(handoff) if handoff else None,
            re.compile(question) if question else None,
            lex.get("loan_words"),
            re.compile(why) if why else None,
            kb.mentions_domain,
        )

    def _elsewhere(self, current: Any, confidence: float, text: str) -> bool:
        """DIET is sure the message is about something else, and no word of it is about loans: a
        signal's word in another sense ("图书馆的书逾期", "流量额度用完了") makes no situation."""
        return (
            current == "out_of_scope"
            and confidence >= UNSURE
            and bool(self.loan_words)
            and not has_any(text, self.loan_words)
        )

    def _gives_way(self, current: Any, confidence: float, text: str) -> bool:
        """Whether DIET's intent yields to a refusal in the applicant's words: when it is faint; a FAQ
        only to a statement ("抵押贷款没批"), never to a question ("被拒后多久能再申请"); others when
        they are small talk, or DIET is unsure and the message states rather than asks."""
        if confidence < FALLBACK:
            return True
        if str(current).startswith("faq_") or current == "ask_promise":
            # "为啥不给我批？我条件挺好的啊" asks why, it asks for no promise
            return self._states(text) or self._asks_why(text)
        return current in REROUTE or (confidence < UNSURE and self._states(text))

    def _states(self, text: str) -> bool:
        """A statement, not a question: "抵押贷款没批" is a refusal even if DIET heard a FAQ."""
        return self.question is not None and not self.question.search(text)

    def _asks_why(self, text: str) -> bool:
        """Why one was refused, or whether something was the reason ("怎么就没批呢"): no FAQ answers that."""
        return self.why is not None and bool(self.why.search(text))

    def _wording_from(self, current: Any, text: str) -> bool:
        """DIET's intent gives way to lender wording; "秒拒，连人工审核都没有" asks for no person."""
        if current == HANDOFF:
            return self.handoff is not None and not self.handoff.search(text)
        return current in WORDING_FROM

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not isinstance(text, str) or not text.strip() or text.startswith("/"):
                continue
            predicted = message.get(INTENT) or {}
            current, confidence = predicted.get(INTENT_NAME_KEY), float(predicted.get("confidence") or 0.0)
            # "红烧肉怎么做？家里没有白糖" names no word of loans: whatever the detector reads, no situation
            ours = self.domain is None or self.domain(text)
            found = list(analyse(text).values()) if ours else []
            raised = any(f.state == RAISED for f in found)
            # an intent already right but below FallbackClassifier's bar is made sure, or it ends in "did you mean"
            # too close to the runner-up is as bad: FallbackClassifier's ambiguity_threshold sends both to "did you mean"
            ranking = message.get(INTENT_RANKING_KEY) or []
            runner_up = max(
                (float(r.get("confidence") or 0.0) for r in ranking if r.get(INTENT_NAME_KEY) != current), default=0.0
            )
            faint = confidence < FALLBACK or confidence - runner_up < AMBIGUITY
            if raised and self._elsewhere(current, confidence, text):
                continue
            # a FAQ guess gives way to a stated situation ("房贷还不上了，已经拖了两个月"), not to a question
            statement_not_faq = str(current).startswith("faq_") and (self._states(text) or self._asks_why(text))
            # "收入都是现金结的，是不是流水不够": DIET heard a request to falsify; the refusal step still
            # refuses what its rules or the learned check call one, and otherwise the situation stands
            statement_not_faq = statement_not_faq or (current == "request_falsify" and self._asks_why(text))
            if (
                raised
                and (current in REROUTE or confidence < UNSURE or statement_not_faq)
                and (current != SITUATION or faint)
            ):
                force_intent(message, SITUATION)
            elif (
                not raised
                and self._wording_from(current, text)
                and self.wording is not None
                and self.wording.search(text)
            ):
                force_intent(message, WORDING)
            elif (
                not raised
                and self.refused is not None
                and self.refused.search(text)
                and (current not in (SITUATION, REFUSED) or faint)
                and self._gives_way(current, confidence, text)
            ):
                # "这次怎么就不给我贷了?": a refusal in the applicant's words, even when DIET is unsure
                force_intent(message, REFUSED)
            elif (
                not raised
                and found
                and (str(current).startswith("faq_") or faint)
                and current != HANDOFF
                and self._states(text)
            ):
                # "没拖欠过，就申请了这一回": the applicant says how things stand (often answering our
                # question), in words a FAQ also uses; it asks nothing, so no FAQ answers it (nor FactVote's).
                # "不过去年已经把车间关了": a correction DIET cannot place is news, not "did you mean"
                force_intent(message, SITUATION)
            elif (
                not raised
                and (str(current).startswith("faq_") or faint or current in REROUTE)
                and current not in (SITUATION, HANDOFF)
                and ours
                and self._states(text)
                and turns_against(text)
            ):
                # "刚才说的不对，炒股的是我老公，…": a message taking back what was said is news about the
                # situation, never the FAQ whose words it shares
                force_intent(message, SITUATION)
            elif (
                not raised
                and confidence < FALLBACK
                and self._asks_why(text)
                and (self.domain is None or self.domain(text))
            ):
                # "是不是因为我之前借过高利贷？" asks why, in no words DIET knows: the self-check, not "did you mean"
                force_intent(message, REFUSED)
        return messages
