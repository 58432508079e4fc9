"""The guided self-check: which topic to ask next, and what a free answer means.

A topic asks about a few signals at once ("近两年有没有逾期？最近半年申请过几次…？"),
the way a loan officer would, so that at most `selfcheck_max` questions cover
the catalog. The next topic is the most telling one given what is already known
and what the applicant said; topics whose signals are all known are skipped.

Answers may be a button, a number ("十几次"), "都没有", "不知道", or whole
sentences that mention other signals; all of them become facts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from loanwhy import quantities as q
from loanwhy.detect import FINE, RAISED, Prepared, clauses, prepare, without_negation
from loanwhy.diagnose import Facts, findings_to_facts
from loanwhy.kb import Knowledge, load

UNKNOWN = "unknown"
ANSWERED = "answered"
BLANKET = "cleared"  # a fact key: fine by a general denial ("没有"), not said of this signal
SHORT_ANSWER = 14
BARE_TOPIC = 4  # an unsure answer's clause this short is the topic named, not a problem stated
_SENTENCE_SPLIT = re.compile(r"[。！？!?\n]+")
_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?\n]*")  # a sentence with its end mark
_CLAUSE_SPLIT = re.compile(r"[。！？!?；;\n，,]+|\s+")


@dataclass(frozen=True)
class Topic:
    id: str
    signals: tuple[str, ...]
    question: str
    answers: tuple[dict[str, Any], ...]
    parts: tuple[tuple[str, ...], ...]  # the sub-questions in the order asked, by the signals each decides

    @property
    def buttons(self) -> list[str]:
        return [a["text"] for a in self.answers]


def topics(kb: Knowledge | None = None) -> list[Topic]:
    kb = kb or load()
    return [
        Topic(
            t["id"],
            tuple(t["signals"]),
            t["question"],
            tuple(t.get("answers") or []),
            tuple(tuple(p) for p in t.get("parts") or [[s] for s in t["signals"]]),
        )
        for t in kb.catalog.get("selfcheck_topics", [])
    ]


def topic(tid: str, kb: Knowledge | None = None) -> Topic:
    return next(t for t in topics(kb) if t.id == tid)


def max_questions(kb: Knowledge | None = None) -> int:
    return int((kb or load()).catalog.get("selfcheck_max", 4))


def _telling(sid: str, order: list[str], facts: Facts, said: str, kb: Knowledge) -> float:
    """How telling a question about `sid` is now: its base rank, then what is known and was said."""
    score = float(len(order) - order.index(sid)) if sid in order else 0.0
    for known in (s for s, f in facts.items() if f.get("state") == RAISED):
        follow = kb.catalog.get("selfcheck_follow", {}).get(known, [])
        if sid in follow:
            score += 20 - 2 * follow.index(sid)
    for rule in kb.catalog.get("selfcheck_context", []):
        if sid in rule["ask"] and re.search(rule["words"], said):
            score += 10 - rule["ask"].index(sid)
    return score


def next_topic(
    facts: Facts | None,
    asked: list[str] | None = None,
    kb: Knowledge | None = None,
    said: str = "",
    follow_up: bool = False,
) -> str | None:
    """The most telling topic not yet asked whose signals are not all known, or None: time for the result.

    The result comes after `selfcheck_max` questions, once `selfcheck_enough` reasons are known,
    or one question after an answer that described more than the topics asked about.
    """
    kb = kb or load()
    facts = facts or {}
    asked = asked or []
    all_topics = topics(kb)
    raised = [s for s, f in facts.items() if f.get("state") == RAISED]
    if len(asked) >= max_questions(kb) or len(raised) >= int(kb.catalog.get("selfcheck_enough", 3)):
        return None
    covered = {s for t in all_topics if t.id in asked for s in t.signals}
    if not follow_up and len(asked) >= 2 and any(s not in covered for s in raised):
        return None  # they described their situation themselves: one more question was enough
    order = [s for t in all_topics for s in t.signals]
    left = [t for t in all_topics if t.id not in asked and any(s not in facts for s in t.signals)]
    if not left:
        return None
    return max(left, key=lambda t: max(_telling(s, order, facts, said, kb) for s in t.signals if s not in facts)).id


def follow_up_topic(
    facts: Facts | None, asked: list[str] | None = None, kb: Knowledge | None = None, said: str = ""
) -> str | None:
    """After a result read from the applicant's own words: the question most likely to change it.

    At most `selfcheck_follow_ups` such questions in a conversation, and none once the self-check
    itself would stop asking (enough reasons known, every topic covered).
    """
    kb = kb or load()
    asked = asked or []
    if len(asked) >= int(kb.catalog.get("selfcheck_follow_ups", 2)):
        return None
    return next_topic(facts, asked, kb, said, follow_up=True)  # the opening's reasons were not answers


def merge_answer(facts: Facts, new: Facts, tid: str, kb: Knowledge | None = None) -> Facts:
    """An answer decides the signals its topic asked about; what it says about others only fills gaps.

    "没有信用卡" answering the debts question must not undo "从没办过卡" said about the credit file.
    """
    asked = set(topic(tid, kb).signals)
    merged = dict(facts)
    for sid, fact in new.items():
        blanket = fact.get(BLANKET)
        fact = {k: v for k, v in fact.items() if k != BLANKET}
        if blanket and merged.get(sid, {}).get("state") == RAISED:
            continue  # "没有" or "我自己一次逾期都没有" does not undo a problem said before in so many words
        if sid in asked or sid not in merged:
            merged[sid] = fact
    return merged


def _short_answer(text: str, kb: Knowledge) -> str | None:
    """UNKNOWN or FINE for a bare "不知道" / "都没有"; longer answers are read for what they state."""
    if len(text.strip()) > SHORT_ANSWER:
        return None
    word = re.sub(kb.lexicon.get("answer_particles", "(?!)"), "", text.strip())
    lex = kb.lexicon
    if word in lex["unknown_words"] or any(w in word for w in lex["unknown_words"] if len(w) >= 3):
        return UNKNOWN
    if word in lex["no_words"]:
        return FINE
    return None


def _hedged(piece: str, kb: Knowledge) -> bool:
    """An unsure or questioning piece ("查询多不多我不清楚", "担保？", "股票不太懂", "怎么会逾期呢？"):
    naming a topic there states nothing about it."""
    lex = kb.lexicon
    piece = prepare(piece, kb)  # "記不得" as "记不得" (a message is prepared already; a call from elsewhere may not be)
    for phrase in lex.get("not_unsure", []):
        piece = piece.replace(phrase, "")  # "忘了还" says what happened, not that they forgot the answer
    return piece.rstrip().endswith(("？", "?")) or any(
        w in piece for w in (*lex["unknown_words"], *lex.get("hedge_words", []))
    )


def _stated(facts: Facts) -> Facts:
    """What an unsure piece still states: that something is fine, or a measured problem ("好像查了七八次")."""
    return {sid: f for sid, f in facts.items() if f["state"] != RAISED or f.get("value") is not None}


def _read_firmly(text: str, kb: Knowledge) -> Facts:
    """An answer read as a description, except its hedged sentences, which only the rules read,
    for what they still state (`_stated`)."""
    pieces = [p.strip() for p in _SENTENCE.findall(text) if p.strip()]
    hedged = [p for p in pieces if _hedged(p, kb)]
    firm = "".join(p for p in pieces if p not in hedged)
    facts = findings_to_facts(firm, kb) if firm else {}
    for piece in hedged:
        for sid, fact in _stated(findings_to_facts(piece, kb, use_model=False)).items():
            facts.setdefault(sid, fact)
    return facts


def _without_asking_back(text: str, kb: Knowledge) -> str:
    """An answer that ends by asking what it means ("…透支到顶了，这个影响大吗"): what it states, the
    question left for the diagnosis to answer. An answer unsure elsewhere too stays whole."""
    parts = [c for c in clauses(prepare(text, kb), kb) if c.strip()]
    asks_back = re.compile(kb.lexicon.get("asks_back", "(?!)"))
    if len(parts) < 2 or not asks_back.search(parts[-1].strip()):
        return text
    stated = "，".join(parts[:-1])
    return text if _hedged(stated, kb) else stated


def _has_quantity(text: str) -> bool:
    return bool(q.counts(text) or q.amounts(text) or q.ratios(text))


def _denies(text: str, kb: Knowledge) -> bool:
    return without_negation(prepare(text, kb), kb) is not None


def _fact(state: str, text: str) -> dict[str, Any]:
    return {"state": state, "evidence": text, "value": None}


def _cleared(text: str) -> dict[str, Any]:
    """Fine because the answer denies in general, not because it says so of this signal."""
    return {**_fact(FINE, text), BLANKET: True}


def _aligned(text: str, t: Topic) -> tuple[list[tuple[tuple[str, ...], str]], bool] | None:
    """The answer cut into one piece per sub-question, when it has exactly that many pieces,
    and whether the cut was by sentences (clauses may also be one description in several parts).

    People answer a list of questions in order ("没逾期过。查了三次。有信用卡"), one sentence
    or one clause each; then each piece decides only the sub-question it answers.
    """
    for splitter in (_SENTENCE_SPLIT, _CLAUSE_SPLIT):
        pieces = [p.strip() for p in splitter.split(text) if p.strip()]
        if len(pieces) < 2:
            continue
        by_sentence = splitter is _SENTENCE_SPLIT
        if len(pieces) == len(t.parts):
            return list(zip(t.parts, pieces, strict=True)), by_sentence
        if len(pieces) == len(t.signals):
            return [((sid,), piece) for sid, piece in zip(t.signals, pieces, strict=True)], by_sentence
    return None


def _guided(sid: str, piece: str, kb: Knowledge) -> dict[str, Any] | None:
    """A bare number answering a sub-question ("七八次吧") read with the words of that sub-question.

    A piece that already names them reads on its own: "工友借了好几个网贷" is someone else's count.
    """
    prefix = kb.signals[sid].get("answer_prefix") or ""
    if not prefix or prefix in piece or not _has_quantity(piece):
        return None
    fact = findings_to_facts(prefix + piece, kb, use_model=False).get(sid)
    return fact if fact is not None and fact.get("value") is not None else None


def _read_parts(aligned: list[tuple[tuple[str, ...], str]], t: Topic, kb: Knowledge, whole: str = "") -> Facts:
    """Each piece decides its own sub-question's signals: what it states, a number read in context,
    "不清楚" (left unknown unless the rules read something), or else fine (a reply that names no problem: "就开个超市").
    Other topics' signals come from what the rules read plainly in a piece, and, when the pieces
    are clauses that may form one description ("抵押的是老房子，评估价很低，银行说不够"), from
    the whole answer read as a description (`whole`)."""
    facts: Facts = {}
    numbers: set[str] = set()  # sub-questions answered by a bare number ("七八次")
    answered = {sid for sids, _ in aligned for sid in sids}

    def put(sid: str, fact: dict[str, Any]) -> None:
        # as within one message, a problem stated in one piece beats a fine read in another
        # ("最近两个月申请了十几次，查询一大堆，…": the count came before the piece about queries)
        if facts.get(sid, {}).get("state") != RAISED or fact["state"] == RAISED:
            facts[sid] = fact

    for sids, piece in aligned:
        found = findings_to_facts(piece, kb)
        plain = findings_to_facts(piece, kb, use_model=False)
        unsure = _hedged(piece, kb)  # an unknown word anywhere, so every bare "不知道" too
        read = _stated(plain) if unsure else found  # "不知道有没有记录": only what it still states
        for sid in sids:
            guided = _guided(sid, piece, kb)
            if guided is not None and len(piece) <= SHORT_ANSWER:
                numbers.add(sid)
            fact = guided or read.get(sid)  # a number is read as the answer it is
            if guided and guided["state"] == FINE and read.get(sid, {}).get("state") == RAISED:
                fact = read[sid]  # "卡有五张，基本都刷到头了": five cards are not many, the words still say it
            if fact is not None:
                put(sid, fact)
            elif not unsure and not whole and sid not in facts:  # a clause of a description need not answer
                facts[sid] = _cleared(piece)  # names no problem: fine, but not a denial of one said before
        for sid, fact in plain.items():  # what the rules read plainly, whichever sub-question it answers
            if fact["state"] != RAISED or (not whole and sid in answered and sid not in sids):
                continue  # "没给人担保。村里会计说能给俺担保": each sentence answers its own sub-question
            if sid in sids and unsure and (_hedged(fact["evidence"], kb) or len(fact["evidence"]) <= BARE_TOPIC):
                # "不知道有没有记录" and "逾期……不太记得" state nothing; "晚了一个多月才还上，…应该还有记录" does
                continue
            put(sid, fact)
    if whole:
        described = _read_firmly(whole, kb)
        for sid, fact in list(facts.items()):
            # a clause read alone loses its sentence: "有过一次逾期，不过是六年前的事" is long past,
            # "只放老客户，我是新客户" no renewal; the whole answer decides, except a bare number's reading
            if fact["state"] == RAISED and sid not in numbers and described.get(sid, {}).get("state") != RAISED:
                if sid in described:
                    facts[sid] = described[sid]
                else:
                    del facts[sid]
        for sid, fact in described.items():
            if sid not in t.signals and sid not in facts:
                facts[sid] = fact
    return facts


def parse_answer(text: str, tid: str, kb: Knowledge | None = None) -> tuple[str, Facts]:
    """(ANSWERED or UNKNOWN, every fact the answer states) for the topic asked."""
    kb = kb or load()
    t = topic(tid, kb)
    said = text if isinstance(text, Prepared) else text.strip()  # prepared text is stripped already
    for button in t.answers:
        if said == button["text"]:
            facts = {sid: _fact(RAISED, said) for sid in button.get("raised", [])}
            facts.update({sid: _fact(FINE, said) for sid in button.get("fine", []) if sid not in facts})
            return (ANSWERED if facts else UNKNOWN), facts
    said = _without_asking_back(said, kb)
    aligned = _aligned(said, t)
    if aligned is not None:
        pieces, by_sentence = aligned
        facts = _read_parts(pieces, t, kb, "" if by_sentence else said)
        return (ANSWERED if facts else UNKNOWN), facts
    short = _short_answer(said, kb)
    if short == UNKNOWN:
        return UNKNOWN, {}
    if short == FINE:
        return ANSWERED, {sid: _cleared(said) for sid in t.signals}
    facts = _read_firmly(said, kb)
    first = clauses(prepare(said, kb), kb)[:1]
    if len(said) <= SHORT_ANSWER and first and _has_quantity(first[0]):
        # "七八次吧" answers the sub-question whose words make the number count (a measured value)
        for sid in t.signals:
            guided = _guided(sid, first[0], kb)
            if guided is not None and sid not in facts:
                facts[sid] = guided
                break
    if not any(s in facts for s in t.signals) and _denies(said, kb):
        # "没借过钱，哪来的逾期": a plain denial clears what the topic asked about
        facts.update({sid: _cleared(said) for sid in t.signals if sid not in facts})
    return (ANSWERED if facts else UNKNOWN), facts
