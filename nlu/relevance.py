"""NLU step after DIET: the one place that decides whether a message is about our domain.

DIET sometimes maps a long unrelated story to `ask_refusal_reason`. If the text
has none of the domain words listed in knowledge/lexicon.yml (贷, 征信, 卡, ...), or asks about
another topic in our words (`off_topic_asks`: "信用卡积分能换点啥", with no loan word besides),
the domain intents and the FAQ answers are replaced by `out_of_scope`, so the user gets
the scope reminder instead of a self-check about loans they never mentioned. Every message
also carries the verdict of `loanwhy.scope.off_topic` in its parse data, for the
actions that answer a follow-up question (they act on it, they do not decide it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from loanwhy import scope
from loanwhy.kb import has_any, load
from nlu.intents import force_intent

GATED = {"ask_refusal_reason", "describe_situation", "what_if", "ask_signal_info"}
OUT_OF_SCOPE = "out_of_scope"
FAQ_PREFIX = "faq_"  # a FAQ answer to "明年房价会跌吗" is as wrong as a self-check


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class DomainRelevance(GraphComponent):
    def __init__(
        self, words: list[str], asks: Sequence[re.Pattern[str]] = (), loan_words: list[str] | None = None
    ) -> None:
        self.words = words
        self.asks = asks  # questions about another topic that borrow our words (lexicon off_topic_asks)
        self.loan_words = loan_words or []

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DomainRelevance:
        kb = load()
        asks = [re.compile(p) for p in kb.lexicon.get("off_topic_asks") or []]
        return cls(kb.domain_words, asks, list(kb.lexicon.get("loan_words") or []))

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            text = message.get(TEXT) or ""
            name = str(intent.get(INTENT_NAME_KEY) or "")
            elsewhere = scope.asks_elsewhere(text, self.asks, self.loan_words)
            relevant = has_any(text, self.words) and not elsewhere
            if (name in GATED or name.startswith(FAQ_PREFIX)) and self.words and not relevant:
                force_intent(message, OUT_OF_SCOPE)
            message.set(scope.OFF_TOPIC, elsewhere or scope.off_topic(text, self.words), add_to_output=True)
        return messages
