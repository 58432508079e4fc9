"""NLU pipeline step: the one normalisation of a message for understanding, before jieba.

NFKC (full-width digits), Traditional → Simplified, control characters,
whitespace, the length cap and common misspellings (带款 → 贷款): `loanwhy.detect.prepare`.
The text it leaves is marked `Prepared`: the NLU steps after it read it as it is, and so do
the actions, which get it back as the latest message's text (`actions.common.latest_text`).
The channel's guard (channels/guard.py) has already cleaned and masked it for the tracker store;
training data and `rasa test` never pass a channel, so the clean-up is part of this step too.
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

from loanwhy.detect import Prepared, prepare


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
    def _prepared(message: Message) -> str | None:
        """The message's text prepared, or None: no text, a slash command, nothing left after clean-up."""
        text = message.get(TEXT)
        if not isinstance(text, str) or not text or text.startswith("/"):
            return None
        return prepare(text) or None

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            prepared = self._prepared(message)
            if prepared is not None:
                message.set(TEXT, prepared)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            prepared = self._prepared(message)
            if prepared is not None:
                message.set(TEXT, Prepared(prepared))
        return messages
