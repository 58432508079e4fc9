"""The knowledge build: good sources build; each kind of bad source fails with its message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlite_utils

from loanwhy import kb

SOURCES = kb.SOURCE_DIR


@pytest.fixture()
def sources(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(SOURCES, target)
    return target


def test_builds_every_signal_and_fact(tmp_path: Path) -> None:
    path = kb.build(tmp_path / "kb.sqlite")
    db = sqlite_utils.Database(path)
    ids = {r["id"] for r in db["signals"].rows}
    catalog = kb.read_sources()["catalog"]["signals"]
    assert ids == set(catalog) and len(ids) == 16
    assert db["facts"].count >= 15
    loaded = kb.read_db(path)
    assert loaded.signals["frequent_inquiries"]["steps"][0]["horizon"]
    assert loaded.signals["amount_over_limit"]["limit"] == 100000


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_missing_field_names_file_and_entry(sources: Path, tmp_path: Path) -> None:
    _edit(sources / "signals" / "card_overdraft.yml", "why: >-", "reason: >-")
    with pytest.raises(kb.KnowledgeError, match=r"card_overdraft.yml \[card_overdraft\]: missing field 'why'"):
        kb.build(tmp_path / "kb.sqlite", sources)


def test_unknown_id(sources: Path, tmp_path: Path) -> None:
    shutil.copy(sources / "signals" / "card_overdraft.yml", sources / "signals" / "made_up.yml")
    _edit(sources / "signals" / "made_up.yml", "id: card_overdraft", "id: made_up")
    with pytest.raises(kb.KnowledgeError, match=r"made_up.yml \[made_up\]: unknown signal id"):
        kb.build(tmp_path / "kb.sqlite", sources)


def test_duplicate_id(sources: Path, tmp_path: Path) -> None:
    shutil.copy(sources / "signals" / "card_overdraft.yml", sources / "signals" / "zz_copy.yml")
    with pytest.raises(kb.KnowledgeError, match=r"zz_copy.yml \[card_overdraft\]"):
        kb.build(tmp_path / "kb.sqlite", sources)


def test_duplicate_fact(sources: Path, tmp_path: Path) -> None:
    text = (sources / "facts" / "privacy.yml").read_text(encoding="utf-8")
    (sources / "facts" / "zz_dup.yml").write_text(text, encoding="utf-8")
    with pytest.raises(kb.KnowledgeError, match=r"zz_dup.yml \[privacy_sms\]: duplicate fact id"):
        kb.build(tmp_path / "kb.sqlite", sources)


def test_broken_yaml(sources: Path, tmp_path: Path) -> None:
    (sources / "signals" / "overdue_record.yml").write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(kb.KnowledgeError, match=r"overdue_record.yml: not valid YAML"):
        kb.build(tmp_path / "kb.sqlite", sources)


def test_bad_pattern(sources: Path, tmp_path: Path) -> None:
    _edit(sources / "signals" / "stock_speculation.yml", "    - 炒股\n", "    - 炒股(\n")
    with pytest.raises(
        kb.KnowledgeError, match=r"stock_speculation.yml \[stock_speculation\] recognise.cues: bad pattern"
    ):
        kb.build(tmp_path / "kb.sqlite", sources)


def test_missing_signal_file(sources: Path, tmp_path: Path) -> None:
    (sources / "signals" / "lender_tightening.yml").unlink()
    with pytest.raises(kb.KnowledgeError, match="no file for lender_tightening"):
        kb.build(tmp_path / "kb.sqlite", sources)


def test_step_without_horizon(sources: Path, tmp_path: Path) -> None:
    _edit(sources / "signals" / "renewal_review.yml", "    horizon: 到期前1-2个月\n", "")
    with pytest.raises(kb.KnowledgeError, match=r"renewal_review.yml \[renewal_review\]: step 1 needs"):
        kb.build(tmp_path / "kb.sqlite", sources)


def test_failed_build_keeps_previous_database(sources: Path, tmp_path: Path) -> None:
    target = tmp_path / "kb.sqlite"
    kb.build(target, sources)
    (sources / "lexicon.yml").write_text("typos: {}\n", encoding="utf-8")
    with pytest.raises(kb.KnowledgeError, match=r"lexicon.yml \[negators\]: missing"):
        kb.build(target, sources)
    assert sqlite_utils.Database(target)["signals"].count == 16


def test_unit_worths_are_numbers_and_fractions(tmp_path: Path) -> None:
    units = kb.read_db(kb.build(tmp_path / "kb.sqlite")).lexicon["units"]
    assert units["time"]["天"] == 1 / 30 and units["money"]["万"] == 10000.0 and "次" in units["count"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("天: 1/30", "天: 0", r"\[units\] time 天: expected a positive number"),
        ("天: 1/30", "天: 1/0", r"\[units\] time 天: expected a positive number"),
        ("天: 1/30", "天: 一天", r"\[units\] time 天: expected a positive number"),
        ("w: 10000", "W: 10000", r"\[units\] money: write units in lower case"),
        ("count: [次,", "count: [次, '',", r"\[units\] count: expected a non-empty list of words"),
        ("\nunits:\n", "\nunit_words:\n", r"\[units\]: missing"),
        ("refusal_negators: [", "refusal_denials: [", r"\[refusal_negators\]: expected a non-empty list"),
        (
            "base: {money: 元, time: 月}",
            "base: {money: 块钱, time: 月}",
            r"\[units\] base: money '块钱' must be one of",
        ),
        ("base: {money: 元, time: 月}", "base: {money: 元, time: 年}", r"\[units\] base: time '年' must be one of"),
        ("    also_counts: [条]\n", "", r"\[measure_words\] count_in_period.also_counts: expected a non-empty"),
        ("    lately_months: 3\n", "    lately_months: 0\n", r"lately_months: expected a positive number"),
        ("\nmeasure_words:\n", "\nmeasures:\n", r"\[measure_words\]: missing"),
        ("  digits: [〇, 零,", "  digits: [〇〇, 零,", r"\[privacy\] digits: expected single characters"),
        ('  expiry: "有效期"', '  expiry: ""', r"\[privacy\] expiry: expected a pattern"),
        ('  number_kinds: "身[份分]证|', '  number_kinds: "身[份分证|', r"\[privacy\] number_kinds: bad pattern"),
        ("\nprivacy:\n", "\nprivacy_words:\n", r"\[privacy\]: missing"),
        ("refusal_not_negations: [有没有", "refusal_not_negations: [''", r"\[refusal_not_negations\]: expected"),
        ("search_filler: [客户,", "search_filler: ['',", r"\[search_filler\]: expected a non-empty list"),
        (
            'numbered_button: "{n}. {title}"',
            'numbered_button: "- {title}"',
            r"\[formats.numbered_button\]: needs \{n\}",
        ),
    ],
)
def test_bad_lexicon_entries_name_the_key(sources: Path, tmp_path: Path, old: str, new: str, message: str) -> None:
    _edit(sources / "lexicon.yml", old, new)
    with pytest.raises(kb.KnowledgeError, match=message):
        kb.build(tmp_path / "kb.sqlite", sources)


def test_doubts_without_goes_ahead(sources: Path, tmp_path: Path) -> None:
    """A `doubts` rule excuses only while the writer does not go ahead, so the list saying when is required."""
    _edit(sources / "refusals.yml", "  goes_ahead: *goes_ahead\n", "")
    with pytest.raises(kb.KnowledgeError, match=r"refusals.yml \[\w+\]: 'doubts' needs a 'goes_ahead' list"):
        kb.build(tmp_path / "kb.sqlite", sources)


def test_load_follows_the_database_the_environment_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`load()` caches per LOANWHY_KB / LOANWHY_VAR value, so pointing them elsewhere is seen at once."""
    db = tmp_path / "other.sqlite"
    kb.build(db)
    monkeypatch.setenv("LOANWHY_KB", str(db))
    first = kb.load()
    assert first is kb.load() and first is kb.load(db)
    monkeypatch.setenv("LOANWHY_KB", str(tmp_path / "missing.sqlite"))
    with pytest.raises(kb.KnowledgeError):
        kb.load()
