"""Chinese full-text search: relevance table, two-character words, synonyms, highlights, index freshness."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from loanwhy import detect, search
from loanwhy import kb as kbmod

RELEVANCE = [
    ("征信查询", "frequent_inquiries"),
    ("担保", "external_guarantee"),
    ("查征信", "frequent_inquiries"),
    ("刷爆", "card_overdraft"),
    ("流水", "cashflow_drop"),
    ("亚联财 产品", "yalian_products"),
    ("逾期", "overdue_record"),
    ("征信花了", "frequent_inquiries"),
    ("互保", "external_guarantee"),
    ("以卡养卡", "card_overdraft"),
    ("白户", "thin_credit_file"),
    ("网贷", "high_interest_borrowing"),
    ("炒股", "stock_speculation"),
    ("续贷", "renewal_review"),
    ("抵押物", "collateral_value"),
    ("面签", "unverifiable_info"),
    ("征信报告", "report_get"),
    ("验证码", "privacy_sms"),
    ("亚联财 网点", "yalian_cities"),
    ("爱钱进 能借多少", "puhui_amount"),
    ("催收 怎么办", "collection_rules"),
    ("停止申请", "frequent_inquiries"),  # found in the guidance (steps), not the name
    ("徵信查詢", "frequent_inquiries"),  # Traditional characters
    ("HTTPS", "yalian_privacy"),
]


@pytest.fixture(scope="module")
def index_db(kb: kbmod.Knowledge, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("search") / "app.sqlite"
    search.ensure_index(kb, path)
    return path


@pytest.mark.parametrize(("query", "expected"), RELEVANCE)
def test_top_result(kb: kbmod.Knowledge, index_db: Path, query: str, expected: str) -> None:
    hits = search.search(query, kb=kb, path=index_db)
    assert hits, query
    assert hits[0].ref == expected, [(h.ref, h.score) for h in hits[:3]]


# Questions as staff type them: the top hit's kind and reference. The comment names what decides.
STAFF_QUESTIONS = [
    ("客户问查询次数多怎么解释", "signal", "frequent_inquiries"),  # 客户 and 怎么解释 are filler
    ("征信修复", "fact", "delete_records"),  # paid "repair" is a scam: the fact's keywords
    ("客户以前有过几次没按时还款", "signal", "overdue_record"),  # the recogniser hears it; 没按时还 is a synonym
    ("客户说房子估价太低了", "signal", "collateral_value"),  # no word of it matches: the recogniser's vote
    ("客户问有人说花钱能把逾期删掉是真的吗", "fact", "delete_records"),  # keywords above overdue's body
    ("客户炒股亏了会影响贷款吗", "signal", "stock_speculation"),  # heard and named, above loan_use's body
]


@pytest.mark.parametrize(("query", "kind", "expected"), STAFF_QUESTIONS)
def test_staff_questions(kb: kbmod.Knowledge, index_db: Path, query: str, kind: str, expected: str) -> None:
    hits = search.search(query, kb=kb, path=index_db)
    assert hits, query
    assert (hits[0].kind, hits[0].ref) == (kind, expected), [(h.kind, h.ref, h.score) for h in hits[:3]]


def test_filler_words_come_from_the_lexicon(kb: kbmod.Knowledge) -> None:
    assert search.content_words(["客户", "问", "查询", "次数", "怎么", "解释"], kb) == ["查询", "次数"]
    other = replace(kb, lexicon={**kb.lexicon, "search_filler": ["查询"]})
    assert search.content_words(["客户", "问", "查询"], other) == ["客户", "问"]
    assert search.content_words(["客户", "怎么"], kb) == ["客户", "怎么"]  # nothing else: searched as typed


def test_a_query_of_filler_only_is_still_searched(kb: kbmod.Knowledge, index_db: Path) -> None:
    assert search.search("客户", kb=kb, path=index_db)[0].ref == "renewal_review"  # its synonym 老客户


def test_the_bots_recogniser_votes(kb: kbmod.Knowledge, index_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The vote is loanwhy/detect.py's: without it a signal no word matched is not found."""
    query = "客户说房子卖不掉"
    assert search.recognised(query, kb) == {"collateral_value"}
    assert "collateral_value" in [h.ref for h in search.search(query, kb=kb, path=index_db)]
    monkeypatch.setattr(detect, "analyse", lambda *a, **k: {})
    monkeypatch.setattr(detect, "named", lambda *a, **k: set())
    assert "collateral_value" not in [h.ref for h in search.search(query, kb=kb, path=index_db)]


@pytest.mark.parametrize("query", ["征信", "担保", "抵押", "流水"])
def test_two_character_words_match(kb: kbmod.Knowledge, index_db: Path, query: str) -> None:
    hits = search.search(query, kb=kb, path=index_db)
    assert len(hits) >= 2
    assert any(hit for _, hit in hits[0].title_parts + hits[0].snippet)


def test_unknown_word_finds_nothing(kb: kbmod.Knowledge, app_db: Path) -> None:
    assert search.search("火星殖民", kb=kb) == []


def test_synonym_hit_is_reported(kb: kbmod.Knowledge, app_db: Path) -> None:
    top = search.search("查征信", kb=kb)[0]
    assert top.kind == "signal" and top.synonyms == ["查征信"]


def test_one_hit_per_signal(kb: kbmod.Knowledge, app_db: Path) -> None:
    refs = [h.ref for h in search.search("征信", limit=50, kb=kb)]
    assert len(refs) == len(set(refs))


def test_highlight_parts_cover_the_text() -> None:
    parts = search.mark("征信查询过于频繁", ["征信查询", "征信"])
    assert parts == [("征信查询", True), ("过于频繁", False)]
    assert "".join(t for t, _ in parts) == "征信查询过于频繁"
    assert search.plain(parts) == "[征信查询]过于频繁"


def test_highlight_is_case_insensitive_and_keeps_original() -> None:
    assert search.mark("使用 HTTPS 加密", ["https"]) == [("使用 ", False), ("HTTPS", True), (" 加密", False)]


def test_snippet_is_a_window_around_the_match() -> None:
    text = "甲" * 200 + "担保" + "乙" * 200
    parts = search.snippet(text, ["担保"], width=40)
    joined = "".join(t for t, _ in parts)
    assert ("担保", True) in parts and joined.startswith("…") and joined.endswith("…") and len(joined) <= 42


def _outcome(query: str, kb: kbmod.Knowledge, path: Path) -> list[str] | str:
    try:
        return [h.ref for h in search.search(query, kb=kb, path=path)]
    except search.SearchError as exc:
        return f"SearchError: {exc}"


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ('"', ""),
        ("征信 OR", "征信 OR"),
        ("NEAR(征信)", "NEAR 征信"),
        ("担保*", "担保"),
        ("a:b", "a b"),
        ("'; drop table cases; --", "drop table cases"),
        ("(((", ""),
        ("^征信", "征信"),
    ],
)
def test_query_syntax_is_never_interpreted(kb: kbmod.Knowledge, index_db: Path, query: str, words: str) -> None:
    """FTS5 operators (prefix *, column filter :, NEAR, ^, quotes) are searched as the words they contain."""
    assert _outcome(query, kb, index_db) == _outcome(words, kb, index_db)
    assert search.search("担保", kb=kb, path=index_db)  # the index is still there


@pytest.mark.parametrize("query", ["", "   ", "，。！", "?"])
def test_empty_query_is_an_error(kb: kbmod.Knowledge, app_db: Path, query: str) -> None:
    with pytest.raises(search.SearchError):
        search.search(query, kb=kb)


def test_index_built_once_and_rebuilt_when_knowledge_changes(kb_db: Path, app_db: Path, tmp_path: Path) -> None:
    kb = kbmod.read_db(kb_db)
    assert search.ensure_index(kb) is True
    assert search.ensure_index(kb) is False
    changed = kbmod.read_db(kb_db)
    changed.signals["card_overdraft"]["synonyms"].append("卡奴")
    assert search.ensure_index(changed) is True
    assert search.search("卡奴", kb=changed)[0].ref == "card_overdraft"
    assert search.ensure_index(kb) is True  # back to the original content


def test_every_document_is_indexed(kb: kbmod.Knowledge) -> None:
    docs = search.documents(kb)
    assert {d.ref for d in docs if d.kind == "signal"} == set(kb.signals)
    assert {d.ref for d in docs if d.kind == "guidance"} == set(kb.signals)
    assert {d.ref for d in docs if d.kind == "fact"} == set(kb.facts)
