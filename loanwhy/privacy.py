"""Masking of personal numbers (PIPL): ID cards, bank cards, phone numbers.

A user message is masked once, by the channel's guard (channels/guard.py `inbound`), before
it reaches NLU, the tracker store or logs; nothing after it masks that message again. Texts
joined from several messages are masked where they are stored (the case log, handoff
summaries): a number typed across two messages shows only when they are joined. Other
inputs are masked where they come in (feedback, the staff audit log), and the staff
tool masks what it shows. Full-width digits are folded first so they cannot slip past.
"""

from __future__ import annotations

import re
import unicodedata

from loanwhy.normalize import to_simplified

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
# digits (or Chinese numerals read digit by digit: 一三八…) across any separator or format character;
# 11 or more of them are a phone, ID or card number, never an amount or a date
_DIGIT = "0-9〇零一二三四五六七八九幺壹贰貳叁參肆伍陆陸柒捌玖"  # also the financial (大写) forms
# a separator: anything that is neither a letter nor a digit (spaces, dashes, dots, brackets, bars,
# CJK punctuation, soft hyphen and other format characters), plus "_" and the long-vowel marks
# (ー, ｰ: letters to Unicode, dashes to the eye); up to 8 of them between two digits
_GAP = r"(?:[^\w]|[_ーｰ]){0,8}"
_RUN = re.compile(f"(?<![{_DIGIT}])\\+?[{_DIGIT}](?:{_GAP}[{_DIGIT}])" + "{10,}" + f"(?:{_GAP}[Xx])?(?![{_DIGIT}])")
# a word that starts or ends with a numeral after a separator ("…5678-9 一直"): not part of the number
_NUMERALS = _DIGIT[3:]
_SEPARATORS = r"(?:[^\w]|[_ーｰ])+"
_NUMERAL_FIRST = re.compile(f"^[{_NUMERALS}]{_SEPARATORS}(?=[0-9])")
_NUMERAL_LAST = re.compile(f"(?<=[0-9]){_SEPARATORS}[{_NUMERALS}]$")
_MIN_RUN = 11


def _digits(text: str) -> int:
    return sum(ch.isdigit() or ch in _NUMERALS for ch in text)


# an amount range ("100000-200000元"): groups of at most 9 digits joined by a dash or tilde, a unit right after
_RANGE_SEP = re.compile(r"\s*[-~～—–－]\s*")
_UNIT_AFTER = re.compile(r"\s*(?:元|块|万|千|百|[wWkK](?![a-zA-Z])|rmb|RMB)")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


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


def _amount_range(run: str, after: str) -> bool:
    """ "100000-200000元" is two amounts, not an ID, card or phone number: kept. Anything that could be
    one (a mobile number, a valid ID check digit, a card number passing Luhn) is still masked."""
    parts = _RANGE_SEP.split(run.strip())
    if len(parts) < 2 or not all(p.isdigit() and p.isascii() and len(p) <= 9 for p in parts):
        return False
    if not _UNIT_AFTER.match(after):
        return False
    digits = "".join(parts)
    phone = len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789"
    card = 12 <= len(digits) <= 19 and _luhn(digits)
    return not (phone or card or _id_number(digits))


def _mask_run(match: re.Match[str]) -> str:
    """MASK for a run of digits, keeping a lone Chinese numeral at either end that only a separator
    joins to Arabic digits (the 一 of "一直"), as long as the rest is still a number."""
    if _amount_range(match.group(), match.string[match.end() :]):
        return match.group()
    run, before, after = match.group(), "", ""
    first = _NUMERAL_FIRST.match(run)
    if first and _digits(run[first.end() :]) >= _MIN_RUN:
        before, run = first.group(), run[first.end() :]
    last = _NUMERAL_LAST.search(run)
    if last and _digits(run[: last.start()]) >= _MIN_RUN:
        after = last.group()
    return before + MASK + after


# a secret or part of a number named by its kind: "密码是123456", "身[份分]证后六位 12345X", "验证码：8848"
_KINDS = r"(?:身[份分]证|银行卡|信用卡|卡号|手机号?|电话|账号|账户|社保卡?)"
_NAMED = re.compile(
    r"(?P<key>(?:密码|验证码|口令|pin码?|cvv2?|安全码|校验码|背面(?:的)?(?:那)?(?:三位|3位)(?:数字|数|码)?)(?:是|为|:|=|\s)*"
    r"|" + _KINDS + r"(?:号码|号)?(?:的)?(?:后|末|尾|前)(?:[四六46几]|四个|六个)位(?:数字|数)?(?:是|为|:|=|\s)*)"
    r"(?P<value>[0-9A-Za-z!@#$%^&*._\-]{3,32})",
    re.IGNORECASE,
)

# a code or password a few words after its name ("验证码刚收到，是482913", "密码都是 8 5 0 3 1 6")
_NAMED_LATER = re.compile(
    r"(?P<key>(?:验证码|密码|口令|安全码|校验码)[^0-9A-Za-z]{1,10}?)(?P<value>\d(?:\s?\d){3,7})(?![\d])"
)
# a card's expiry as printed on it ("有效期08/27"); a loan's term ("有效期三年") stays
_EXPIRY = re.compile(r"(?P<key>有效期(?:至|到|是|为|:|\s)*)(?P<value>\d{1,2}\s*/\s*\d{2,4})")


def mask(text: str) -> str:
    """Replace every personal number, password and code with a fixed marker."""
    if not text:
        return text
    folded = unicodedata.normalize("NFKC", text)
    out = folded
    # the widest pattern first: a shorter one taking part of a run (the 13 digits of a card split 6+13)
    # would leave the rest in clear
    out = _RUN.sub(_mask_run, out)
    for pattern in (_ID_CARD, _CARD, _PHONE, _LANDLINE, _LONG_DIGITS):
        out = pattern.sub(MASK, out)
    # names are found in a Simplified view ("驗證碼是826403" like "验证码是826403"), converted once; the
    # text keeps its own characters around each marker
    view = to_simplified(out)
    if len(view) != len(out):
        view = out
    for named in (_NAMED, _NAMED_LATER, _EXPIRY):
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


_OFFER = re.compile(
    r"(?:身[份分]证|银行卡|卡号|手机号|电话号|密码|验证码|账号|账户)(?:号码?)?.{0,8}"
    r"(?:给你|发给?你|发你|告诉你|提供|发过来|发一下|报给你|报一下|说一下|要不要|需要吗|要吗|用不用|可以给|能给|给你们|拍给你|拍照|照片|发图|传给你)"
    r"|(?:给你|发你|发给你|告诉你|提供|报一下|报给你|要不要我|需要我|要我)(?:我的)?(?:身[份分]证|银行卡|卡号|手机号|电话号|密码|验证码)"
)


def offers_personal_info(text: str) -> bool:
    """The message offers an ID, card or phone number or a password ("要我把卡号和密码发给你吗")."""
    return bool(_OFFER.search(to_simplified(unicodedata.normalize("NFKC", text))))
