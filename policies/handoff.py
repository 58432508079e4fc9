"""While staff own a conversation, the bot listens instead of answering.

The handoff record in var/app.sqlite (loanwhy.handoff) is the one source of
truth: staff close it and the bot answers again. User messages are still stored
in the tracker, so staff see everything.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from loanwhy import handoff

HANDOFF_INTENT = "request_handoff"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT], is_trainable=False)
class HandoffPolicy(Policy):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"priority": 7}

    def train(self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        scores = self._default_predictions(domain)
        intent = tracker.latest_message.intent.get("name") if tracker.latest_message else None
        if (
            tracker.latest_action_name == ACTION_LISTEN_NAME
            and intent != HANDOFF_INTENT
            and handoff.is_handed_off(tracker.sender_id)
        ):
            scores[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
        return self._prediction(scores)
