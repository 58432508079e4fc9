"""Findings → a ranked diagnosis, its payload, and what-if comparisons.

Facts are a plain dict `{signal_id: {"state", "evidence", "value"}}` so that a
Rasa slot, the staff tool and the case log can all carry them as JSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from loanwhy.detect import (
    FINE,
    RAISED,
    analyse,
    fiction,
    first_sentence,
    only_denial,
    sentence_with,
    turns_against,
)
from loanwhy.kb import Knowledge, load

Facts = dict[str, dict[str, Any]]


def findings_to_facts(
    text: str, kb: Knowledge | None = None, hypothetical: bool = False, use_model: bool = True
) -> Facts:
    return {sid: f.as_dict() for sid, f in analyse(text, kb, hypothetical, use_model).items()}


def merge(old: Facts | None, new: Facts) -> Facts:
    """Newer statements replace older ones about the same signal."""
    merged = dict(old or {})
    merged.update(new)
    return merged


def decided(said: Facts, old: Facts | None, merged: Facts) -> Facts:
    """What a message decided: `said` less the raised problems its merge left as they were. A blanket
    "no" in an answer does not undo a problem said before (`selfcheck.merge_answer`), yet the same message
    may still take it back ("我炒股亏了不少", then, answering the debts question, "刚才说的不对，炒股的是我老公")."""
    kept = {
        sid
        for sid, fact in (old or {}).items()
        if fact.get("state") == RAISED and merged.get(sid) == fact and said.get(sid, {}).get("state") != RAISED
    }
    return {sid: fact for sid, fact in said.items() if sid not in kept}


def taken_back(
    old: Facts | None,
    text: str,
    said: Facts,
    kb: Knowledge | None = None,
    earlier: list[str] | None = None,
    merged: Facts | None = None,
) -> Facts:
    """Problems an earlier message raised that the latest one takes back, read as if the two were one
    message: "信用卡逾期过一次" then "不过那是2015年的事了" or "哦不对，那是我老公的".

    Only a message that names no other topic can take something back ("申请了12万" then "哦不对，后来
    改成8万了"; "我去年炒股" then "今年初就全部清仓了"), and only a problem its evidence states: the
    clause alone, or else the sentence holding it in one of the `earlier` messages (given oldest first,
    read latest first): "做废旧塑料回收的，小作坊" then "哦说错了，那是我之前干的". A signal the latest
    message decides itself (`said`) is left to `merge`, unless the merge of it (`merged`, when given) left
    the problem standing (`decided`); a request ("直接说结果吧") or a question that only reads differently
    beside the problem takes nothing back.
    """
    kb = kb or load()
    if merged is not None:
        said = decided(said, old, merged)
    out: Facts = {}
    if only_denial(text, kb) or fiction(text, kb):
        return out  # "没有了" answers whatever was asked last; a story corrects nothing
    lead = first_sentence(text, kb)
    for sid, fact in (old or {}).items():
        evidence = str(fact.get("evidence") or "")
        if fact.get("state") != RAISED or sid in said or not evidence:
            continue
        reading = text
        if _other_topics(text, sid, kb):
            # "我本人没逾期过" after a guarantor's story speaks of its own topic; a message that opens by
            # taking it back and then goes on to another ("刚才说错了，刷爆的是我老公的卡。…流水很难看")
            # takes it back in that first sentence
            if not lead or _other_topics(lead, sid, kb) or not turns_against(lead, kb, sid):
                continue
            reading = lead
        context = _stating(sid, evidence, earlier or [], kb)
        if context is None:
            continue  # raised with the help of context no longer at hand: it cannot be re-read
        now = analyse(f"{context}，{reading}", kb).get(sid)
        if now is None and not turns_against(reading, kb, sid):
            continue  # read together the problem is gone, yet nothing denies it ("…，直接说结果吧")
        if now is None or now.state != RAISED:
            out[sid] = {"state": FINE, "evidence": now.evidence if now else text, "value": now.value if now else None}
    return out


def _other_topics(text: str, sid: str, kb: Knowledge) -> set[str]:
    """Signals other than `sid` the text is about, not counting the words it shares with `sid`
    ("不是担保人" names a guarantor, not a guarantee given)."""
    blanked = text
    for word in sorted(kb.signals[sid]["synonyms"], key=len, reverse=True):
        blanked = blanked.replace(word, "")
    topic = (kb.signals[sid]["recognise"].get("topic_cues") or {}).get("topic")
    if topic:  # the words that name what the signal speaks of ("担保人" for a weak guarantor)
        blanked = re.sub(topic, "", blanked)
    return set(topic_signals(blanked, kb)) - {sid}


def _stating(sid: str, evidence: str, earlier: list[str], kb: Knowledge) -> str | None:
    """The shortest text that raises `sid` on its own: the evidence clause, or the sentence of the
    latest earlier message that holds it."""
    candidates = [evidence, *(sentence_with(message, evidence, kb) for message in reversed(earlier))]
    for text in candidates:
        if text:
            found = analyse(text, kb).get(sid)
            if found is not None and found.state == RAISED:
                return text
    return None


@dataclass(frozen=True)
class Diagnosis:
    raised: list[str]  # most important first
    fine: list[str]
    facts: Facts
    kb: Knowledge

    @property
    def principal(self) -> list[str]:
        return self.raised[: int(self.kb.catalog.get("principal_reasons", 3))]

    @property
    def secondary(self) -> list[str]:
        return self.raised[len(self.principal) :]

    def signal_entry(self, sid: str) -> dict[str, Any]:
        s = self.kb.signals[sid]
        return {
            "id": sid,
            "name": s["name"],
            "severity": s["severity"],
            "summary": s["summary"],
            "why": " ".join(str(s["why"]).split()),
            "in_control": s["in_control"],
            "steps": [{"action": st["action"], "horizon": st["horizon"]} for st in s["steps"]],
            "value": self.facts.get(sid, {}).get("value"),
        }

    def payload(self) -> dict[str, Any]:
        """The `custom` payload of the diagnosis contract."""
        return {
            "diagnosis": {
                "signals": [self.signal_entry(sid) for sid in self.raised],
                "principal": self.principal,
                "checked_fine": self.fine,
                "likely_only": True,
            }
        }


MAX_PAYLOAD_DEPTH = 8  # how deep readers look for the diagnosis key in a custom payload


def find_diagnosis(obj: Any, depth: int = 0) -> dict[str, Any] | None:
    """The first `{"diagnosis": {...}}` value at any depth of a custom payload (the contract's reader side)."""
    if depth > MAX_PAYLOAD_DEPTH:
        return None
    if isinstance(obj, dict):
        found = obj.get("diagnosis")
        if isinstance(found, dict):
            return dict(found)
        obj = list(obj.values())
    if isinstance(obj, (list, tuple)):
        for child in obj:
            found = find_diagnosis(child, depth + 1)
            if found is not None:
                return found
    return None


def diagnose(facts: Facts, kb: Knowledge | None = None) -> Diagnosis:
    kb = kb or load()
    raised = kb.ranked([sid for sid, f in facts.items() if f.get("state") == RAISED and sid in kb.signals])
    fine = [sid for sid in kb.signals if facts.get(sid, {}).get("state") == FINE]
    return Diagnosis(raised, fine, facts, kb)


def diagnose_text(text: str, kb: Knowledge | None = None) -> Diagnosis:
    kb = kb or load()
    return diagnose(findings_to_facts(text, kb), kb)


@dataclass(frozen=True)
class WhatIf:
    before: Diagnosis
    after: Diagnosis

    @property
    def resolved(self) -> list[str]:
        return [s for s in self.before.raised if s not in self.after.raised]

    @property
    def added(self) -> list[str]:
        return [s for s in self.after.raised if s not in self.before.raised]

    @property
    def changed(self) -> bool:
        return bool(self.resolved or self.added)


def what_if(facts: Facts, text: str, kb: Knowledge | None = None) -> WhatIf:
    """Apply a hypothetical ("如果我把信用卡还到一半呢") without storing it."""
    kb = kb or load()
    change = findings_to_facts(text, kb, hypothetical=True)
    return WhatIf(diagnose(facts, kb), diagnose(merge(facts, change), kb))


def names_lender_wording(text: str, kb: Knowledge | None = None) -> bool:
    """The message quotes a lender's reply that gives no reason ("综合评分不足", "资质不符")."""
    kb = kb or load()
    from loanwhy.detect import prepare

    words = kb.lexicon.get("lender_wording") or []
    return bool(words) and re.search("|".join(words), prepare(text, kb)) is not None


def topic_signals(text: str, kb: Knowledge | None = None) -> list[str]:
    """Signals a question is about ("对外担保会影响贷款吗?"), by phrases or synonyms."""
    kb = kb or load()
    from loanwhy.detect import named, prepare

    clean = prepare(text, kb)
    hits = set(analyse(text, kb, hypothetical=True)) | named(text, kb)
    for sid, s in kb.signals.items():
        if any(w and w.lower() in clean for w in s["synonyms"] + [s["name"]]):
            hits.add(sid)
    return kb.ranked(sorted(hits))
