"""spaCy pipeline that finds quantities in applicant text.

A blank Chinese pipeline with character segmentation (numbers, units and
Chinese numerals are single characters, so patterns see "十几次", "4万8" and
"１２次" alike after normalisation) and an EntityRuler that labels AMOUNT,
COUNT, PERIOD and RATIO spans. `loanwhy.quantities` turns the spans into values.
The pipeline is built once per process.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

NUM_CHARS = list("0123456789.零〇一二两俩三四五六七八九十百千几多来好")
NUM: dict[str, Any] = {"TEXT": {"IN": NUM_CHARS}, "OP": "+"}
COUNT_UNITS = ["次", "回", "张", "笔", "家", "个", "项", "份", "人"]
MONEY_UNITS = ["万", "w", "千", "k", "块", "元"]
TIME_UNITS = ["月", "年", "周", "天"]
NAMED_PERIODS = ["半年", "半个月", "今年", "去年", "最近一年", "这个月", "本月", "上个月", "上月", "这周", "上周",
                 "这几天", "最近几天"]
SHARE_WORDS = ["一半", "大半", "小半", "过半", "多半"]


def _chars(word: str) -> list[dict[str, Any]]:
    return [{"TEXT": ch} for ch in word]


def patterns() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {"label": "AMOUNT", "pattern": [NUM, {"LOWER": {"IN": MONEY_UNITS}}, {"TEXT": {"IN": NUM_CHARS}, "OP": "*"}]},
        {"label": "COUNT", "pattern": [NUM, {"TEXT": {"IN": COUNT_UNITS}}]},
        {"label": "PERIOD", "pattern": [NUM, {"TEXT": "个"}, {"TEXT": "多", "OP": "?"}, {"TEXT": "月"}]},
        {"label": "PERIOD", "pattern": [NUM, {"TEXT": {"IN": TIME_UNITS}}]},
        {"label": "PERIOD", "pattern": [NUM, {"TEXT": "星"}, {"TEXT": "期"}]},
        {"label": "RATIO", "pattern": [NUM, {"TEXT": "%"}]},
        {"label": "RATIO", "pattern": [{"TEXT": "百"}, {"TEXT": "分"}, {"TEXT": "之"}, NUM]},
        {"label": "RATIO", "pattern": [NUM, {"TEXT": "成"}]},
    ]
    out += [{"label": "PERIOD", "pattern": _chars(w)} for w in NAMED_PERIODS]
    out += [{"label": "RATIO", "pattern": _chars(w)} for w in SHARE_WORDS]
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
