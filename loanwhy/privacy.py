"""Masking of personal numbers (PIPL): ID cards, bank cards, phone numbers.

Applied to every user message before it reaches NLU, the tracker store, logs
or case records. Full-width digits are folded first so they cannot slip past.
"""

from __future__ import annotations

import re
import unicodedata

MASK = "[已隐藏]"

# digits possibly separated by spaces or dashes, as people type them
_SEP = r"[\s\-]?"
_ID_CARD = re.compile(r"(?<![0-9])[1-9]\d{5}" + _SEP + r"(?:19|20)\d{2}" + _SEP + r"\d{4}" + _SEP + r"\d{3}[0-9Xx](?![0-9])")
_PHONE = re.compile(r"(?<![0-9])(?:\+?86[\s\-]?)?1[3-9]\d" + _SEP + r"\d{4}" + _SEP + r"\d{4}(?![0-9])")
_CARD = re.compile(r"(?<![0-9])\d{4}(?:" + _SEP + r"\d{4}){2,3}" + _SEP + r"\d{0,4}(?![0-9])")
_LONG_DIGITS = re.compile(r"(?<![0-9])\d{11,}(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])0\d{2,3}-\d{7,8}(?![0-9])")


def mask(text: str) -> str:
    """Replace every personal number with a fixed marker."""
    if not text:
        return text
    folded = unicodedata.normalize("NFKC", text)
    out = folded
    for pattern in (_ID_CARD, _CARD, _PHONE, _LANDLINE, _LONG_DIGITS):
        out = pattern.sub(MASK, out)
    return out if out != folded else text


def has_personal_number(text: str) -> bool:
    return mask(text) != text
