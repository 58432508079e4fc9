"""NLU step after DIET: a message that states a situation is a situation, whatever DIET guessed.

"大数据花了还能贷款吗" or "负债率太高被拒了" may look like a greeting, a question or
out of scope to DIET; when the signal detection (`loanwhy.detect`: rules and the
learned classifier) finds a raised signal, the intent becomes `describe_situation`
so the applicant gets the diagnosis at once. Lender wording that names no reason
("综合评分不足") without any situation becomes `ask_lender_wording`: explained, then
the short self-check. Refusal cues run after this step and still win.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from loanwhy.detect import RAISED, analyse
from loanwhy.kb import load
from nlu.intents import force_intent

SITUATION, WORDING = "describe_situation", "ask_lender_wording"
# intents a stated situation overrides; follow-ups, facts, handoff and stop requests keep theirs
REROUTE = {
    "out_of_scope", "greet", "goodbye", "thank", "affirm", "deny", "dont_know", "help", "bot_challenge",
    "ask_refusal_reason", "ask_lender_wording", "faq_refusal_general", "faq_puhui_refusal",
}
WORDING_FROM = REROUTE | {"describe_situation", "ask_signal_info"}
# DIET's refusals stay: "帮我把流水弄好看点" states a cash-flow problem and still asks to falsify


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SituationCues(GraphComponent):
    def __init__(self, wording: re.Pattern[str] | None) -> None:
        self.wording = wording

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SituationCues:
        words = load().lexicon.get("lender_wording", [])
        return cls(re.compile("|".join(words)) if words else None)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not isinstance(text, str) or not text.strip() or text.startswith("/"):
                continue
            current = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            raised = any(f.state == RAISED for f in analyse(text).values())
            if raised and current in REROUTE and current != SITUATION:
                force_intent(message, SITUATION)
            elif not raised and current in WORDING_FROM and self.wording is not None and self.wording.search(text):
                force_intent(message, WORDING)
        return messages
