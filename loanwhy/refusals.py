"""Requests the assistant must decline, recognised by their wording.

The cues live in knowledge/refusals.yml (built into the knowledge base). A cue
counts unless a negation stands just before it in the same clause ("我没有做假流水"
is a statement, not a request) or the message is excused: an `unless` pattern matches
it (a wrong record is disputed, not "repaired"), or a `doubts` pattern does and no
`goes_ahead` pattern does ("中介说能包装，靠谱吗" doubts; "…靠谱吗？我想试试" goes
ahead). Question forms such as 有没有 or 能不能 are not negations. Both word lists are
the lexicon's (`refusal_negators`, `refusal_not_negations`), not the detector's
`negators`: those deny a situation ("无逾期"), these decline a request ("我不想做假流水",
"拒绝了中介").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from loanwhy.kb import Knowledge, alternation, load

WINDOW = 6
CLAUSE_END = re.compile(r"[，,。.！!？?；;\n]")


@dataclass(frozen=True)
class IntentRules:
    """One refusal intent's rules (knowledge/refusals.yml)."""

    name: str
    cues: tuple[re.Pattern[str], ...]  # read clause by clause; a negation just before one cancels it
    unless: tuple[re.Pattern[str], ...]  # a lawful question, whatever the cues say
    # read over the whole message: a claim in one clause and the truth in the next ("我就说没有？其实我担了两笔")
    across: tuple[re.Pattern[str], ...] = ()
    doubts: tuple[re.Pattern[str], ...] = ()  # lawful while the writer only doubts or declines ...
    goes_ahead: re.Pattern[str] | None = None  # ... and does not mean to go ahead

    def excuses(self, text: str) -> bool:
        if any(u.search(text) for u in self.unless):
            return True
        return any(d.search(text) for d in self.doubts) and not (self.goes_ahead and self.goes_ahead.search(text))


@dataclass(frozen=True)
class Rules:
    intents: tuple[IntentRules, ...]


def _compiled(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


def compile_rules(raw: dict[str, dict[str, list[str]]]) -> Rules:
    return Rules(
        tuple(
            IntentRules(
                intent,
                _compiled(rule["cues"]),
                _compiled(rule.get("unless", [])),
                _compiled(rule.get("across", [])),
                _compiled(rule.get("doubts", [])),
                alternation(rule.get("goes_ahead", [])),
            )
            for intent, rule in raw.items()
        )
    )


@lru_cache(maxsize=4)
def _rules_for(knowledge: Knowledge) -> Rules:
    return compile_rules(knowledge.lexicon.get("refusals", {}))


def _words(words: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in words))


@lru_cache(maxsize=4)
def _negation_for(knowledge: Knowledge) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(negation words, question forms that contain one but deny nothing), from the lexicon."""
    return _words(knowledge.lexicon["refusal_negators"]), _words(knowledge.lexicon["refusal_not_negations"])


def negated(text: str, start: int, knowledge: Knowledge | None = None) -> bool:
    """True when a negation stands in the few characters before `start` in this clause."""
    negation, not_negations = _negation_for(knowledge or load())
    before = not_negations.sub(lambda m: "_" * len(m.group()), text[:start])
    return bool(negation.search(before[-WINDOW:]))


def refusal_intent(text: str, rules: Rules | None = None) -> str | None:
    """The refusal intent whose cue the text carries, or None."""
    if not text:
        return None
    rules = rules or _rules_for(load())
    clauses = [c for c in CLAUSE_END.split(text) if c]
    for rule in rules.intents:
        if rule.excuses(text):
            continue
        for cue in rule.cues:
            if any(not negated(clause, m.start()) for clause in clauses for m in cue.finditer(clause)):
                return rule.name
        if any(p.search(text) for p in rule.across):
            return rule.name
    return None


def excused(text: str, intent: str, rules: Rules | None = None) -> bool:
    """`intent`'s rules excuse the text: a lawful question, whatever DIET guessed
    ("收入是现金发的，怎么证明才合规", "流水不够能不能找人担保")."""
    rules = rules or _rules_for(load())
    return any(rule.excuses(text) for rule in rules.intents if rule.name == intent)
