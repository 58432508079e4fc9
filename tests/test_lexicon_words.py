"""Detection and masking read their words from the lexicon: an edit there changes what they do."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from loanwhy import kb as kbmod
from loanwhy import quantities as q
from loanwhy.detect import FINE, RAISED, analyse
from loanwhy.kb import Knowledge
from loanwhy.privacy import MASK, mask, offers_personal_info


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


def test_the_names_of_secrets_are_the_lexicons(kb: Knowledge, monkeypatch: pytest.MonkeyPatch) -> None:
    assert mask("cvv是123") == f"cvv是{MASK}"
    words = {**kb.lexicon["privacy"], "secret_names": "暗号"}
    monkeypatch.setattr(kbmod, "load", lambda: _with(kb, "privacy", words))
    assert mask("暗号是12345") == f"暗号是{MASK}"
    assert mask("cvv是123") == "cvv是123"


def test_the_words_of_an_offer_are_the_lexicons(kb: Knowledge, monkeypatch: pytest.MonkeyPatch) -> None:
    assert offers_personal_info("卡号发你吗") and not offers_personal_info("卡号念出来吗")
    words = {**kb.lexicon["privacy"], "offer_after": "念出来"}
    monkeypatch.setattr(kbmod, "load", lambda: _with(kb, "privacy", words))
    assert offers_personal_info("卡号念出来吗") and not offers_personal_info("卡号发你吗")


def test_digits_written_as_characters_are_the_lexicons(kb: Knowledge, monkeypatch: pytest.MonkeyPatch) -> None:
    assert mask("幺三八零零幺三八零零零") == MASK
    words = {**kb.lexicon["privacy"], "digits": [c for c in kb.lexicon["privacy"]["digits"] if c != "幺"]}
    monkeypatch.setattr(kbmod, "load", lambda: _with(kb, "privacy", words))
    assert mask("幺三八零零幺三八零零零") != MASK
