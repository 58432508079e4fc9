"""Text clean-up applied before any understanding.

NFKC folds full-width digits and letters, OpenCC folds Traditional into
Simplified, control characters and runs of whitespace disappear, and a hard cap
keeps one huge message from costing seconds of NLU time.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MAX_CHARS = 1000

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _t2s():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _s2t():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("s2t")


def clean(text: str, max_chars: int = MAX_CHARS) -> str:
    """NFKC, control characters removed, whitespace collapsed, length capped."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    return text[:max_chars]


@lru_cache(maxsize=4096)
def to_simplified(text: str) -> str:
    """Cached: one message is folded several times (diagnosis, refusal check, privacy)."""
    return str(_t2s().convert(text))


def to_traditional(text: str) -> str:
    return str(_s2t().convert(text))


def is_traditional(text: str) -> bool:
    """True when the text has characters that change under Traditional→Simplified."""
    return any("\u4e00" <= ch <= "\u9fff" for ch in text) and to_simplified(text) != text


def normalize(text: str, max_chars: int = MAX_CHARS) -> str:
    """Everything understanding needs: clean, then Simplified."""
    return to_simplified(clean(text, max_chars))
