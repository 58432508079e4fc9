"""Which fact answers a question: the classifier's choice, or the other lender's counterpart.

Questions about the two lenders are asked the same way ("在哪些城市有店", "是哪年成立的"), so the
intent classifier may pick 亚联财's fact for a question about 普惠金融. A fact that belongs to one
lender (`lender` in knowledge/facts/) names its `counterparts`: the fact that answers the same
question for another lender. When the question names only another lender, that one is the answer.
"""

from __future__ import annotations

from typing import Any

from loanwhy.kb import Knowledge, has_any, load


def lenders_named(text: str, kb: Knowledge | None = None) -> set[str]:
    """The lenders (ids of the lexicon's `lender_names`) the text names."""
    names: dict[str, list[str]] = (kb or load()).lexicon.get("lender_names") or {}
    return {lender for lender, words in names.items() if has_any(text, words)}


def fact_for(fact_id: str, text: str, kb: Knowledge | None = None) -> dict[str, Any] | None:
    """The fact `fact_id`, or its counterpart for the only other lender the text names."""
    kb = kb or load()
    fact = kb.facts.get(fact_id)
    if fact is None:
        return None
    own = fact.get("lender") or ""
    named = lenders_named(text, kb)
    if not own or not named or own in named or len(named) > 1:
        return fact
    other = (fact.get("counterparts") or {}).get(next(iter(named)))
    return kb.facts.get(other, fact) if other else fact
