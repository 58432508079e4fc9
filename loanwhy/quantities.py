"""Numbers as applicants write them: 3, 十几, 两万, 4万8, 三成, 80%, 一半.

Input is already normalised (NFKC, Simplified). The spaCy pipeline of
`loanwhy.nlp` finds the quantities; here each span is parsed into a value
(cn2an for Chinese numerals), each unit worth what the lexicon's `units` says.
Every finder returns values with their position so that the caller can look at
the words around them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from loanwhy.kb import Knowledge, load
from loanwhy.nlp import quantity_spans

_CN = "零〇一二两俩三四五六七八九十百千"
NUM = rf"(?:\d+(?:\.\d+)?[来多]?|[{_CN}]+[来多]?|[十几]?几十?|好几)"


@dataclass(frozen=True)
class Quantity:
    value: float
    unit: str
    start: int
    end: int


def cn_int(token: str) -> float | None:
    """Chinese or Arabic numeral → number (cn2an); fuzzy words get a middle value."""
    token = token.strip()
    if not token:
        return None
    fuzzy = {
        "俩": 2,
        "几": 3,
        "好几": 4,
        "十几": 15,
        "十多": 15,
        "几十": 30,
        "二十多": 25,
        "一两": 2,
        "两三": 3,
        "三四": 4,
        "三五": 4,
        "四五": 5,
        "五六": 6,
        "六七": 7,
        "七八": 8,
        "八九": 9,
    }
    if token in fuzzy:
        return float(fuzzy[token])
    span = _RANGE.fullmatch(token)
    if span:  # 七八十 → 75, 二三十 → 25, 一二百 → 150: the middle of the range
        low, high = _cn2an(span.group(1)), _cn2an(span.group(2))
        scale = _cn2an("一" + span.group(3)) or 1
        if low is not None and high is not None:
            return (low + high) / 2 * scale
    if token[-1] in "来多" and len(token) > 1:  # 二十来万, 五十多万: a bit more than the number
        base = cn_int(token[:-1])
        if base is None:
            return None
        step = 10 ** (len(str(int(base))) - 1) if base >= 10 else 1
        return base + (step / 2 if token[-1] == "多" else 0)
    if re.fullmatch(r"\d+(?:\.\d+)?", token):
        return float(token)
    return _cn2an(token)


_RANGE = re.compile(r"([一二两三四五六七八九])([一二两三四五六七八九])(十|百|千)")


@lru_cache(maxsize=4096)
def _cn2an(token: str) -> float | None:
    import cn2an

    try:
        return float(cn2an.cn2an(token, "smart"))
    except (ValueError, KeyError, TypeError):
        return None


def _alternatives(words: Iterable[str]) -> str:
    """A regex group body matching any of the words, longest first (个多月 before 个月)."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@dataclass(frozen=True)
class _Units:
    """The lexicon's unit words and what each is worth, with the patterns that find them."""

    money: dict[str, float]
    time: dict[str, float]
    named_periods: dict[str, float]
    shares: dict[str, float]
    amount: re.Pattern[str]  # 5万, 4万8, 两万, 1.5万, 8000元, 3k, 10w, 十万
    count: re.Pattern[str]
    ratio: re.Pattern[str]
    period: re.Pattern[str]


@lru_cache(maxsize=4)
def _units_for(knowledge: Knowledge) -> _Units:
    units: dict[str, Any] = knowledge.lexicon["units"]
    money = {str(w): float(v) for w, v in units["money"].items()}
    money_words = [*money, *(w.upper() for w in money if w.upper() != w)]
    time = {str(w): float(v) for w, v in units["time"].items()}
    named = {str(w): float(v) for w, v in units["named_periods"].items()}
    shares = {str(w): float(v) for w, v in units["shares"].items()}
    return _Units(
        money,
        time,
        named,
        shares,
        re.compile(rf"({NUM})\s*({_alternatives(money_words)})(?:({NUM}))?"),
        re.compile(rf"({NUM})\s*({_alternatives(units['count'])})"),
        re.compile(rf"(\d+(?:\.\d+)?)\s*%|百分之({NUM})|({NUM})\s*成|({_alternatives(shares)})"),
        re.compile(rf"({NUM})\s*({_alternatives(time)})|({_alternatives(named)})"),
    )


def _units() -> _Units:
    return _units_for(load())


def _spans(text: str, label: str, pattern: re.Pattern[str]) -> list[tuple[re.Match[str], int, int]]:
    """Quantities of one kind found by the spaCy pipeline, with their parsed parts."""
    out = []
    for kind, span, start, _end in quantity_spans(text):
        if kind != label:
            continue
        # a span may carry a word around the number ("差不多三十来万" → "多三十来万")
        m = pattern.fullmatch(span) or pattern.search(span)
        if m is not None:
            out.append((m, start + m.start(), start + m.end()))
    return out


def amounts(text: str) -> list[Quantity]:
    """Money amounts in yuan."""
    out: list[Quantity] = []
    units = _units()
    for m, start, end in _spans(text, "AMOUNT", units.amount):
        base = cn_int(m.group(1))
        if base is None:
            continue
        scale = units.money[m.group(2).lower()]
        value = base * scale
        tail = m.group(3)
        if tail and scale >= 1000:
            t = cn_int(tail)
            if t is not None and t < 10:
                value += t * scale / 10
            elif t is not None:
                value += t
        out.append(Quantity(value, "元", start, end))
    return out


def counts(text: str) -> list[Quantity]:
    out = []
    for m, start, end in _spans(text, "COUNT", _units().count):
        v = cn_int(m.group(1))
        if v is not None:
            out.append(Quantity(v, m.group(2), start, end))
    return out


def ratios(text: str) -> list[Quantity]:
    """Shares of a whole as 0..1 (三成 → 0.3, 一半 → 0.5, 80% → 0.8)."""
    out = []
    units = _units()
    for m, start, end in _spans(text, "RATIO", units.ratio):
        if m.group(1):
            v: float | None = float(m.group(1)) / 100
        elif m.group(2):
            n = cn_int(m.group(2))
            v = n / 100 if n is not None else None
        elif m.group(3):
            n = cn_int(m.group(3))
            v = n / 10 if n is not None and n <= 10 else None
        else:
            v = units.shares[m.group(4)]
        if v is not None:
            out.append(Quantity(v, "ratio", start, end))
    return out


def periods(text: str) -> list[Quantity]:
    """Time spans in months (这两个月 → 2, 半年 → 6, 一年 → 12)."""
    out = []
    units = _units()
    for m, start, end in _spans(text, "PERIOD", units.period):
        if m.group(3):
            v = units.named_periods[m.group(3)]
        else:
            n = cn_int(m.group(1))
            if n is None:
                continue
            v = n * units.time[m.group(2)]
        out.append(Quantity(v, "月", start, end))
    return out
