"""NLU step before the FallbackClassifier: a factual question DIET is unsure about gets the fact
that DIET and the knowledge search agree on.

DIET spreads its confidence over 26 close FAQ answers, so a plainly factual question in
unusual words ("亚联财是哪年进的大陆？靠不靠谱") often falls under the fallback threshold with the
right answer among its first few guesses. The staff knowledge search (loanwhy/search.py: the
facts' titles, keywords and answers) reads the same text another way. When the message would
fall back, and a fact is both among DIET's first `top_k` FAQ guesses and the search's best fact
among them, that FAQ intent is taken. Anything DIET or an earlier step is sure of is left alone,
and so is a message with no domain word (it runs after nlu.relevance.DomainRelevance).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from loanwhy import scope, search
from loanwhy.kb import Knowledge, load
from nlu.intents import force_intent

FAQ_PREFIX = "faq_"


def unsure(ranking: list[dict[str, Any]], threshold: float, ambiguity: float) -> bool:
    """What the FallbackClassifier would turn into nlu_fallback: a low top, or two tied at the top."""
    scores = [float(r.get("confidence") or 0.0) for r in ranking[:2]]
    if not scores:
        return False
    return scores[0] < threshold or (len(scores) == 2 and scores[0] - scores[1] < ambiguity)


def faq_guesses(ranking: list[dict[str, Any]], top_k: int) -> list[str]:
    """The fact ids of the FAQ intents among the first `top_k` of the ranking."""
    names = [str(r.get(INTENT_NAME_KEY) or "") for r in ranking[:top_k]]
    return [n[len(FAQ_PREFIX) :] for n in names if n.startswith(FAQ_PREFIX)]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class FactVote(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # threshold and ambiguity_threshold: the FallbackClassifier's, as config.yml sets them
        return {"threshold": 0.4, "ambiguity_threshold": 0.05, "top_k": 5}

    def __init__(self, config: dict[str, Any], kb: Knowledge | None = None, index: Path | None = None) -> None:
        self.threshold = float(config["threshold"])
        self.ambiguity = float(config["ambiguity_threshold"])
        self.top_k = int(config["top_k"])
        self.kb = kb  # None: the running knowledge base, and the search index in the app database
        self.index = index

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> FactVote:
        return cls({**cls.get_default_config(), **config})

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            ranking = message.get(INTENT_RANKING_KEY) or []
            if not isinstance(text, str) or not text.strip() or text.startswith("/") or message.get(scope.OFF_TOPIC):
                continue  # no domain word (DomainRelevance's verdict): "春节高速哪天免费" asks no fact of ours
            if not (message.get(INTENT) or {}).get(INTENT_NAME_KEY) or not unsure(
                ranking, self.threshold, self.ambiguity
            ):
                continue
            guesses = faq_guesses(ranking, self.top_k)
            fact = search.agreed_fact(text, guesses, self.kb or load(), self.index) if guesses else None
            if fact is not None:
                force_intent(message, f"{FAQ_PREFIX}{fact}")
        return messages
