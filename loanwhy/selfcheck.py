"""The guided self-check: which question next, and what an answer means.

Answers may be a button text, a number ("十几次"), a yes/no, "不知道", or a
whole sentence that also mentions other signals; all of them become facts.
"""

from __future__ import annotations

import re

from loanwhy import quantities as q
from loanwhy.detect import FINE, RAISED, clauses, prepare
from loanwhy.diagnose import Facts, findings_to_facts
from loanwhy.kb import Knowledge, load

UNKNOWN = "unknown"
SHORT_ANSWER = 14
_PARTICLES = re.compile(r"[的啊呀呢吧哦噢喔了嘛,，。.!！~～\s]+$")


def questions(kb: Knowledge | None = None) -> list[str]:
    kb = kb or load()
    return [sid for sid in kb.catalog.get("selfcheck", []) if kb.signals[sid]["question"]]


def next_question(facts: Facts | None, asked: list[str] | None = None, kb: Knowledge | None = None) -> str | None:
    """The first self-check signal not yet known nor asked."""
    facts = facts or {}
    asked = asked or []
    for sid in questions(kb):
        if sid not in facts and sid not in asked:
            return sid
    return None


def _short_answer(text: str, kb: Knowledge) -> str | None:
    word = _PARTICLES.sub("", text.strip())
    lex = kb.lexicon
    if word in lex["unknown_words"] or any(w in word for w in lex["unknown_words"] if len(w) >= 3):
        return UNKNOWN
    if word in lex["no_words"]:
        return FINE
    if word in lex["yes_words"]:
        return RAISED
    return None


def _has_quantity(text: str) -> bool:
    return bool(q.counts(text) or q.amounts(text) or q.ratios(text))


def parse_answer(text: str, sid: str, kb: Knowledge | None = None) -> tuple[str | None, Facts]:
    """(state of the asked signal or None, every fact the answer states)."""
    kb = kb or load()
    short = _short_answer(text, kb)
    if short is not None:
        facts: Facts = {} if short == UNKNOWN else {sid: {"state": short, "evidence": text, "value": None}}
        return short, facts
    facts = findings_to_facts(text, kb)
    prefix = kb.signals[sid].get("answer_prefix") or ""
    if sid not in facts and prefix:
        # "十几次吧" answers the question asked; a sentence about other things does not
        first = clauses(prepare(text, kb), kb)[:1]
        numeric = bool(first) and _has_quantity(first[0])
        if numeric or (not facts and len(text.strip()) <= SHORT_ANSWER):
            guided = findings_to_facts(prefix + (first[0] if numeric else text), kb)
            if sid in guided:
                facts[sid] = guided[sid]
    state = facts.get(sid, {}).get("state")
    return state, facts
