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


def max_questions(kb: Knowledge | None = None) -> int:
    return int((kb or load()).catalog.get("selfcheck_max", 4))


def _telling(sid: str, order: list[str], facts: Facts, said: str, kb: Knowledge) -> float:
    """How telling a question is now: its base rank, then what is known and what was said."""
    score = float(len(order) - order.index(sid))
    raised = [s for s, f in facts.items() if f.get("state") == RAISED]
    for known in raised:
        follow = kb.catalog.get("selfcheck_follow", {}).get(known, [])
        if sid in follow:
            score += 20 - 2 * follow.index(sid)
    for rule in kb.catalog.get("selfcheck_context", []):
        if sid in rule["ask"] and re.search(rule["words"], said):
            score += 10 - rule["ask"].index(sid)
    return score


def next_question(
    facts: Facts | None, asked: list[str] | None = None, kb: Knowledge | None = None, said: str = ""
) -> str | None:
    """The most telling question not yet known nor asked, or None when it is time for the result.

    The result comes after `selfcheck_max` questions, once `selfcheck_enough` reasons are
    known, or when an answer described more than the question asked about.
    """
    kb = kb or load()
    facts = facts or {}
    asked = asked or []
    raised = [s for s, f in facts.items() if f.get("state") == RAISED]
    if len(asked) >= max_questions(kb) or (asked and len(raised) >= int(kb.catalog.get("selfcheck_enough", 2))):
        return None
    if asked and any(s not in asked for s in raised) and len(raised) >= 1 and len(asked) >= 2:
        return None
    order = questions(kb)
    left = [sid for sid in order if sid not in facts and sid not in asked]
    if not left:
        return None
    return max(left, key=lambda sid: _telling(sid, order, facts, said, kb))


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
    entry = kb.signals[sid]
    states = entry.get("answer_states") or []
    if text.strip() in entry["answers"] and len(states) == len(entry["answers"]):
        state = states[entry["answers"].index(text.strip())]
        return state, ({} if state == UNKNOWN else {sid: {"state": state, "evidence": text, "value": None}})
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
            # rules only: the prefix is our word, the classifier would read it as the applicant's
            guided = findings_to_facts(prefix + (first[0] if numeric else text), kb, use_model=False)
            if sid in guided:
                facts[sid] = guided[sid]
    state = facts.get(sid, {}).get("state")
    if state is None and not facts and _denies(text, kb):
        # "没借过钱，哪来的逾期" / "网贷从来没用过": a plain denial answers the question asked
        state = FINE
        facts[sid] = {"state": FINE, "evidence": text, "value": None}
    return state, facts


def _denies(text: str, kb: Knowledge) -> bool:
    clean = prepare(text, kb)
    for word in sorted(kb.lexicon["not_negations"], key=len, reverse=True):
        clean = clean.replace(word, "_")
    return any(n in clean for n in kb.lexicon["negators"]) or any(n in clean for n in kb.lexicon["no_words"] if len(n) > 1)
