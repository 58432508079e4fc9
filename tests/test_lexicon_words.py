"""Detection reads its words from the lexicon: an edit there changes what it does."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from loanwhy import quantities as q
from loanwhy.detect import FINE, RAISED, analyse
from loanwhy.kb import Knowledge


def _with(kb: Knowledge, key: str, table: Any) -> Knowledge:
    return replace(kb, lexicon={**kb.lexicon, key: table})


def _state(text: str, kb: Knowledge, signal: str) -> str:
    return analyse(text, kb, use_model=False)[signal].state


def test_more_than_after_an_amount_is_the_lexicons(kb: Knowledge) -> None:
    assert _state("想借十万以上", kb, "amount_over_limit") == RAISED  # more than the 100 001 asked for
    other = _with(kb, "measure_words", {**kb.lexicon["measure_words"], "amount": {"more_than": ["开外"]}})
    assert _state("想借十万以上", other, "amount_over_limit") == FINE
    assert _state("想借十万开外", other, "amount_over_limit") == RAISED


def test_the_span_of_lately_is_the_lexicons(kb: Knowledge) -> None:
    assert _state("最近查了4次", kb, "frequent_inquiries") == FINE  # 4 in 3 months is below 5
    words = kb.lexicon["measure_words"]
    other = _with(kb, "measure_words", {**words, "count_in_period": {**words["count_in_period"], "lately_months": 1}})
    assert _state("最近查了4次", other, "frequent_inquiries") == RAISED  # 4 in a month is 3 or more


def test_the_words_of_a_drop_are_the_lexicons(kb: Knowledge) -> None:
    assert _state("流水从十万降到三万", kb, "cashflow_drop") == RAISED
    words = kb.lexicon["measure_words"]
    other = _with(kb, "measure_words", {**words, "drop": {**words["drop"], "from_to": ["跌成"]}})
    assert "cashflow_drop" not in analyse("流水从十万降到三万", other, use_model=False)


def test_a_calendar_year_is_the_lexicons(kb: Knowledge) -> None:
    assert _state("2016年逾期过一次", kb, "overdue_record") == FINE  # long past
    other = _with(kb, "calendar_year", "{year}年度")
    assert _state("2016年逾期过一次", other, "overdue_record") == RAISED


def test_the_unit_of_an_amount_and_of_a_period_is_the_lexicons(kb: Knowledge, monkeypatch: pytest.MonkeyPatch) -> None:
    assert [x.unit for x in q.amounts("5万")] == ["元"] and [x.unit for x in q.periods("两个月")] == ["月"]
    units = {**kb.lexicon["units"], "base": {"money": "块", "time": "个月"}}
    monkeypatch.setattr(q, "load", lambda: _with(kb, "units", units))
    assert [x.unit for x in q.amounts("5万")] == ["块"] and [x.unit for x in q.periods("两个月")] == ["个月"]
