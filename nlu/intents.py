"""Shared by our NLU steps after DIET: replace the predicted intent with a certain one."""

from __future__ import annotations

from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

SECOND_BEST = 0.9


def force_intent(message: Message, name: str) -> None:
    """`name` becomes the intent with confidence 1.0 and heads the ranking (listed once)."""
    top = {INTENT_NAME_KEY: name, "confidence": 1.0}
    # an intent an earlier step forced keeps its place but no longer ties with this one
    # (a tie would read as ambiguous to the FallbackClassifier)
    ranking = [
        {**r, "confidence": min(float(r.get("confidence") or 0.0), SECOND_BEST)}
        for r in message.get(INTENT_RANKING_KEY) or []
        if r.get(INTENT_NAME_KEY) != name
    ]
    message.set(INTENT, top, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [top, *ranking], add_to_output=True)
