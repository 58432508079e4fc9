"""NLU step after DIET: the one place that decides whether a message is about our domain.

DIET sometimes maps a long unrelated story to `ask_refusal_reason`. If the text
has none of the domain words listed in knowledge/lexicon.yml (贷, 征信, 卡, ...),
the domain intents and the FAQ answers are replaced by `out_of_scope`, so the user gets
the scope reminder instead of a self-check about loans they never mentioned. Every message
also carries the verdict of `loanwhy.scope.off_topic` in its parse data, for the
actions that answer a follow-up question (they act on it, they do not decide it).
"""

from __future__ import annotations

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
    def __init__(self, words: list[str]) -> None:
        self.words = words

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DomainRelevance:
        return cls(load().domain_words)

    def relevant(self, text: str) -> bool:
        return has_any(text, self.words)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            text = message.get(TEXT) or ""
            name = str(intent.get(INTENT_NAME_KEY) or "")
            if (name in GATED or name.startswith(FAQ_PREFIX)) and self.words and not self.relevant(text):
                force_intent(message, OUT_OF_SCOPE)
            message.set(scope.OFF_TOPIC, scope.off_topic(text, self.words), add_to_output=True)
        return messages
