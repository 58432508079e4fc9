"""NLU pipeline step: the same text clean-up the diagnosis uses, before jieba.

NFKC (full-width digits), Traditional → Simplified, control characters,
whitespace, the length cap and common misspellings (带款 → 贷款).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from loanwhy.detect import prepare


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class TextNormalizer(GraphComponent):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TextNormalizer:
        return cls()

    @staticmethod
    def _clean(message: Message) -> None:
        text = message.get(TEXT)
        if isinstance(text, str) and text and not text.startswith("/"):
            message.set(TEXT, prepare(text) or text)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            self._clean(message)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._clean(message)
        return messages
