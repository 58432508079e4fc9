from __future__ import annotations

from dataclasses import replace

import pytest

from loanwhy import quantities as q
from loanwhy.kb import Knowledge

pytestmark = pytest.mark.usefixtures("kb_db")  # the units are the lexicon's, built from knowledge/


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("5万", 50000),
        ("4万8", 48000),
        ("两万", 20000),
        ("1.5万", 15000),
        ("3k", 3000),
        ("十万", 100000),
        ("8000元", 8000),
        ("二三十万", 250000),
        ("七八十万", 750000),
        ("五十多万", 550000),
        ("二十来万", 200000),
        ("五千一万", 10000),  # two amounts side by side: the larger, not 5,100万
        ("一千五百万", 15000000),
    ],
)
def test_amounts(text: str, value: float) -> None:
    assert q.amounts(text)[0].value == value


@pytest.mark.parametrize(
    ("text", "value"), [("十几次", 15), ("两次", 2), ("12次", 12), ("好几家", 4), ("二十多笔", 25)]
)
def test_counts(text: str, value: float) -> None:
    assert q.counts(text)[0].value == value


@pytest.mark.parametrize(
    ("text", "value"), [("三成", 0.3), ("80%", 0.8), ("一半", 0.5), ("百分之九十", 0.9), ("七八成", 0.8)]
)
def test_ratios(text: str, value: float) -> None:
    assert q.ratios(text)[0].value == pytest.approx(value)


@pytest.mark.parametrize(("text", "months"), [("半年", 6), ("这两个月", 2), ("一年", 12), ("三个多月", 3)])
def test_periods(text: str, months: float) -> None:
    assert q.periods(text)[0].value == months


def test_two_months_is_not_a_count() -> None:
    assert q.counts("这两个月") == []


def test_unit_worths_are_the_lexicons(kb: Knowledge, monkeypatch: pytest.MonkeyPatch) -> None:
    units = kb.lexicon["units"]
    other = {
        **units,
        "money": {**units["money"], "万": 1.0},
        "time": {**units["time"], "天": 1.0},
        "shares": {**units["shares"], "一半": 0.25},
    }
    monkeypatch.setattr(q, "load", lambda: replace(kb, lexicon={**kb.lexicon, "units": other}))
    assert [x.value for x in q.amounts("5万")] == [5.0]
    assert [x.value for x in q.periods("30天")] == [30.0]
    assert [x.value for x in q.ratios("一半")] == [0.25]
