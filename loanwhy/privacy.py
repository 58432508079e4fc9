"""Masking of personal numbers (PIPL): ID cards, bank cards, phone numbers.

A user message is masked once, by the channel's guard (channels/guard.py `inbound`), before
it reaches NLU, the tracker store or logs; nothing after it masks that message again. Texts
joined from several messages are masked where they are stored (the case log, handoff
summaries): a number typed across two messages shows only when they are joined. Other
inputs are masked where they come in (feedback, the staff audit log), and the staff
tool masks what it shows. Full-width digits are folded first so they cannot slip past.

The shapes of the numbers are here; the words (the kinds of numbers, the names of secrets, the
digits written as characters) are the lexicon's `privacy`, read from the knowledge base on the
first message and kept: importing this module loads nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import TYPE_CHECKING

from loanwhy.normalize import to_simplified

if TYPE_CHECKING:
    from loanwhy.kb import Knowledge

MASK = "[已隐藏]"

# digits possibly separated by spaces or dashes, as people type them
_SEP = r"[\s\-]?"
_ID_CARD = re.compile(
    r"(?<![0-9])[1-9]\d{5}" + _SEP + r"(?:19|20)\d{2}" + _SEP + r"\d{4}" + _SEP + r"\d{3}[0-9Xx](?![0-9])"
)
_PHONE = re.compile(r"(?<![0-9])(?:\+?86[\s\-]?)?1[3-9]\d" + _SEP + r"\d{4}" + _SEP + r"\d{4}(?![0-9])")
_CARD = re.compile(r"(?<![0-9])\d{4}(?:" + _SEP + r"\d{4}){2,3}" + _SEP + r"\d{0,4}(?![0-9])")
_LONG_DIGITS = re.compile(r"(?<![0-9])\d{11,}(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])0\d{2,3}-\d{7,8}(?![0-9])")
# an ID number from Taiwan (a letter, 1 or 2, eight digits): users writing Traditional Chinese type it too
_TW_ID = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][12]\d{8}(?![0-9])")
# a Hong Kong identity card with its check digit in brackets ("A123456(7)") or the check letter A (without
# brackets, a digit check digit makes the passport shape below), and a Macau one ("1234567(8)", "1/234567/8")
_HK_ID = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{1,2}\d{6}\s?(?:[(（][0-9Aa][)）]|[Aa](?![0-9A-Za-z]))")
_MO_ID = re.compile(r"(?<![0-9])[157](?:\d{6}\s?[(（]\d[)）]|/\d{6}/\d)(?![0-9])")
# a passport or travel permit (护照 E12345678, EA1234567; 港澳通行证 C12345678; 回乡证 H12345678)
_PASSPORT = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{1,2}\d{7,8}(?![0-9])")
# a separator: anything that is neither a letter nor a digit (spaces, dashes, dots, brackets, bars,
# CJK punctuation, soft hyphen and other format characters), plus "_" and the long-vowel marks
# (ー, ｰ: letters to Unicode, dashes to the eye); up to 8 of them between two digits
_GAP = r"(?:[^\w]|[_ーｰ]){0,8}"
_SEPARATORS = r"(?:[^\w]|[_ーｰ])+"
_MIN_RUN = 11
# an amount range ("100000-200000元"): groups of at most 9 digits joined by a dash or tilde, a unit right after
_RANGE_SEP = re.compile(r"\s*[-~～—–－]\s*")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# a code typed in groups ("660 213") or a password
# (or written in numerals, "背面三位数是三七一": {n} is the lexicon's numeral characters)
_SECRET = r"(?P<value>[{n}]{{3,8}}(?![{n}])|\d{{2,4}}(?: \d{{2,4}}){{1,3}}(?!\d)|[0-9A-Za-z!@#$%^&*._\-]{{3,32}})"
# a number the writer masked in part ("6226 80** **** 9006", "1517003****"): the digits left still name it
_PARTLY_MASKED = re.compile(r"(?<![0-9*])[0-9*](?:[\s\-]?[0-9*]){10,}(?![0-9*])")
_MIN_SHOWN = 4  # digits left in clear for a partly masked number to count
# a number typed in pieces after its kind ("手机是152，后面是1394 6481"): groups of 3 or more digits at
# most _PIECE_GAP characters apart that together have 11 or more digits
_PIECE = re.compile(r"\d{3,}(?:[ \-]\d{2,})*")
_PIECE_GAP = 12
# a company's service line ("400-880-6655"): ten digits of its own, never a piece of a personal number
_HOTLINE = re.compile(r"[48]00[ \-]?\d{3}[ \-]?\d{4}")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class _Patterns:
    """The patterns built from the lexicon's `privacy` words."""

    numerals: str  # the characters read as digits (一, 幺, 壹, ...), besides 0-9
    run: re.Pattern[str]  # 11 or more digits across any separators: a phone, ID or card number
    numeral_first: re.Pattern[str]  # a word that starts with a numeral after a separator ("一直")
    numeral_last: re.Pattern[str]
    kinds: re.Pattern[str]  # the kinds of personal numbers ("身份证", "手机")
    unit_after: re.Pattern[str]
    named: tuple[re.Pattern[str], ...]  # a secret or part of a number after its name
    offer: re.Pattern[str]


@lru_cache(maxsize=4)
def _patterns_for(knowledge: Knowledge) -> _Patterns:
    words = knowledge.lexicon["privacy"]
    numerals = "".join(re.escape(c) for c in words["digits"])
    # digits (or Chinese numerals read digit by digit: 一三八…) across any separator or format character;
    # 11 or more of them are a phone, ID or card number, never an amount or a date
    digit = f"0-9{numerals}"
    # between a name and its value: the lexicon's words, spaces, ":" and "=" ("密码: 123456", "pin=1234")
    value_after = f"(?:{words['value_after']}|:|=|\\s)*"
    return _Patterns(
        numerals,
        re.compile(f"(?<![{digit}])\\+?[{digit}](?:{_GAP}[{digit}])" + "{10,}" + f"(?:{_GAP}[Xx])?(?![{digit}])"),
        re.compile(f"^[{numerals}]{_SEPARATORS}(?=[0-9])"),
        re.compile(f"(?<=[0-9]){_SEPARATORS}[{numerals}]$"),
        re.compile(words["number_kinds"]),
        re.compile(f"\\s*(?:{words['amount_units']})"),
        (
            # "密码是123456", "身份证后六位 12345X", "验证码：8848"
            re.compile(
                f"(?P<key>(?:{words['secret_names']}){value_after}"
                f"|(?:{words['number_kinds']}){words['number_part']}{value_after})" + _SECRET.format(n=numerals),
                re.IGNORECASE,
            ),
            # a code or password a few words after its name ("验证码刚收到，是482913", "密码都是 8 5 0 3 1 6",
            # "短信码是零零九七五一", "查询码，我的是 8xq2m7")
            re.compile(
                f"(?P<key>(?:{words['secret_names_later']})[^0-9A-Za-z]{{1,10}}?)"
                f"(?P<value>[{digit}](?:\\s?[{digit}]){{3,7}}(?![{digit}])|(?=[A-Za-z]*[0-9])[0-9A-Za-z]{{5,16}}(?![0-9A-Za-z]))"
            ),
            # a card's expiry as printed on it
            re.compile(
                f"(?P<key>(?:{words['expiry']})(?:{words['expiry_after']}|:|\\s)*)"
                r"(?P<value>\d{1,2}\s*/\s*\d{2,4})"
            ),
        ),
        re.compile(
            f"(?:{words['offered_kinds']}).{{0,12}}(?:{words['offer_after']})"
            f"|(?:{words['offer_before']})(?:{words['offered_after']})|{words['told_secret']}"
        ),
    )


def _patterns() -> _Patterns:
    from loanwhy.kb import load  # on the first message, not at import

    return _patterns_for(load())


def _digits(text: str, numerals: str) -> int:
    return sum(ch.isdigit() or ch in numerals for ch in text)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _id_number(digits: str) -> bool:
    """An 18-digit resident ID whose check digit is right (GB 11643), or a 15-digit old one."""
    if len(digits) == 15:
        return True
    if len(digits) != 18 or not digits[:17].isdigit():
        return False
    return (
        "10X98765432"[sum(int(c) * w for c, w in zip(digits[:17], _ID_WEIGHTS, strict=True)) % 11] == digits[17].upper()
    )


def _amount_range(run: str, after: str, unit_after: re.Pattern[str]) -> bool:
    """ "100000-200000元" is two amounts, not an ID, card or phone number: kept. Anything that could be
    one (a mobile number, a valid ID check digit, a card number passing Luhn) is still masked."""
    parts = _RANGE_SEP.split(run.strip())
    if len(parts) < 2 or not all(p.isdigit() and p.isascii() and len(p) <= 9 for p in parts):
        return False
    if not unit_after.match(after):
        return False
    digits = "".join(parts)
    phone = len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789"
    card = 12 <= len(digits) <= 19 and _luhn(digits)
    return not (phone or card or _id_number(digits))


def _mask_run(p: _Patterns, match: re.Match[str]) -> str:
    """MASK for a run of digits, keeping a lone Chinese numeral at either end that only a separator
    joins to Arabic digits (the 一 of "一直"), as long as the rest is still a number."""
    if _amount_range(match.group(), match.string[match.end() :], p.unit_after) or _glued_numeral(p, match):
        return match.group()
    run, before, after = match.group(), "", ""
    first = p.numeral_first.match(run)
    if first and _digits(run[first.end() :], p.numerals) >= _MIN_RUN:
        before, run = first.group(), run[first.end() :]
    last = p.numeral_last.search(run)
    if last and _digits(run[: last.start()], p.numerals) >= _MIN_RUN:
        after = last.group()
    return before + MASK + after


def _glued_numeral(p: _Patterns, match: re.Match[str]) -> bool:
    """ "400-880-6655一直占线": a numeral glued to the word after it (or before it) made the run long
    enough; without it the digits are too few for a personal number."""
    run, text = match.group(), match.string
    after = text[match.end() : match.end() + 1]
    before = text[match.start() - 1 : match.start()] if match.start() else ""
    if any(ch in p.numerals for ch in run[1:-1]):
        return False  # "幺94六三77二294": numerals inside, a number typed in both forms
    if len(run) > 1 and run[-1] in p.numerals and run[-2].isdigit() and _CJK.match(after):
        return _digits(run[:-1], p.numerals) < _MIN_RUN
    if len(run) > 1 and run[0] in p.numerals and run[1].isdigit() and _CJK.match(before):
        return _digits(run[1:], p.numerals) < _MIN_RUN
    return False


def _partly_masked(match: re.Match[str]) -> str:
    run = match.group()
    return MASK if run.count("*") >= 2 and sum(ch.isdigit() for ch in run) >= _MIN_SHOWN else run


def _amount(piece: re.Match[str], p: _Patterns) -> bool:
    """A piece that reads as an amount: a unit after it, or a round sum ("100000")."""
    digits = piece.group()
    return bool(p.unit_after.match(piece.string, piece.end())) or (digits.isdigit() and digits.endswith("000"))


def _mask_pieces(p: _Patterns, text: str) -> str:
    """Mask the pieces of a number typed in parts after its kind is named."""
    view = to_simplified(text)
    kind = p.kinds.search(view if len(view) == len(text) else text)
    if kind is None:
        return text
    pieces = [m for m in _PIECE.finditer(text, kind.start()) if not _amount(m, p) and not _HOTLINE.fullmatch(m.group())]
    runs: list[list[re.Match[str]]] = []
    for m in pieces:
        if runs and m.start() - runs[-1][-1].end() <= _PIECE_GAP:
            runs[-1].append(m)
        else:
            runs.append([m])
    spans = [
        (m.start(), m.end())
        for run in runs
        if len(run) > 1 and sum(ch.isdigit() for m in run for ch in m.group()) >= _MIN_RUN
        for m in run
    ]
    for start, end in reversed(spans):
        text = text[:start] + MASK + text[end:]
    return text


def mask(text: str) -> str:
    """Replace every personal number, password and code with a fixed marker."""
    if not text:
        return text
    p = _patterns()
    folded = unicodedata.normalize("NFKC", text)
    out = folded
    # the widest pattern first: a shorter one taking part of a run (the 13 digits of a card split 6+13)
    # would leave the rest in clear
    out = p.run.sub(partial(_mask_run, p), out)
    for pattern in (_ID_CARD, _CARD, _PHONE, _LANDLINE, _TW_ID, _HK_ID, _MO_ID, _PASSPORT, _LONG_DIGITS):
        out = pattern.sub(MASK, out)
    out = _PARTLY_MASKED.sub(_partly_masked, out)
    out = _mask_pieces(p, out)
    # names are found in a Simplified view ("驗證碼是826403" like "验证码是826403"), converted once; the
    # text keeps its own characters around each marker
    view = to_simplified(out)
    if len(view) != len(out):
        view = out
    for named in p.named:
        out, view = _mask_values(named, out, view)
    return out if out != folded else text


def _mask_values(pattern: re.Pattern[str], text: str, view: str) -> tuple[str, str]:
    """Mask each value `pattern` finds in `view` (the same length as `text`), in both."""
    pieces, seen, last = [], [], 0
    for m in pattern.finditer(view):
        pieces += [text[last : m.start("value")], MASK]
        seen += [view[last : m.start("value")], MASK]
        last = m.end("value")
    return "".join(pieces) + text[last:], "".join(seen) + view[last:]


def offers_personal_info(text: str) -> bool:
    """The message offers an ID, card or phone number or a password ("要我把卡号和密码发给你吗")."""
    return bool(_patterns().offer.search(to_simplified(unicodedata.normalize("NFKC", text))))
