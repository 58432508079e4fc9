"""Property tests (hypothesis) of the normaliser, the guard and the diagnosis logic."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from channels import guard
from loanwhy.detect import RAISED, analyse
from loanwhy.kb import Knowledge
from loanwhy.normalize import MAX_CHARS, normalize

chinese = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF), max_size=30)


@given(st.text(max_size=3000))
def test_normalize_is_bounded_clean_and_idempotent(text: str) -> None:
    out = normalize(text)
    assert len(out) <= MAX_CHARS
    assert not any(unicodedata.category(c) == "Cc" for c in out)
    assert normalize(out) == out


@given(st.text(max_size=500))
def test_guard_never_passes_a_leading_slash(text: str) -> None:
    result = guard.inbound(text)
    assert not result.text.startswith("/")
    assert len(result.text) <= MAX_CHARS


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_analyse_never_crashes(kb: Knowledge, text: str) -> None:
    for finding in analyse(text, kb).values():
        assert finding.state in ("raised", "fine")


@settings(max_examples=80, deadline=None)
@given(prefix=chinese, denial=st.sampled_from(["没有逾期", "从没逾期过", "没给任何人担保", "从来不炒股", "没有网贷"]))
def test_a_denial_never_raises_what_it_denies(kb: Knowledge, prefix: str, denial: str) -> None:
    target = {
        "逾期": "overdue_record",
        "担保": "external_guarantee",
        "炒股": "stock_speculation",
        "网贷": "high_interest_borrowing",
    }
    sid = next(v for k, v in target.items() if k in denial)
    found = analyse(f"{prefix}，{denial}", kb)
    assert found.get(sid) is None or found[sid].state != RAISED


@settings(max_examples=60, deadline=None)
@given(n=st.integers(min_value=0, max_value=5))
def test_few_inquiries_in_half_a_year_never_raise(kb: Knowledge, n: int) -> None:
    found = analyse(f"半年内查了{n}次征信", kb)
    assert found.get("frequent_inquiries") is None or found["frequent_inquiries"].state != RAISED


@settings(max_examples=60, deadline=None)
@given(n=st.integers(min_value=6, max_value=60))
def test_many_inquiries_in_two_months_always_raise(kb: Knowledge, n: int) -> None:
    assert analyse(f"这两个月征信查了{n}次", kb)["frequent_inquiries"].state == RAISED
