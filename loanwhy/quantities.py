"""Numbers as applicants write them: 3, 十几, 两万, 4万8, 三成, 80%, 一半.

Input is already normalised (NFKC, Simplified). The spaCy pipeline of
`loanwhy.nlp` finds the quantities; here each span is parsed into a value
(cn2an for Chinese numerals). Every finder returns values with their position
so that the caller can look at the words around them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

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
    fuzzy = {"俩": 2, "几": 3, "好几": 4, "十几": 15, "十多": 15, "几十": 30, "二十多": 25, "一两": 2,
             "两三": 3, "三四": 4, "三五": 4, "四五": 5, "五六": 6, "六七": 7, "七八": 8, "八九": 9}
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


# amounts: 5万, 4万8, 两万, 1.5万, 8000元, 3k, 10w, 十万
_AMOUNT = re.compile(rf"({NUM})\s*(万|w|W|千|k|K|块|元)(?:({NUM}))?")


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
    for m, start, end in _spans(text, "AMOUNT", _AMOUNT):
        base = cn_int(m.group(1))
        if base is None:
            continue
        unit = m.group(2).lower()
        scale = {"万": 10000, "w": 10000, "千": 1000, "k": 1000, "块": 1, "元": 1}[unit]
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


_COUNT = re.compile(rf"({NUM})\s*(次|回|张|笔|家|个|项|份|人)")


def counts(text: str) -> list[Quantity]:
    out = []
    for m, start, end in _spans(text, "COUNT", _COUNT):
        v = cn_int(m.group(1))
        if v is not None:
            out.append(Quantity(v, m.group(2), start, end))
    return out


_RATIO = re.compile(rf"(\d+(?:\.\d+)?)\s*%|百分之({NUM})|({NUM})\s*成|(一半|大半|小半|过半|多半)")


def ratios(text: str) -> list[Quantity]:
    """Shares of a whole as 0..1 (三成 → 0.3, 一半 → 0.5, 80% → 0.8)."""
    out = []
    words = {"一半": 0.5, "大半": 0.7, "小半": 0.3, "过半": 0.6, "多半": 0.6}
    for m, start, end in _spans(text, "RATIO", _RATIO):
        if m.group(1):
            v: float | None = float(m.group(1)) / 100
        elif m.group(2):
            n = cn_int(m.group(2))
            v = n / 100 if n is not None else None
        elif m.group(3):
            n = cn_int(m.group(3))
            v = n / 10 if n is not None and n <= 10 else None
        else:
            v = words[m.group(4)]
        if v is not None:
            out.append(Quantity(v, "ratio", start, end))
    return out


_NAMED_PERIODS = {"半年": 6.0, "半个月": 0.5, "今年": 12.0, "去年": 12.0, "最近一年": 12.0, "这个月": 1.0,
                  "本月": 1.0, "上个月": 1.0, "上月": 1.0, "这周": 0.25, "上周": 0.25, "这几天": 0.25, "最近几天": 0.25}
_PERIOD = re.compile(rf"({NUM})\s*(个多?月|月|年|周|星期|天)|({'|'.join(_NAMED_PERIODS)})")


def periods(text: str) -> list[Quantity]:
    """Time spans in months (这两个月 → 2, 半年 → 6, 一年 → 12)."""
    out = []
    for m, start, end in _spans(text, "PERIOD", _PERIOD):
        if m.group(3):
            v = _NAMED_PERIODS[m.group(3)]
        else:
            n = cn_int(m.group(1))
            if n is None:
                continue
            unit = m.group(2)
            factor = {"年": 12, "周": 0.25, "星期": 0.25, "天": 1 / 30}.get(unit, 1)
            v = n * factor
        out.append(Quantity(v, "月", start, end))
    return out
