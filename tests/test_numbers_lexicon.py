"""How numbers are written is the lexicon's (`numbers`, and the ratio words of `units`): the
parser and the spaCy pipeline read it from the knowledge base, and the build checks it."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from loanwhy import kb as kbmod
from loanwhy import nlp
from loanwhy import quantities as q
from loanwhy.kb import Knowledge

pytestmark = pytest.mark.usefixtures("kb_db")


def test_every_vague_word_is_found_and_read_as_the_lexicon_says(kb: Knowledge) -> None:
    vague = kb.lexicon["numbers"]["vague"]
    number = re.compile(q.number_pattern())
    assert [w for w in vague if not number.fullmatch(w)] == []
    assert {w: q.cn_int(w) for w in vague} == {w: float(v) for w, v in vague.items()}
    chars = set(nlp.number_characters(kb.lexicon["numbers"]))
    assert {ch for w in vague for ch in w} <= chars and set("0123456789") <= chars


def test_numbers_are_the_lexicons(kb: Knowledge, monkeypatch: pytest.MonkeyPatch) -> None:
    numbers = kb.lexicon["numbers"]
    other = {
        **numbers,
        "vague": {**numbers["vague"], "十几": 12.0},
        "more": {**numbers["more"], "多": 0.0},
        "range_scales": {**numbers["range_scales"], "十": 1.0},
    }
    monkeypatch.setattr(q, "load", lambda: replace(kb, lexicon={**kb.lexicon, "numbers": other}))
    assert [x.value for x in q.counts("十几次")] == [12.0]
    assert q.cn_int("五十多") == 50.0
    assert q.cn_int("七八十") == 7.5


def test_ratio_words_are_the_lexicons(kb: Knowledge) -> None:
    import spacy

    units = {**kb.lexicon["units"], "percent_of": ["千分之"], "tenths": ["折"]}
    pipeline = spacy.blank("zh")
    pipeline.add_pipe("entity_ruler").add_patterns(nlp.patterns(units))  # type: ignore[attr-defined]
    found = [(e.label_, e.text) for e in pipeline("千分之五，打八折，三成").ents]
    assert found == [("RATIO", "千分之五"), ("RATIO", "八折")]


@pytest.fixture()
def sources(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(kbmod.SOURCE_DIR, target)
    return target


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("\nnumbers:\n", "\nnumber_words:\n", r"\[numbers\]: missing"),
        ("characters: [零,", "characters: [零零,", r"\[numbers\] characters: expected single characters"),
        ("more: {来: 0,", "more: {来: -1,", r"\[numbers\] more 来: expected a number of at least 0"),
        ("vague: {俩: 2,", "vague: {俩: 0,", r"\[numbers\] vague 俩: expected a positive number"),
        ('vague_forms: "[十几]?几十?|好几"', 'vague_forms: "[十几?几"', r"\[numbers\] vague_forms: bad pattern"),
        ("range_scales: {十: 10,", "range_scales: {万: 10000, 十: 10,", r"must be numeral characters, not \['万'\]"),
        ("tenths: [成]", "tenths: []", r"\[units\] tenths: expected a non-empty list of words"),
    ],
)
def test_bad_number_entries_name_the_key(sources: Path, tmp_path: Path, old: str, new: str, message: str) -> None:
    text = (sources / "lexicon.yml").read_text(encoding="utf-8")
    assert old in text
    (sources / "lexicon.yml").write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(kbmod.KnowledgeError, match=message):
        kbmod.build(tmp_path / "kb.sqlite", sources)
