"""The spaCy quantity pipeline: spans and labels for the forms applicants use."""

from __future__ import annotations

import pytest

from loanwhy.nlp import quantity_spans


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
