"""Situation text → findings per risk signal.

A finding says a signal is `raised` (the applicant described it) or `fine`
(the applicant said it does not apply, or gave numbers below the threshold).
Phrases, thresholds and negation words all come from the knowledge base.
Numbers decide: "半年查了两次" is fine, "这两个月查了十几次" is raised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from loanwhy import learned
from loanwhy import quantities as q
from loanwhy.kb import Knowledge, alternation, load
from loanwhy.normalize import normalize

RAISED, FINE = "raised", "fine"
_NEG_WINDOW = 8
_PLAN_REACH = 2  # clauses before the one read that may hold the plan it goes on with
_POST_WINDOW = 16  # a denial after the phrase may follow a short list ("跟化工、污染那些根本不沾边")
_CORRECTED_NUMBER = 12  # a clause after "不对" this short that holds a number replaces the number said ("填的是５万")
_YEAR_DIGITS = r"(?<!\d)(19\d\d|20\d\d)"  # where the lexicon's calendar_year says {year}
_EMOJI = r"\U0001F300-\U0001FAFF\u2600-\u27BF"  # character ranges, for a class
_SPLIT = re.compile(
    rf"((?:[,，。!！?？;；:：\n~～…⋯{_EMOJI}\u200d\ufe0f]|(?<!\d)\.|\.(?!\d))+\s*|(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff]))"
)  # a space between words ends a clause too, and so does an emoji; a decimal point does not ("1.2万")
# an ellipsis pauses as a comma does ("查询大概……其实只有两次"); an emoji ends a thought as a full stop does ("贷款被拒了😭 车贷早就还清了")
_SENTENCES = re.compile(rf"[。!！?？;；\n{_EMOJI}]+")


@dataclass(frozen=True)
class Finding:
    signal: str
    state: str  # RAISED or FINE
    evidence: str
    value: float | None = None
    soft: bool = False  # fine only by a count that does not decide ("有两张卡"): it ends nothing said before

    def as_dict(self) -> dict[str, Any]:
        out = {"state": self.state, "evidence": self.evidence, "value": self.value}
        return {**out, "soft": True} if self.soft else out


@dataclass(frozen=True)
class _MeasureWords:
    """The lexicon's `measure_words`: what the numeric measures read around their number."""

    default_units: dict[str, list[str]]  # per kind of count, when the signal names none
    also_in_period: list[str]  # a count in a period counts these too ("十几条")
    lately: re.Pattern[str]
    lately_months: float
    ratio_fell: re.Pattern[str]
    ratio_used: re.Pattern[str]
    limit: list[str]
    used: re.Pattern[str]
    limit_after: re.Pattern[str]
    from_to: re.Pattern[str]
    only_left: re.Pattern[str]
    drop_fell: re.Pattern[str]
    fell_to: re.Pattern[str]  # "降到一半", not "降了不到一成"
    more_than: re.Pattern[str]


def _measure_words(table: dict[str, dict[str, Any]]) -> _MeasureWords:
    return _MeasureWords(
        default_units={kind: list(words["default_units"]) for kind, words in table.items() if "default_units" in words},
        also_in_period=list(table["count_in_period"]["also_counts"]),
        lately=_words(table["count_in_period"]["lately"]),
        lately_months=float(table["count_in_period"]["lately_months"]),
        ratio_fell=_words(table["ratio"]["fell"]),
        ratio_used=_words(table["ratio"]["used"]),
        limit=list(table["used_of_limit"]["limit"]),
        used=_words(table["used_of_limit"]["used"]),
        limit_after=_words(table["used_of_limit"]["limit_after"]),
        from_to=_words(table["drop"]["from_to"]),
        only_left=_words(table["drop"]["only_left"]),
        drop_fell=_words(table["drop"]["fell"]),
        fell_to=re.compile(
            "(?<![{}])(?:{})".format("".join(table["drop"]["not_reached"]), "|".join(table["drop"]["fell_to"]))
        ),
        more_than=_words(table["amount"]["more_than"]),
    )


@dataclass(frozen=True)
class _Rules:
    typos: list[tuple[str, str]]
    breaks: re.Pattern[str]
    negators: re.Pattern[str]
    not_neg: re.Pattern[str]
    doubts: re.Pattern[str]
    lender_report: re.Pattern[str]  # a doubt word that reports what the lender told the writer
    a_not_a: re.Pattern[str]  # "收不收紧", "超没超": a question in the A-not-A form
    turn: re.Pattern[str]  # a sentence that turns against the one before ("可那几笔担保去年就解除了")
    correction: re.Pattern[str]  # a clause that corrects what was said ("其实我半年就查了一次")
    reported: re.Pattern[str]  # a word that reports a claim ("说我是白户")
    retraction: re.Pattern[str]  # the claim taken back after it ("…肯定不对", "…其实搞错了")
    denied_named: dict[str, re.Pattern[str]]  # a clause denying the signal by name ("谈不上老客户")
    named_words: dict[str, re.Pattern[str] | None]  # each signal's own words (its synonyms)
    hypothetical: re.Pattern[str]
    number_denied: re.Pattern[str]  # before a number: "更不会…十几次", "哪来的十几次"
    topic_opening: re.Pattern[str]  # "说到担保这事": a topic brought up, nothing stated
    plan_opening: re.Pattern[str]  # "本来想…", "朋友介绍过…": a plan or an offer
    plan_dropped: re.Pattern[str]  # "…念头就打消了", "…我就没去借": given up
    fiction: re.Pattern[str]  # a story to write: nobody's situation
    cues: dict[str, re.Pattern[str] | None]
    fine: dict[str, re.Pattern[str] | None]
    unless: dict[str, re.Pattern[str] | None]
    topic_cues: dict[str, tuple[re.Pattern[str], re.Pattern[str]]]
    topic_fine: dict[str, re.Pattern[str] | None]  # good words about the topic named earlier: "名下无负债"
    measures: dict[str, list[dict[str, Any]]]
    limits: dict[str, float]
    resolved: re.Pattern[str]
    unresolved_before: re.Pattern[str]
    own_resolved: dict[str, re.Pattern[str] | None]
    replaced: dict[str, re.Pattern[str] | None]  # "后来换成我姐夫了": ends what was said before it only
    resolved_counts: set[str]
    resolved_next: set[str]  # signals whose own `resolved` patterns also read the next sentence
    kept_years: dict[str, int]
    learned_min: dict[str, float]
    post_negation: re.Pattern[str]
    list_tail: re.Pattern[str]  # the rest of a list after the phrase
    self_correction: re.Pattern[str]  # "哦说错了" right after the phrase
    restated: re.Pattern[str]  # a clause that says the right number after a retraction ("填的是５万")
    corrected_named: re.Pattern[str]  # "哦不是续贷" right after it, naming it again
    object_me: re.Pattern[str]  # "打到我这": 我 as object, not as subject
    owned_by_other: re.Pattern[str]  # "…，那是我老公的": after the phrase, someone else's
    unrelated: tuple[re.Pattern[str], re.Pattern[str]]  # "跟逾期没关系": the word before, the words after
    topic_filler: re.Pattern[str]
    others: re.Pattern[str]
    asking_for: re.Pattern[str]
    hearsay: re.Pattern[str]
    asks_about: re.Pattern[str]
    about_others: set[str]
    negation_is_content: set[str]  # "没办过信用卡" says a thin file: a negation there does not deny it
    not_identity: re.Pattern[str]  # the negations that still deny such a signal ("不可能是白户")
    still_able: re.Pattern[str]
    vague_count: re.Pattern[str]
    still_holds: re.Pattern[str]
    not_that: re.Pattern[str]
    question_end: re.Pattern[str]
    first_person: re.Pattern[str]
    recent: re.Pattern[str]
    to_now: re.Pattern[str]
    years_since: str  # a pattern with {number} where the number goes
    calendar_year: re.Pattern[str]
    not_that_negation: str
    list_joiner: re.Pattern[str]  # "没借过什么网贷或者高利贷": a denial reaches down a list
    a_fortiori: re.Pattern[str]  # "网贷更不用说": as the clause before says, only more so
    measure_words: _MeasureWords


def _words(words: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))


@lru_cache(maxsize=4)
def _denied_named(kb: Knowledge, lead: str | None) -> dict[str, re.Pattern[str]]:
    """Per signal: a clause that opens by denying one of its words. Words that are themselves a
    negation ("没有信用记录") are left out: "不是没有信用记录" says it is so."""
    out: dict[str, re.Pattern[str]] = {}
    negative = re.compile(kb.lexicon["negative_word"])
    for sid, s in kb.signals.items():
        words = [w for w in s.get("synonyms") or [] if not negative.match(w)]
        if lead and words:
            out[sid] = re.compile(f"(?:{lead})(?:{'|'.join(map(re.escape, sorted(words, key=len, reverse=True)))})")
    return out


@lru_cache(maxsize=4)
def _rules_for(kb: Knowledge) -> _Rules:
    """The lexicon and signal files compiled once per knowledge base (it is frozen)."""
    lex = kb.lexicon
    hypothetical = re.compile(lex["hypothetical"])
    # a hypothetical word (如果, 万一) sets its whole clause aside: no doubt of its own
    doubts = [d for d in lex["doubts"] if not hypothetical.fullmatch(d)]
    words = _measure_words(lex["measure_words"])
    measures = {}
    for sid, s in kb.signals.items():
        ms = []
        for m in s["recognise"]["measures"]:
            default_units = words.default_units.get(m["kind"])
            ms.append(
                {
                    **m,
                    **({"units": m.get("units", default_units)} if default_units else {}),
                    "context_re": re.compile(m.get("context", ".")) if m.get("context") else None,
                    "unless_re": re.compile(m["unless"]) if m.get("unless") else None,
                }
            )
        measures[sid] = ms
    return _Rules(
        typos=sorted(lex["typos"].items(), key=lambda kv: -len(kv[0])),
        breaks=_words(lex["clause_breaks"]),
        negators=_words(lex["negators"]),
        not_neg=_words(lex["not_negations"]),
        doubts=_words([d for d in doubts if len(d) > 1]),
        lender_report=re.compile(lex.get("lender_report", "(?!)")),
        a_not_a=re.compile(lex.get("a_not_a", "(?!)")),
        turn=re.compile(lex.get("turn", "(?!)")),
        correction=re.compile(lex.get("correction", "(?!)")),
        reported=re.compile(lex.get("reported", "(?!)")),
        retraction=re.compile(lex.get("retraction", "(?!)")),
        denied_named=_denied_named(kb, lex.get("denied_by_name")),
        named_words={
            sid: _words(s.get("synonyms", [])) if s.get("synonyms") else None for sid, s in kb.signals.items()
        },
        hypothetical=hypothetical,
        number_denied=re.compile(lex.get("number_denied", "(?!)")),
        topic_opening=re.compile(lex.get("topic_opening", "(?!)")),
        plan_opening=re.compile(lex.get("plan_opening", "(?!)")),
        plan_dropped=re.compile(lex.get("plan_dropped", "(?!)")),
        fiction=re.compile(lex["fiction"]),
        cues={sid: alternation(s["recognise"]["cues"]) for sid, s in kb.signals.items()},
        fine={sid: alternation(s["recognise"]["fine"]) for sid, s in kb.signals.items()},
        unless={sid: alternation(s["recognise"].get("unless", [])) for sid, s in kb.signals.items()},
        topic_cues={
            sid: (
                re.compile(s["recognise"]["topic_cues"]["topic"]),
                re.compile("|".join(f"(?:{p})" for p in s["recognise"]["topic_cues"]["cues"])),
            )
            for sid, s in kb.signals.items()
            if s["recognise"].get("topic_cues")
        },
        topic_fine={
            sid: alternation((s["recognise"].get("topic_cues") or {}).get("fine", [])) for sid, s in kb.signals.items()
        },
        measures=measures,
        limits={sid: float(s.get("limit", 0)) for sid, s in kb.signals.items()},
        resolved=re.compile("|".join(f"(?:{p})" for p in lex.get("resolved", [])) or "(?!)"),
        unresolved_before=re.compile(lex.get("unresolved_before", "(?!)")),
        own_resolved={sid: alternation(s["recognise"].get("resolved", [])) for sid, s in kb.signals.items()},
        replaced={sid: alternation(s["recognise"].get("replaced", [])) for sid, s in kb.signals.items()},
        resolved_counts={sid for sid, s in kb.signals.items() if s["recognise"].get("resolved_counts")},
        resolved_next={sid for sid, s in kb.signals.items() if s["recognise"].get("resolved_next")},
        kept_years={
            sid: int(s["recognise"]["kept_years"]) for sid, s in kb.signals.items() if s["recognise"].get("kept_years")
        },
        learned_min={sid: float(s["recognise"].get("learned_min", 0.0)) for sid, s in kb.signals.items()},
        post_negation=re.compile(lex.get("post_negation", "(?!)")),
        list_tail=re.compile(lex.get("list_tail", "(?!)")),
        self_correction=re.compile(lex.get("self_correction", "(?!)")),
        restated=re.compile(lex.get("restated", "(?!)")),
        corrected_named=re.compile(lex.get("corrected_named", "(?!)")),
        object_me=re.compile(lex.get("object_me", "(?!)")),
        owned_by_other=re.compile(lex.get("owned_by_other", "(?!)")),
        unrelated=(re.compile(lex.get("unrelated_before", "(?!)")), re.compile(lex.get("unrelated", "(?!)"))),
        topic_filler=re.compile(lex.get("topic_filler", "")),
        others=re.compile(lex.get("others_subject", "(?!)")),
        asking_for=re.compile(lex.get("asking_for", "(?!)")),
        hearsay=re.compile(lex.get("hearsay_opening", "(?!)")),
        asks_about=re.compile(lex.get("asks_about", "(?!)")),
        about_others={sid for sid, s in kb.signals.items() if s["recognise"].get("others")},
        not_identity=re.compile(lex.get("not_identity", "(?!)")),
        negation_is_content={sid for sid, s in kb.signals.items() if s["recognise"].get("negation_is_content")},
        still_able=re.compile(lex.get("still_able", "(?!)")),
        vague_count=re.compile(lex.get("vague_count", "(?!)")),
        still_holds=re.compile(lex.get("still_holds", "(?!)")),
        not_that=re.compile(lex.get("not_that", "(?!)")),
        question_end=re.compile(lex.get("question_end", "(?!)")),
        first_person=re.compile(lex.get("first_person", "(?!)")),
        recent=re.compile(lex.get("recent_words", "(?!)")),
        to_now=re.compile(lex.get("to_now", "(?!)")),
        years_since=lex.get("years_since", "(?!){number}"),
        calendar_year=re.compile(lex.get("calendar_year", "(?!){year}").replace("{year}", _YEAR_DIGITS)),
        not_that_negation=lex.get("not_that_negation", "(?!)"),
        list_joiner=re.compile(lex.get("list_joiner", "(?!)")),
        a_fortiori=re.compile(lex.get("a_fortiori", "(?!)")),
        measure_words=words,
    )


class Prepared(str):
    """Text already through `prepare`, which returns it as it is (as markupsafe's `escape` returns
    `Markup`). NLU's first step (nlu/normalizer.py) prepares each message once; the steps after it
    and the actions (`actions.common.latest_text`) read that text, so nothing prepares it again."""

    __slots__ = ()


def prepare(text: str, kb: Knowledge | None = None) -> str:
    """Normalise and fix common misspellings (带款 → 贷款); a `Prepared` text is returned unchanged."""
    if isinstance(text, Prepared):
        return text
    rules = _rules_for(kb or load())
    text = normalize(text).lower()
    for wrong, right in rules.typos:
        if wrong in text:
            text = text.replace(wrong, right)
    return text


def clauses(text: str, kb: Knowledge | None = None) -> list[str]:
    return [c for c, _ in marked_clauses(text, kb)]


def marked_clauses(text: str, kb: Knowledge | None = None) -> list[tuple[str, bool]]:
    """Clauses with a flag saying whether each is a question ("这也算炒股？")."""
    rules = _rules_for(kb or load())
    pieces = _SPLIT.split(text)
    out: list[tuple[str, bool]] = []
    for i in range(0, len(pieces), 2):
        end = pieces[i + 1] if i + 1 < len(pieces) else ""
        parts = [p for p in rules.breaks.split(pieces[i]) if p.strip()]
        for j, part in enumerate(parts):
            last = j == len(parts) - 1
            asked = last and ("?" in end or "？" in end or bool(rules.question_end.search(part.strip())))
            # "征信花了还能贷吗": the question is what still works; what went before it is stated
            asked = asked and not rules.still_able.search(part)
            asked = asked or bool(rules.asks_about.search(part))
            out.append((part, asked))
    return out


def _denied(clause: str, start: int, rules: _Rules, end: int | None = None) -> bool:
    """A negation shortly before the phrase ("没有逾期"), or right after it ("一条逾期都没有")."""
    begin = max(0, start - _NEG_WINDOW)
    before = clause[begin:start]
    if rules.negators.match(clause, start):
        # the phrase is itself a negative ("没有收入证明"): "没有流水也没有收入证明" lists, not denies;
        # "也不是说我没按时还过" says it is not so
        if re.search(f"(?:{rules.not_that.pattern})$", before):
            return True
        return end is not None and bool(rules.post_negation.match(clause[end : end + _POST_WINDOW]))
    if re.search(f"(?:{rules.not_that.pattern})(?:{rules.not_that_negation})", before):
        return False  # "我不是没有对外担保": two negations say it is so
    window = rules.not_neg.sub("__", clause[begin : start + 2])
    # a negator before the phrase, or one that runs into it ("不炒" + "炒股"), never one inside it
    if any(m.start() < start - begin for m in rules.negators.finditer(window)):
        return True
    if rules.list_joiner.search(before):  # the phrase ends a list: the denial may stand before its first item
        longer = clause[max(0, start - 2 * _NEG_WINDOW) : start]
        if rules.negators.search(rules.not_neg.sub("__", longer)):
            return True
    if end is not None and rules.unrelated[0].search(clause, max(0, start - 1), start):
        if rules.unrelated[1].match(clause[end : end + _POST_WINDOW]):
            return True  # "跟逾期没关系", "和炒股不沾边"
    return end is not None and bool(rules.post_negation.match(clause[end : end + _POST_WINDOW]))


def _bare_denial(clause: str, rules: _Rules) -> bool:
    said = clause.strip()
    return 0 < len(said) <= _NEG_WINDOW and bool(rules.post_negation.match(said))


def only_denial(text: str, kb: Knowledge | None = None) -> bool:
    """The whole message is a bare "no" ("没有了", "不是"): it answers a question, it names nothing."""
    said = re.sub(r"[,，。.!！?？;；~～\s]+", "", prepare(text, kb))
    return _bare_denial(said, _rules_for(kb or load()))


def _answered_no(text: str, clause: str, rules: _Rules) -> bool:
    """ "给人担保？没有": the clause is followed by a bare denial."""
    at = text.find(clause)
    if at < 0:
        return False
    rest = re.split(r"[,，。.!！?？;；\n~～\s]+", text[at + len(clause) :].lstrip(",，。.!！?？;；\n~～ "), maxsplit=1)[
        0
    ]
    return _bare_denial(rest, rules)


def _denied_all_the_more(parts: list[str], clause: str, rules: _Rules) -> bool:
    """ "高息的钱从没借过，网贷更不用说": the clause only says "all the more so" of the one before it,
    which denies; after a clause that states a problem ("卡刷爆了，网贷更不用说") it confirms."""
    at = parts.index(clause) if clause in parts else -1
    return at > 0 and bool(rules.a_fortiori.search(clause)) and bool(rules.negators.search(parts[at - 1]))


def _doubted(clause: str, start: int, rules: _Rules, end: int | None = None) -> bool:
    """A doubt word shortly before the hit or inside it ("银行是不是收紧了"), or the hit asked in the
    A-not-A form ("收不收紧我哪知道"). 人家 said of the writer is the lender's word, a report
    ("人家说我是白户"); "人家说白户贷不了" and "群里老哥说我成黑户了" stay hearsay."""
    begin = max(0, start - _NEG_WINDOW)
    stop = start if end is None else end
    if rules.a_not_a.search(clause, begin, max(stop, start + 2)):
        return True
    # a two-character A-not-A may start at the hit itself ("跨界不跨界的我不搞"); one that follows it, or a
    # one-character one inside it, asks nothing ("逾期还没还清", "车贷还没还上")
    at_hit = rules.a_not_a.match(clause, start)
    if at_hit is not None and len(at_hit.group(1)) >= 2:
        return True
    window = clause[begin:stop]
    return any(not rules.lender_report.match(clause, begin + m.start()) for m in rules.doubts.finditer(window))


def _measure(
    m: dict[str, Any], clause: str, words: _MeasureWords, carried_months: float | None = None
) -> tuple[bool, float] | None:
    """Apply one numeric rule to a clause: (raised?, value) or None if no number fits."""
    ctx = m["context_re"]
    if ctx is not None and not ctx.search(clause):
        return None
    if m.get("unless_re") is not None and m["unless_re"].search(clause):
        return None  # "申请了二十多个平台": the number counts something else
    kind = m["kind"]
    if kind == "count_in_period":
        found = [c for c in q.counts(clause) if c.unit in m["units"] + words.also_in_period]
        if not found:
            return None
        count = max(c.value for c in found)
        spans = q.periods(clause)
        months = spans[0].value if spans else (carried_months or float(m.get("default_months", 6)))
        if not spans and not carried_months and words.lately.search(clause):
            months = words.lately_months
        rules = sorted(m["rules"], key=lambda r: r["months"])
        rule = next((r for r in rules if r["months"] >= months), rules[-1])
        return count >= rule["min"], count
    if kind == "ratio":
        found = q.ratios(clause)
        if not found:
            return None
        value = found[-1].value
        if words.ratio_fell.search(clause) and not words.ratio_used.search(clause):
            return None
        return value >= m["min"], value
    if kind == "used_of_limit":
        limit = used = None
        for a in q.amounts(clause):
            # the nearer word names the amount: "额度加起来八万多" a limit, "额度五万欠了三万" a debt
            before = clause[max(0, a.start - 7) : a.start]
            as_limit = max(before.rfind(w) for w in words.limit)
            as_used = max((m.start() for m in words.used.finditer(before)), default=-1)
            if words.limit_after.match(clause, a.end) or as_limit > as_used:
                limit = a.value
            elif as_used >= 0:
                used = a.value
        if limit and used is not None and limit > 0:
            value = used / limit
            return value >= m["min"], round(value, 3)
        return None
    if kind == "count":
        found = [c for c in q.counts(clause) if c.unit in m["units"]]
        if not found:
            return None
        value = max(c.value for c in found)
        return value >= m["min"], value
    if kind == "drop":
        amts = q.amounts(clause)
        if len(amts) >= 2 and words.from_to.search(clause):
            was, now = amts[0].value, amts[-1].value
            if was > 0 and now <= was:
                value = 1 - now / was
                return value >= m["min"], round(value, 3)
        ratios = q.ratios(clause)
        if ratios and words.only_left.search(clause, 0, ratios[-1].start):
            value = 1 - ratios[-1].value  # 只有去年的一半: half is left
            return value >= m["min"], value
        verb = words.drop_fell.search(clause)
        if verb and ratios:
            value = ratios[-1].value
            if words.fell_to.search(clause, verb.start(), ratios[-1].start):
                value = 1 - value
            return value >= m["min"], value
        return None
    if kind == "amount":
        found = q.amounts(clause)
        if not found:
            return None
        top = max(found, key=lambda a: a.value)
        value = top.value + (1 if words.more_than.match(clause, top.end) else 0)
        return value >= m["min"], value
    return None


def analyse(
    text: str, kb: Knowledge | None = None, hypothetical: bool = False, use_model: bool = True
) -> dict[str, Finding]:
    """Findings for every signal the text speaks about.

    Within one message a raised finding beats a fine one (a denial in one clause
    does not cancel a problem stated in another). Within one clause a number
    decides over words ("流水少了一成" is fine) unless the measure says
    `decides: false` (five cards are not many, but "都刷爆了" still counts). Clauses that are only
    hypothetical (如果…) are skipped unless `hypothetical` is set.
    """
    kb = kb or load()
    rules = _rules_for(kb)
    found: dict[str, Finding] = {}

    def keep(f: Finding) -> None:
        old = found.get(f.signal)
        if old is None or (old.state == FINE and (f.state == RAISED or (old.soft and not f.soft))):
            found[f.signal] = f

    soft: dict[str, str] = {}  # a fine read from a count that does not decide ("四张卡"): its clause
    corrected: dict[str, int] = {}  # "…征信花了，其实我半年就查了一次": the clause whose count corrects it
    taken_back_at: int | None = None  # the last clause taking back what was said ("不对", "刚才说错了")
    correcting_at: int | None = None  # the last clause opening a correction ("其实…")
    stated: dict[str, bool] = {}  # per signal: some clause names its topic as a fact (`_topic_stated`)

    prepared = prepare(text, kb)
    if rules.fiction.search(prepared):
        return {}  # "写个小故事：老王替邻居担保…" states nobody's situation (`fiction`)
    marked = marked_clauses(prepared, kb)
    parts = [c for c, _ in marked]
    carried: float | None = None  # "上个月手头紧，被查了5次": a period applies to later clauses
    others = _someone_else(prepared, parts, rules)
    sentences = [_sentence_of(prepared, c) for c in parts]
    supposed: str | None = None  # the sentence of the last clause that only supposes
    for i, clause in enumerate(parts):
        spans = q.periods(clause)
        if spans:
            carried = spans[0].value
        if not hypothetical and rules.hypothetical.search(clause):
            supposed = sentences[i]  # "要是我找我哥当担保人，他有两张卡逾期，会不会不行？": all of it supposes
            continue
        if not hypothetical and supposed == sentences[i] and _asks(prepared, supposed):
            continue
        if _given_up(sentences[i], clause, rules):
            continue
        following = parts[i + 1] if i + 1 < len(parts) else ""
        someone_else = others[i]
        sentence = sentences[i]
        bare = clause.strip()
        opening = bool(rules.topic_opening.match(bare))  # "说到担保这事，…": a topic brought up, no cue counts
        if rules.self_correction.match(bare) or rules.retraction.search(bare):
            taken_back_at = i
        if rules.correction.match(bare):
            correcting_at = i
        if rules.asking_for.match(sentence.strip()):
            continue  # "帮我表弟问的，…": the whole sentence is another applicant's
        for sid in kb.signals:
            if someone_else and sid not in rules.about_others:
                continue  # "我老公逾期了": somebody else's situation
            unless = rules.unless[sid]
            if unless is not None and unless.search(sentence):
                continue  # "我找表哥当担保人，…，担保不够格": the sentence is about the applicant's own guarantor
            decided = False
            for m in rules.measures[sid]:
                verdict = _measure(m, clause, rules.measure_words, carried)
                if (
                    (verdict is None or not verdict[0])
                    and m.get("window", 1) > 1
                    and following
                    and _measure(m, following, rules.measure_words) is None
                ):
                    # "额度5万，现在欠了4万8": the two numbers sit in neighbouring clauses;
                    # "申了几个贷款，少说也有十来次": the next clause says how many
                    joined = _measure(m, clause + " " + following, rules.measure_words, carried)
                    verdict = joined if verdict is None or (joined is not None and joined[0]) else verdict
                said = found.get(sid)
                if (
                    verdict is None
                    and taken_back_at is not None
                    and said is not None
                    and said.value is not None
                    and len(bare) <= _CORRECTED_NUMBER
                    and rules.restated.match(bare)
                ):
                    # "申请了15万，不对，填的是５万": after a retraction a bare number replaces the one said
                    verdict = _measure({**m, "context_re": None}, clause, rules.measure_words, carried)
                    if verdict is not None and not verdict[0]:
                        corrected.setdefault(sid, taken_back_at)
                if verdict is not None and not verdict[0] and rules.vague_count.search(clause + following):
                    verdict = None  # "被拒好几次了": a vague count says nothing is fine; the words decide
                if verdict is not None and verdict[0] and _number_denied(f"{clause} {following}", verdict[1], rules):
                    verdict = (False, verdict[1])  # "更不会一个月查十几次", "哪来的十几次"
                if verdict is not None:
                    weak = not verdict[0] and not m.get("decides", True)
                    if weak and sid not in found:
                        soft[sid] = clause
                    keep(Finding(sid, RAISED if verdict[0] else FINE, clause, verdict[1], soft=weak))
                    if not verdict[0] and not weak and rules.correction.match(clause):
                        corrected.setdefault(sid, i)
                    decided = decided or m.get("decides", True)
            cue = rules.cues[sid]
            fine = rules.fine[sid]
            said_fine = fine is not None and bool(fine.search(clause))  # "流水和去年差不多": the clause says fine
            # what others say states nothing of the writer, but it is how one hears of lenders and guarantors
            hearsay = sid not in rules.about_others and bool(rules.hearsay.match(clause))
            if cue is not None and not decided and not said_fine and not marked[i][1] and not hearsay and not opening:
                for hit in cue.finditer(clause):
                    if _doubted(clause, hit.start(), rules, hit.end()):
                        continue
                    denied = _denied(clause, hit.start(), rules, hit.end())
                    # "给人担保？没有", "逾期这事儿，没有": the denial is the next clause on its own
                    rest = clause[hit.end() :].strip()
                    listed = rules.list_tail.sub("", rest, count=1)  # "网贷、担保、炒股，一样都不沾"
                    denied = denied or (bool(rules.topic_filler.fullmatch(listed)) and _bare_denial(following, rules))
                    denied = denied or _denied_all_the_more(parts, clause, rules)
                    denied = denied or _retracted(clause, hit.start(), hit.end(), following, rules)
                    denied = denied or _owned_by_other(rest, parts[i + 1 : i + 3], rules)
                    denied = denied or _corrected_next(hit.group(), rest, following, rules)
                    state = FINE if denied else RAISED
                    keep(Finding(sid, state, clause))
            if said_fine:
                keep(Finding(sid, FINE, clause))
                if correcting_at is not None:
                    # "可能是因为炒币被拒的，其实我就是看看行情，一分钱都没投进去"
                    corrected.setdefault(sid, correcting_at)
            topic = rules.topic_cues.get(sid)
            named_before = topic is not None and _named_earlier(parts, sentences, i, topic[0], rules)
            named_here = topic is not None and (bool(topic[0].search(clause)) or named_before)
            good = rules.topic_fine.get(sid)
            if named_here and good is not None and good.search(clause):
                keep(Finding(sid, FINE, clause))  # "担保人是我岳父，名下没有负债": good words about the topic
            if topic is not None and someone_else and not named_here and sid not in stated:
                stated[sid] = _topic_stated(parts, topic[0], rules)
            if topic is not None and (named_here or (someone_else and stated[sid])):
                # "担保人是我同事，他自己也欠了很多钱": the subject was named earlier, or just before
                # ("找的担保人是我表叔，信用社一查说他自己欠着好几笔贷款")
                for hit in topic[1].finditer(clause):
                    if not _doubted(clause, hit.start(), rules, hit.end()) and not _denied(
                        clause, hit.start(), rules, hit.end()
                    ):
                        keep(Finding(sid, RAISED, clause))
    if use_model:
        for f in _learned_findings(prepared, found, rules, kb, hypothetical, soft):
            keep(f)
    for sid, at in corrected.items():
        f = found[sid]
        if f.state == RAISED and f.evidence in parts[:at]:
            found[sid] = Finding(sid, FINE, parts[at], f.value)
    for sid, f in list(found.items()):
        if f.state == RAISED and f.value is None and _denied_later(parts, sentences, f.evidence, sid, rules):
            found[sid] = Finding(sid, FINE, f.evidence, f.value)
    return _settle_resolved(found, prepared, rules)


def _number_denied(text: str, value: float, rules: _Rules) -> bool:
    """The number that raised the finding is itself denied: "更不会一个月查十几次", "…就三次，哪来的十几次"
    (`text` is the clause, or the clause and the next one when the number was read across them)."""
    said = [s for s in (*q.counts(text), *q.amounts(text), *q.ratios(text)) if abs(s.value - value) < 1e-9]
    return any(rules.number_denied.search(text, max(0, s.start - _NEG_WINDOW), s.start) for s in said[:1])


def _given_up(sentence: str, clause: str, rules: _Rules) -> bool:
    """The clause opens a plan or an offer, or goes on with one opened in the two clauses before it, that
    the rest of its sentence gives up: "本来想借点钱去炒股，…这个念头就打消了", "有朋友给我介绍过一个放贷的，
    说是砍头息，…被我老婆劝住了，我就没去借"."""
    at = sentence.find(clause)
    if at < 0:
        sentence, at = clause, 0
    starts = [0, *(m.end() for m in _SPLIT.finditer(sentence, 0, at))]  # this clause's start is the last
    begin = starts[max(0, len(starts) - 1 - _PLAN_REACH)]
    opened = None
    for m in rules.plan_opening.finditer(sentence, begin, at + len(clause)):
        opened = m
    if opened is None:
        return False
    return bool(rules.plan_dropped.search(sentence, max(opened.end(), at)))


def _asks(text: str, sentence: str) -> bool:
    """The sentence ends with a question mark."""
    at = text.find(sentence)
    return at >= 0 and text[at + len(sentence) : at + len(sentence) + 1] in ("?", "？")


def _corrected_next(phrase: str, rest: str, following: str, rules: _Rules) -> bool:
    """The clause right after the phrase corrects it: "我是跑化工运输的，哦说错了，以前是",
    "这次续贷，哦不是续贷，是新申请的"."""
    said = following.strip()
    if len(rest) <= 6 and rules.self_correction.match(said):
        return True
    return len(rest) <= 2 and bool(rules.corrected_named.match(said)) and phrase in said[:12]


def _owned_by_other(rest: str, after: list[str], rules: _Rules) -> bool:
    """Right after the phrase, someone else is named as its owner: "信用卡逾期过一次，那是我老公的",
    "逾期那个是我老公的卡", "炒股的是我儿子", "…，哦不对，是我弟借的"."""
    return bool(rules.owned_by_other.match("，".join([rest, *after])))


def _retracted(clause: str, start: int, end: int, following: str, rules: _Rules) -> bool:
    """A claim reported just before the phrase and taken back after it, in the same clause or as the
    next one: "前面说我有逾期是说错了", "刚才说我信用卡逾期，其实搞错了", "说我是白户肯定不对"."""
    if not rules.reported.search(clause, max(0, start - _NEG_WINDOW), start):
        return False
    rest = clause[end:].strip()
    if rules.retraction.search(rest):
        return True
    return len(rest) <= 2 and bool(rules.retraction.search(following.strip()))


def _denied_later(parts: list[str], sentences: list[str], evidence: str, sid: str, rules: _Rules) -> bool:
    """A later clause of the same sentence denies the signal by name: "跟这家合作才一年，谈不上老客户".
    A finding read from a number is left to the number."""
    pattern = rules.denied_named.get(sid)
    if pattern is None or evidence not in parts:
        return False
    i = parts.index(evidence)
    return any(sentences[j] == sentences[i] and pattern.match(parts[j].strip()) for j in range(i + 1, len(parts)))


def _topic_stated(parts: list[str], topic: re.Pattern[str], rules: _Rules) -> bool:
    """Some clause names the topic as a fact: not only supposed ("如果让我妈做担保人行不行") nor
    denied ("我还没找担保人")."""
    return any(
        not rules.hypothetical.search(c) and not _denied(c, hit.start(), rules)
        for c in parts
        for hit in topic.finditer(c)
    )


def _named_earlier(parts: list[str], sentences: list[str], i: int, topic: re.Pattern[str], rules: _Rules) -> bool:
    """An earlier clause of the same sentence names the topic, and no clause since speaks of the writer
    ("担保人是我老丈人，六十多了，退休金不高": the third clause is still about him). A topic named only to
    deny it names nothing ("网贷从来不碰，…")."""
    for j in range(i - 1, -1, -1):
        if sentences[j] != sentences[i]:
            return False
        if topic.search(parts[j]):
            return not rules.negators.search(rules.not_neg.sub("__", parts[j]))
        if rules.first_person.search(parts[j]):
            return False
    return False


def fiction(text: str, kb: Knowledge | None = None) -> bool:
    """The text asks for a story ("写个小故事：老王替邻居担保…"): it states nobody's situation."""
    return bool(_rules_for(kb or load()).fiction.search(prepare(text, kb)))


def turns_against(text: str, kb: Knowledge | None = None, sid: str | None = None) -> bool:
    """The text says over, wrong or someone else's ("哦说错了，前年就转手了"), or one of `sid`'s `unless`
    patterns speaks for it ("客服说他们放款一切正常"), and it asks nothing: a request ("直接说结果吧")
    or a question ("这种季节性的也算吗") turns against nothing."""
    kb = kb or load()
    rules = _rules_for(kb)
    marked = marked_clauses(prepare(text, kb), kb)
    if any(asked for _, asked in marked):
        return False
    said = "，".join(c for c, _ in marked)
    own = [p for p in (*rules.own_resolved.values(), *rules.replaced.values()) if p is not None]
    unless = rules.unless.get(sid) if sid is not None else None
    if unless is not None:
        own.append(unless)
    return any(p.search(said) for p in (rules.resolved, rules.self_correction, *own)) or any(
        rules.retraction.search(c.strip()) or rules.owned_by_other.match(c.strip()) for c, _ in marked
    )


def first_sentence(text: str, kb: Knowledge | None = None) -> str:
    """The first sentence of `text` (prepared), or "" when it has none."""
    return next((x for x in _SENTENCES.split(prepare(text, kb)) if x.strip()), "")


def sentence_with(text: str, clause: str, kb: Knowledge | None = None) -> str:
    """The sentence of `text` (prepared) that holds `clause`, or "" when none does."""
    return _sentence_holding(prepare(text, kb), clause) or ""


def _sentence_holding(text: str, clause: str) -> str | None:
    for sentence in _SENTENCES.split(text):
        if clause and clause in sentence:
            return sentence
    return None


def _sentence_of(text: str, clause: str) -> str:
    return _sentence_holding(text, clause) or clause


def _someone_else(text: str, parts: list[str], rules: _Rules) -> list[bool]:
    """Per clause: is its subject someone else? A clause without a subject of its own keeps the one
    before it in the same sentence ("担保人是我同事，他刚被裁员，自己的房贷也断供两期了")."""
    out, carried, previous = [], False, None
    for clause in parts:
        sentence = _sentence_of(text, clause)
        if sentence != previous:
            carried, previous = False, sentence
        if rules.others.search(clause.strip()):
            carried = True
        elif rules.first_person.search(rules.object_me.sub("", clause)):
            carried = False
        out.append(carried)
    return out


@lru_cache(maxsize=4)
def _since(template: str, number: str) -> re.Pattern[str]:
    return re.compile(template.replace("{number}", f"({number})"))


def _years_since(sentence: str, rules: _Rules) -> float | None:
    """The shortest "N years ago / N years now" the sentence names ("还清六年了", "到现在五年多了")."""
    spans = []
    for m in _since(rules.years_since, q.number_pattern()).finditer(sentence):
        n = q.cn_int(m.group(1))
        if n is not None:
            spans.append(n + (0.5 if m.group(2) else 0))
    return min(spans) if spans else None


def _long_past(sentence: str, kept: int, rules: _Rules, today: date | None = None) -> bool:
    """The sentence puts the event more than `kept` years back: every year it names ended earlier
    ("2016年晚还过一次"), or it says so many years have passed ("早还清了，到现在五年多了")."""
    if rules.recent.search(rules.to_now.sub("", sentence)):
        return False
    years = [int(y) for y in rules.calendar_year.findall(sentence)]
    if years:
        return max(years) < (today or date.today()).year - kept
    since = _years_since(sentence, rules)
    return since is not None and since >= kept


def _finished(pattern: re.Pattern[str], sentence: str, rules: _Rules) -> bool:
    """A finished-situation word not itself negated ("已经结清" yes, "尚有三笔未结清" no)."""
    return any(
        not rules.unresolved_before.search(sentence[max(0, m.start() - 3) : m.start()])
        for m in pattern.finditer(sentence)
    )


def _next_sentence(text: str, sentence: str) -> str:
    """The sentence after `sentence` in `text`, or ""."""
    at = text.find(sentence)
    if at < 0 or not sentence:
        return ""
    return next((p for p in _SENTENCES.split(text[at + len(sentence) :]) if p.strip()), "")


def _turned_next(text: str, sentence: str, sid: str, rules: _Rules) -> str:
    """The next sentence when it turns against this one and names the same signal, else ""."""
    named = rules.named_words.get(sid)
    nxt = _next_sentence(text, sentence).strip()
    if not nxt or named is None:
        return ""
    return nxt if rules.turn.match(nxt) and named.search(nxt) else ""


def _settle_resolved(found: dict[str, Finding], text: str, rules: _Rules) -> dict[str, Finding]:
    """A finished situation is fine ("担保去年就解除了"); for a signal whose record outlives the
    event (a settled overdue stays 5 years) only its own patterns count ("七年前逾期过")."""
    out = dict(found)
    for sid, f in found.items():
        if f.state != RAISED:
            continue
        where = _sentence_of(text, f.evidence)
        turn = _turned_next(text, where, sid, rules)
        if turn:
            where = f"{where}。{turn}"  # "…说我担保太多。可那几笔担保去年就全部解除了"
        own = rules.own_resolved.get(sid)
        swapped = rules.replaced.get(sid)
        after = where.find(f.evidence) + len(f.evidence) if f.evidence in where else len(where)
        if swapped is not None and swapped.search(where, after):
            out[sid] = Finding(sid, FINE, f.evidence, f.value)  # "他欠了一屁股债，后来没用他，换成我女婿了"
            continue
        general = None if sid in rules.resolved_counts else _finished(rules.resolved, where, rules)
        if general and rules.still_holds.search(f.evidence) and not _finished(rules.resolved, f.evidence, rules):
            general = False  # "网贷都还完了，就剩信用卡还刷爆着": what is over is something else
        kept = rules.kept_years.get(sid)
        if kept and _long_past(where, kept, rules):
            out[sid] = Finding(sid, FINE, f.evidence, f.value)
            continue
        reach = f"{where}。{_next_sentence(text, where)}" if sid in rules.resolved_next else where
        if (own is not None and _finished(own, reach, rules)) or general:
            out[sid] = Finding(sid, FINE, f.evidence, f.value)
    return out


NEGATION_MARGIN = 0.0  # any rise once the negation is gone means it denied ("没借网贷"); chosen on the dev sets
MIN_LEARNED_CHARS = 4
# a sentence shorter than this (alphanumeric characters) may deny a signal to the model ("没借网贷") but
# not raise one: "资料交了", "未设抵押" name a topic, they rarely say a problem the rules miss (dev sets)
MIN_RAISING_CHARS = 9
# the clause next to a topic-only clause must lean towards the signal this much on its own before the two
# are read together (dev sets: it kept 7 of the 10 new findings and dropped 2 of the 5 wrong ones)
NEIGHBOUR_MIN = 0.3


def without_negation(clause: str, kb: Knowledge | None = None) -> str | None:
    """The clause with its negation words taken out, or None if it has none ("没办法" is not one)."""
    rules = _rules_for(kb or load())
    kept = rules.not_neg.sub(lambda m: "_" * len(m.group()), clause)  # same length: spans still line up
    cuts = [(m.start(), m.end()) for m in rules.negators.finditer(kept)]
    if not cuts:
        return None
    bounds = [0, *[x for cut in cuts for x in cut], len(clause)]
    return "".join(clause[bounds[i] : bounds[i + 1]] for i in range(0, len(bounds), 2))


def _clause_denied(clause: str, sid: str, score: float, model: learned.SignalModel, kb: Knowledge) -> bool:
    """A negation denies the signal when taking it away makes the clause read more like the signal.

    "网贷从来没碰过" reads as online borrowing once 没 is gone; "从没办过信用卡" (a thin file)
    reads less like one: there the negation is the content.
    """
    stripped = without_negation(clause, kb)
    return stripped is not None and model.scores(stripped).get(sid, 0.0) - score > NEGATION_MARGIN


TOPIC_DENIAL_WINDOW = 8  # characters after the topic words in which a negation denies them


def _names_topic(clause: str, sid: str, kb: Knowledge) -> bool:
    """The clause names the signal by its cue or topic words and denies them after naming them
    ("网贷我一直是不碰的"); a negation before them is often the content ("没有产权证")."""
    rules = _rules_for(kb)
    topic = rules.topic_cues.get(sid)
    for pattern in (rules.cues.get(sid), topic[0] if topic else None):
        found = pattern.search(clause) if pattern is not None else None
        if (
            found is not None
            and not rules.negators.search(rules.not_neg.sub("__", clause[: found.start()]))
            and rules.negators.search(rules.not_neg.sub("__", clause[found.end() : found.end() + TOPIC_DENIAL_WINDOW]))
        ):
            return True
    return False


def _denied_nearby(parts: list[str], clause: str, sid: str, model: learned.SignalModel, kb: Knowledge) -> bool:
    """Another clause of the sentence denies the signal outright: without its negation it would be a
    finding, or it names the signal's cue or topic words ("网贷我是从来不借的，利息太黑": the second
    clause scores highest, the first says no)."""
    for other in parts:
        if other == clause:
            continue
        stripped = without_negation(other, kb)
        if (
            stripped is not None
            and (sid in model.above(stripped) or _names_topic(other, sid, kb))
            and _clause_denied(other, sid, model.scores(other).get(sid, 0.0), model, kb)
        ):
            return True
    return False


def _problem_next_door(parts: list[str], clause: str, sid: str, model: learned.SignalModel, kb: Knowledge) -> bool:
    """The clause names the topic and its neighbour says the problem ("担保人是我朋友，他的厂子上个月
    刚停产"): read together, they state it."""
    i = parts.index(clause)
    if any(without_negation(p, kb) is not None for j, p in enumerate(parts) if abs(j - i) > 1):
        return False  # "担保人也有，是开厂的朋友，没有负债": a denial further on may be about the same thing
    for j in (i - 1, i + 1):
        if not 0 <= j < len(parts):
            continue
        other = parts[j]
        pair = clause + "，" + other if j > i else other + "，" + clause
        if (
            model.scores(other).get(sid, 0.0) >= NEIGHBOUR_MIN
            and sid in model.above(pair)
            and model.states_problem(pair, sid)
        ):
            return True
    return False


# a clause alone raises a signal only when this sure (chosen on the dev cases: 0.9 added false ones)
CLAUSE_HIT_MIN = 0.97


def _hits(sentence: str, scored: list[tuple[str, dict[str, float]]], model: learned.SignalModel) -> dict[str, float]:
    """Signals the model finds in the sentence, or in one of its clauses alone: a long sentence can
    bury a clear clause ("三头一起干，哪头都没顾上，今年账户里走的钱一下子掉了一大截")."""
    hits = dict(model.above(sentence))
    if len(scored) > 1:
        for clause, _ in scored:
            if sum(ch.isalnum() for ch in clause) < MIN_RAISING_CHARS:
                continue
            for sid, p in model.above(clause).items():
                if p >= CLAUSE_HIT_MIN and model.states_problem(clause, sid):
                    hits[sid] = max(hits.get(sid, 0.0), p)
    return hits


def _speaks(clause: str, sid: str, rules: _Rules, someone_else: set[str], hypothetical: bool) -> bool:
    """The clause is the applicant's own statement, not a guess, a question, a hypothesis or
    someone else's matter."""
    if not hypothetical and rules.hypothetical.search(clause):
        return False
    if (
        _doubted(clause, min(len(clause), _NEG_WINDOW), rules)
        or rules.asks_about.search(clause)
        or (sid not in rules.about_others and rules.hearsay.match(clause))
    ):
        return False  # "会不会是逾期的原因", "逾期是什么意思": a guess or a question, not a statement
    return sid in rules.about_others or not (clause in someone_else or rules.others.search(clause.strip()))


def _evidence(
    scored: list[tuple[str, dict[str, float]]],
    sid: str,
    model: learned.SignalModel,
    rules: _Rules,
    someone_else: set[str],
    hypothetical: bool,
    counted: str | None = None,
) -> str | None:
    """The clause that carries the finding: the best-scoring one, or, when that one is a question,
    a guess, someone else's matter or the clause whose count has spoken already (`counted`), the best
    other clause that passes the threshold on its own ("他们打回访电话我一个都没接到，单位地址也填得跟社保上
    的不一样"; "信用卡有四张，每个月都只能还个最低")."""
    ranked = sorted(scored, key=lambda cs: cs[1].get(sid, 0.0), reverse=True)
    best = ranked[0][0]
    if best != counted and _speaks(best, sid, rules, someone_else, hypothetical):
        return best
    for clause, _ in ranked[1:]:
        if clause != counted and sid in model.above(clause) and _speaks(clause, sid, rules, someone_else, hypothetical):
            return clause
    return None


def _learned_findings(
    text: str,
    found: dict[str, Finding],
    rules: _Rules,
    kb: Knowledge,
    hypothetical: bool,
    soft: dict[str, str] | None = None,
) -> list[Finding]:
    """Signals the classifier finds that the rules did not speak about, or spoke about only
    through a count that does not decide ("信用卡有四张，每个月只能还个最低": four cards are not
    many, the other clause still says the problem).

    The model scores each sentence; the clause with the highest score carries the
    evidence, and a negation in that clause makes the finding `fine`.
    """
    model = learned.load_model()
    if model is None:
        return []
    out: list[Finding] = []
    soft = soft or {}
    open_ = {
        sid
        for sid in kb.signals
        if sid not in found or (found[sid].state == FINE and found[sid].evidence == soft.get(sid))
    }
    for sentence in _SENTENCES.split(text):
        if sum(ch.isalnum() for ch in sentence) < MIN_LEARNED_CHARS or rules.asking_for.match(sentence.strip()):
            continue  # "没有": too little to read a situation from (the rules still read it)
        parts = [c for c in clauses(sentence, kb) if c.strip()] or [sentence]
        # a break word that opens the sentence joins it to nothing ("就是手机号换了，…")
        read = sentence.strip()
        read = read[m.end() :] if (m := rules.breaks.match(read)) else read
        model.warm([read, *parts])
        scored = [(c, model.scores(c)) for c in parts]
        hits = {sid for sid, p in _hits(read, scored, model).items() if sid in open_ and p >= rules.learned_min[sid]}
        if not hits:
            continue
        someone_else = {c for c, other in zip(parts, _someone_else(sentence, parts, rules), strict=True) if other}
        for sid in hits:
            counted = found[sid].evidence if sid in found else None  # the number has spoken in that clause
            clause = _evidence(scored, sid, model, rules, someone_else, hypothetical, counted)
            if clause is None or _given_up(sentence, clause, rules):
                continue
            unless = rules.unless[sid]
            if unless is not None and unless.search(sentence):
                continue
            score = dict(scored)[clause].get(sid, 0.0)
            if sid in rules.negation_is_content:
                denied = bool(rules.not_identity.search(clause))  # "不可能是白户" denies, "没办过卡" does not
            else:
                denied = (
                    _clause_denied(clause, sid, score, model, kb)
                    or _answered_no(text, clause, rules)
                    or _denied_nearby(parts, clause, sid, model, kb)
                    or _denied_all_the_more(parts, clause, rules)
                )
            if not denied and (
                sum(ch.isalnum() for ch in sentence) < MIN_RAISING_CHARS
                or not (model.states_problem(clause, sid) or _problem_next_door(parts, clause, sid, model, kb))
            ):
                continue
            out.append(Finding(sid, FINE if denied else RAISED, clause))
    return out


def named(text: str, kb: Knowledge | None = None) -> set[str]:
    """Signals whose cue words appear anywhere, questions included ("高危行业指的是哪些")."""
    kb = kb or load()
    rules = _rules_for(kb)
    prepared = prepare(text, kb)
    return {sid for sid, cue in rules.cues.items() if cue is not None and cue.search(prepared)}


def raised(text: str, kb: Knowledge | None = None) -> list[str]:
    """Ids of raised signals, most important first."""
    kb = kb or load()
    return kb.ranked([sid for sid, f in analyse(text, kb).items() if f.state == RAISED])
