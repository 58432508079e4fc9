"""spaCy pipeline that finds quantities in applicant text.

A blank Chinese pipeline with character segmentation (numbers, units and
Chinese numerals are single characters, so patterns see "十几次", "4万8" and
"１２次" alike after normalisation) and an EntityRuler that labels AMOUNT,
COUNT, PERIOD and RATIO spans. The unit words are the lexicon's (`units`), and
so are the characters numbers are written with (`numbers`);
`loanwhy.quantities` turns the spans into values. The pipeline is built once
per process.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from loanwhy.kb import load

DIGITS = "0123456789."  # Arabic numbers, with decimals


def number_characters(numbers: Mapping[str, Any]) -> list[str]:
    """Every character a number may be written with: digits, numerals, and those of vague and
    "a bit more" words (好几, 十几, 二十来)."""
    words = [*numbers["characters"], *numbers["vague"], *numbers["more"]]
    return list(dict.fromkeys([*DIGITS, *(ch for word in words for ch in word)]))


def _chars(word: str) -> list[dict[str, Any]]:
    return [{"TEXT": ch} for ch in word]


def patterns(units: Mapping[str, Any] | None = None, numbers: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """EntityRuler patterns for the lexicon's `units` and `numbers` (the knowledge base's unless given)."""
    units = units or load().lexicon["units"]
    chars = number_characters(numbers or load().lexicon["numbers"])
    num: dict[str, Any] = {"TEXT": {"IN": chars}, "OP": "+"}
    time_words = list(units["time"])
    out: list[dict[str, Any]] = [
        {
            "label": "AMOUNT",
            "pattern": [num, {"LOWER": {"IN": list(units["money"])}}, {"TEXT": {"IN": chars}, "OP": "*"}],
        },
        {"label": "COUNT", "pattern": [num, {"TEXT": {"IN": list(units["count"])}}]},
        {"label": "PERIOD", "pattern": [num, {"TEXT": {"IN": [w for w in time_words if len(w) == 1]}}]},
    ]
    out += [{"label": "PERIOD", "pattern": [num, *_chars(w)]} for w in time_words if len(w) > 1]
    out += [{"label": "RATIO", "pattern": [num, *_chars(w)]} for w in units["percent"]]
    out += [{"label": "RATIO", "pattern": [*_chars(w), num]} for w in units["percent_of"]]
    out += [{"label": "RATIO", "pattern": [num, *_chars(w)]} for w in units["tenths"]]
    out += [{"label": "PERIOD", "pattern": _chars(w)} for w in units["named_periods"]]
    out += [{"label": "RATIO", "pattern": _chars(w)} for w in units["shares"]]
    return out


@lru_cache(maxsize=1)
def pipeline() -> Any:
    import spacy

    nlp = spacy.blank("zh")  # character segmentation: no model download, no dictionary
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(patterns())  # type: ignore[attr-defined]
    return nlp


@lru_cache(maxsize=8192)
def quantity_spans(text: str) -> tuple[tuple[str, str, int, int], ...]:
    """(label, text, start, end) of every quantity, in order; cached per text."""
    doc = pipeline()(text)
    return tuple((ent.label_, ent.text, ent.start_char, ent.end_char) for ent in doc.ents)
