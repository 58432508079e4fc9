"""Numbers as applicants write them: 3, 十几, 两万, 4万8, 三成, 80%, 一半.

Input is already normalised (NFKC, Simplified). The spaCy pipeline of
`loanwhy.nlp` finds the quantities; here each span is parsed into a value
(cn2an for Chinese numerals), each unit worth what the lexicon's `units` says and
each vague number ("十几", "二三十", "五十多") read as the lexicon's `numbers` say.
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

DIGITS = r"\d+(?:\.\d+)?"  # Arabic, with decimals


@dataclass(frozen=True)
class Quantity:
    value: float
    unit: str
    start: int
    end: int


@dataclass(frozen=True)
class _Numbers:
    """The lexicon's `numbers`, with the patterns that find and read them."""

    pattern: str  # one number as a regex: 3, 1.5, 十二, 两, 二十来, 十几, 好几
    vague: dict[str, float]
    more: dict[str, float]
    range: re.Pattern[str]  # 七八十: two neighbouring digits and a scale
    scales: dict[str, float]
    listed: re.Pattern[str]  # 五千一(万): a number ending in 百 or 千 and one more digit


def _char_class(chars: Iterable[str]) -> str:
    return "".join(re.escape(c) for c in chars)


@lru_cache(maxsize=4)
def _numbers_for(knowledge: Knowledge) -> _Numbers:
    numbers: dict[str, Any] = knowledge.lexicon["numbers"]
    cn, more = _char_class(numbers["characters"]), _char_class(numbers["more"])
    digits = _char_class(numbers["range_digits"])
    scales = {str(w): float(v) for w, v in numbers["range_scales"].items()}
    return _Numbers(
        rf"(?:{DIGITS}[{more}]?|[{cn}]+[{more}]?|{numbers['vague_forms']})",
        {str(w): float(v) for w, v in numbers["vague"].items()},
        {str(w): float(v) for w, v in numbers["more"].items()},
        re.compile(rf"([{digits}])([{digits}])({_alternatives(scales)})"),
        scales,
        re.compile(rf"(.*[{_char_class(w for w, v in scales.items() if v >= 100)}])([{digits}])"),
    )


def _numbers() -> _Numbers:
    return _numbers_for(load())


def number_pattern() -> str:
    """One number as a regex (no groups of its own), for patterns of words around numbers."""
    return _numbers().pattern


def cn_int(token: str) -> float | None:
    """Chinese or Arabic numeral → number (cn2an); vague words get a middle value."""
    token = token.strip()
    if not token:
        return None
    numbers = _numbers()
    if token in numbers.vague:
        return numbers.vague[token]
    span = numbers.range.fullmatch(token)
    if span:  # 七八十 → 75, 二三十 → 25, 一二百 → 150: the middle of the range
        low, high = _cn2an(span.group(1)), _cn2an(span.group(2))
        if low is not None and high is not None:
            return (low + high) / 2 * numbers.scales[span.group(3)]
    if token[-1] in numbers.more and len(token) > 1:  # 二十来万, 五十多万: a bit more than the number
        base = cn_int(token[:-1])
        if base is None:
            return None
        step = 10 ** (len(str(int(base))) - 1) if base >= 10 else 1
        return base + step * numbers.more[token[-1]]
    if re.fullmatch(DIGITS, token):
        return float(token)
    return _cn2an(token)


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
    base: dict[str, str]  # the unit of each kind of value: money (yuan), time (months)
    amount: re.Pattern[str]  # 5万, 4万8, 两万, 1.5万, 8000元, 3k, 10w, 十万
    count: re.Pattern[str]
    ratio: re.Pattern[str]  # 80%, 百分之九十, 三成, 一半
    period: re.Pattern[str]


@lru_cache(maxsize=4)
def _units_for(knowledge: Knowledge) -> _Units:
    units: dict[str, Any] = knowledge.lexicon["units"]
    num = _numbers_for(knowledge).pattern
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
        {str(kind): str(word) for kind, word in units["base"].items()},
        re.compile(rf"({num})\s*({_alternatives(money_words)})(?:({num}))?"),
        re.compile(rf"({num})\s*({_alternatives(units['count'])})"),
        re.compile(
            rf"({DIGITS})\s*(?:{_alternatives(units['percent'])})|(?:{_alternatives(units['percent_of'])})({num})"
            rf"|({num})\s*(?:{_alternatives(units['tenths'])})|({_alternatives(shares)})"
        ),
        re.compile(rf"({num})\s*({_alternatives(time)})|({_alternatives(named)})"),
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
        scale = units.money[m.group(2).lower()]
        base = _listed(m.group(1), scale) or cn_int(m.group(1))
        if base is None:
            continue
        value = base * scale
        tail = m.group(3)
        if tail and scale >= 1000:
            t = cn_int(tail)
            if t is not None and t < 10:
                value += t * scale / 10
            elif t is not None:
                value += t
        out.append(Quantity(value, units.base["money"], start, end))
    return out


def _listed(token: str, scale: float) -> float | None:
    """ "五千一万": two amounts side by side (5千 or 1万), not 5,100万; the larger one is read. A run with a
    smaller scale inside it and one digit before the money unit only ends like that when it lists."""
    numbers = _numbers()
    m = numbers.listed.fullmatch(token)
    if m is None or scale < 10000:
        return None
    first, last = cn_int(m.group(1)), cn_int(m.group(2))
    if first is None or last is None or first >= scale:
        return None
    return last


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
        elif m.group(3):  # tenths: up to ten of them
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
        out.append(Quantity(v, units.base["time"], start, end))
    return out
