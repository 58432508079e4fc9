"""NLU step after DIET: a clear request to falsify, to buy a "clean" credit report or
to get a promise is always answered with the refusal, whatever DIET guessed; and a
question the refusal's own `unless` rules call lawful is never refused on DIET's word.

The wording rules are in knowledge/refusals.yml; loanwhy.refusals applies them. What
they miss, the learned refusal check (loanwhy.deceit) may still refuse: a message that
asks for something, names a loan or a document, and that the check reads as a request
to deceive a lender (with a lower bar when the text also plans to hide, alter or get past a
check: `deceit_markers`; a much higher one when no word in it asks: "银行流水半年的，出一份多少米").
A cue in a text that asks for nothing and that the check reads as lawful tells a story
("单位电话随便写了个座机，后来审核没通过"): it is not refused; nor is a cue in any text the check
is all but sure is lawful ("征信修复是不是全是骗人的").
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from loanwhy import deceit, scope
from loanwhy.kb import has_any, load
from loanwhy.refusals import Rules, compile_rules, excused, refusal_intent
from nlu.intents import force_intent


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RefusalCues(GraphComponent):
    def __init__(
        self,
        rules: Rules,
        topic_words: list[str] | None = None,
        request: str | None = None,
        model: deceit.DeceitModel | None = None,
        marked: str | None = None,
    ) -> None:
        self.rules = rules
        self.refusals = {rule.name for rule in rules.intents}
        self.topic_words = topic_words or []
        self.request = re.compile(request) if request else None
        self.model = model
        self.marked = re.compile(marked) if marked else None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RefusalCues:
        lex = load().lexicon
        return cls(
            compile_rules(lex.get("refusals", {})),
            (lex.get("loan_words") or []) + (lex.get("document_words") or []),
            lex.get("request_markers"),
            deceit.load_model(),
            lex.get("deceit_markers"),
        )

    def _states(self, text: str) -> bool:
        """Nothing in it asks for anything: "银行说流水不够，拿不出证明" reports a situation."""
        return self.request is not None and not self.request.search(text)

    def _off_topic(self, text: str) -> bool:
        """No word of loans or documents: "红烧肉怎么做，教教我" asks no one to falsify anything."""
        return bool(self.topic_words) and not has_any(text, self.topic_words)

    def _only_tells(self, text: str, intent: str | None) -> bool:
        """A wording rule's cue in a text that asks nothing and that the learned check reads as lawful:
        the writer tells what happened ("单位电话随便写了个座机，后来审核没通过", "银行说查不到记录")."""
        return (
            intent in deceit.POSITIVE_INTENTS
            and self.model is not None
            and self._states(text)
            and self.model.probability(text) < deceit.STATEMENT_FLOOR
        )

    def _disowned(self, intent: str | None, text: str) -> bool:
        """A wording rule's cue in a text the learned check is all but sure asks nothing shady
        ("征信修复是不是全是骗人的", "前年P过一次流水被拒了，现在还能再申吗")."""
        return (
            intent in deceit.POSITIVE_INTENTS
            and self.model is not None
            and self.model.probability(text) < deceit.RULE_FLOOR
        )

    def _vetoed(self, text: str) -> bool:
        """DIET's request_falsify with no wording rule behind it, on a text the learned check is sure asks
        for nothing shady ("收入都是现金结的，是不是流水不够"): a wrong refusal is worse than a miss."""
        return self.model is not None and self.model.probability(text) < deceit.VETO

    def _learned(self, text: str, ranking: list[dict[str, Any]]) -> str | None:
        """The refusal the learned check finds in a request the wording rules did not know: the one of
        request_falsify and request_credit_repair that DIET ranks higher."""
        if self.model is None or self._off_topic(text) or excused(text, "request_falsify", self.rules):
            return None
        if self._states(text):  # no request word ("银行流水半年的，出一份多少米"): only a very sure check refuses
            if self.model.probability(text) < deceit.UNASKED_THRESHOLD:
                return None
        elif not self.model.asks_to_deceive(text, marked=bool(self.marked and self.marked.search(text))):
            return None
        names = [r.get(INTENT_NAME_KEY) for r in ranking]
        return next((n for n in names if n in deceit.POSITIVE_INTENTS), "request_falsify")

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not isinstance(text, str) or text.startswith("/"):
                continue
            intent = refusal_intent(text, self.rules)
            disowned = self._disowned(intent, text)
            if disowned or self._only_tells(text, intent):
                intent = None
            current = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if intent is None:  # also when DIET guessed a refusal faintly: the check makes it sure
                intent = self._learned(text, message.get(INTENT_RANKING_KEY) or [])
            if intent is not None:  # also when DIET guessed it faintly: made sure before FallbackClassifier
                force_intent(message, intent)
            elif current in self.refusals and self._off_topic(text):
                force_intent(message, "out_of_scope")
            elif current in self.refusals and (
                (disowned and current in deceit.POSITIVE_INTENTS)
                or excused(text, str(current), self.rules)
                or (current == "request_falsify" and (self._states(text) or self._vetoed(text)))
            ):
                # DIET read a lawful question as a request to refuse: take its best other guess
                ranking = message.get(INTENT_RANKING_KEY) or []
                other = next((r[INTENT_NAME_KEY] for r in ranking if r.get(INTENT_NAME_KEY) not in self.refusals), None)
                if other is not None and message.get(scope.OFF_TOPIC):
                    other = "out_of_scope"  # "跨行转账多久到账": no word of ours, whatever DIET guessed next
                if other is not None:
                    force_intent(message, other)
        return messages
