"""The spaCy quantity pipeline: spans and labels for the forms applicants use."""

from __future__ import annotations

from typing import Any

import pytest

from loanwhy.kb import Knowledge
from loanwhy.nlp import patterns, quantity_spans

pytestmark = pytest.mark.usefixtures("kb_db")  # the units are the lexicon's, built from knowledge/


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("额度5万欠了4万8", [("AMOUNT", "5万"), ("AMOUNT", "4万8")]),
        ("这两个月查了十几次", [("PERIOD", "两个月"), ("COUNT", "十几次")]),
        ("信用卡用了三成", [("RATIO", "三成")]),
        ("百分之九十", [("RATIO", "百分之九十")]),
        ("三个多月", [("PERIOD", "三个多月")]),
        ("上个月申请了5家", [("PERIOD", "上个月"), ("COUNT", "5家")]),
        ("成功了", []),
    ],
)
def test_spans(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(label, span) for label, span, _, _ in quantity_spans(text)] == expected


def test_units_are_the_lexicons(kb: Knowledge) -> None:
    import spacy

    units: dict[str, Any] = {**kb.lexicon["units"], "count": ["枚"]}
    nlp = spacy.blank("zh")
    nlp.add_pipe("entity_ruler").add_patterns(patterns(units))  # type: ignore[attr-defined]
    assert [(e.label_, e.text) for e in nlp("三枚硬币，查了十几次").ents] == [("COUNT", "三枚")]
