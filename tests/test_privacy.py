"""Personal numbers are masked in every form people type them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from channels import guard
from loanwhy import privacy
from loanwhy.privacy import MASK, mask

NUMBERS = [
    "110101199003071234",
    "11010119900307123X",
    "110101 1990 0307 1234",
    "１１０１０１１９９００３０７１２３４",
    "13800138000",
    "138-0013-8000",
    "+86 138 0013 8000",
    "１３８００１３８０００",
    "6222021234567890123",
    "6222 0212 3456 7890 123",
    "6222-0212-3456-7890",
    "010-12345678",
    "一三八零零一三八零零零",  # Chinese numerals, digit by digit
    "壹叁捌零零壹叁捌零零零",  # the financial (大写) forms
    "壹壹零壹零壹壹玖玖零零叁零柒壹贰叁肆",
    "A123456(7)",  # a Hong Kong identity card, check digit in brackets
    "AB987654（3）",
    "Z6834521",  # the same without brackets
    "1234567(8)",  # a Macau one
    "1/234567/8",
    "E12345678",  # a passport
    "EA1234567",
    "C87654321",  # a travel permit to Hong Kong and Macau
]


@pytest.mark.parametrize("number", NUMBERS)
def test_masked_in_a_sentence(number: str) -> None:
    out = mask(f"我的号码是{number}，帮我查查")
    assert MASK in out
    digits = "".join(ch for ch in number if ch.isdigit() or ch.isnumeric())  # numerals too (一, 壹)
    assert digits[-7:] not in "".join(ch for ch in out if ch.isdigit() or ch.isnumeric())


@pytest.mark.parametrize(
    "text, secret",
    [
        ("我的银行卡密码是123456", "123456"),
        ("验证码：8848，你帮我填一下", "8848"),
        ("身份证后六位是12345X", "12345X"),
        ("卡号末四位 6789", "6789"),
        ("支付密码 qwe123", "qwe123"),
        ("信用卡背面三位数是527", "527"),
        ("有效期08/27，帮我查额度", "08/27"),
        ("短信验证码刚到，是731540，帮我看看", "731540"),
        ("两个密码设的都是 4 0 9 2 7 7", "4 0 9 2 7 7"),
        ("动态码 417 905 到了", "905"),
        ("OTP 553 208, 帮我看下", "553"),
        ("身份证开头是330106，你先记着", "330106"),
    ],
)
def test_secrets_and_named_parts_of_numbers_are_masked(text: str, secret: str) -> None:
    assert secret not in mask(text)


@pytest.mark.parametrize(
    "text",
    [
        "借了5万",
        "查了12次",
        "2023年逾期了3个月",
        "额度50000元",
        "今年35岁",
        "信用卡还了1200",
        "密码忘了怎么办",
        "手机银行查了3次",
        "有效期到2027年",
        "这笔贷款有效期是3年",
        "验证码发了3次都没收到",
        "密码输错2次被锁了",
        "手机上申请的，借了50000，还了30000，还差20000元",
        "手机号不方便给，借款100000和20000",
        "iPhone15用了两年",
        "车牌粤B12345",
        "2023年3月(5)号",
        "借了A款5万",
    ],
)
def test_ordinary_numbers_survive(text: str) -> None:
    assert mask(text) == text


def test_guard_masks_before_rasa_sees_it() -> None:
    result = guard.inbound("身份证110101199003071234，手机13800138000")
    assert "110101199003071234" not in result.text and "13800138000" not in result.text


def test_outbound_never_echoes() -> None:
    assert "13800138000" not in (guard.outbound("您的号码13800138000", False) or "")


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.text(alphabet="我的电话是，。", max_size=6))
def test_any_mobile_number_is_masked(number: str, around: str) -> None:
    assert number not in mask(around + number + around)


@given(st.text(max_size=200))
def test_mask_never_crashes_and_is_idempotent(text: str) -> None:
    once = mask(text)
    assert mask(once) == once


# whatever people put between groups: spaces (several too), dashes, dots, brackets, bars, CJK
# punctuation, the long-vowel mark, format characters (soft hyphen, zero-width space)
_GAPS = [
    " ",
    "-",
    "–",
    "—",
    ".",
    "/",
    "_",
    "·",
    "\u00ad",
    "\u200b",
    "  ",
    " - ",
    "    ",
    "*",
    "~",
    "～",
    "〜",
    "。",
    "、",
    "|",
    " | ",
    ":",
    ";",
    "+",
    "'",
    "#",
    "(",
    ")",
    "（",
    "）",
    "ー",
    "\t",
    "\u3000",
]


@given(
    st.sampled_from(["13800138000", "110101199003071234", "11010119900307123X", "6222021234567890123"]),
    st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=8),
    st.lists(st.sampled_from(_GAPS), min_size=8, max_size=8),
)
def test_any_grouping_and_separator_is_masked(number: str, sizes: list[int], gaps: list[str]) -> None:
    """However a number is cut into groups and whatever separates them, its digits are gone."""
    groups, rest = [], number
    for size in sizes:
        if rest:
            groups.append(rest[:size])
            rest = rest[size:]
    if rest:
        groups.append(rest)
    typed = groups[0] + "".join(gap + group for gap, group in zip(gaps, groups[1:], strict=False))
    out = mask(f"我的号码是{typed}，帮我查查")
    assert not any(ch.isdigit() for ch in out), out  # not even a card's first six (a split 6+13)


@pytest.mark.parametrize(
    "typed",
    [
        "622202 1234567890123",  # a card split 6+13: the first group stayed in clear
        "6222021 234567890123",
        "138    1234    5678",  # more than three spaces
        "(138)1234-5678",
        "138*1234*5678",
        "138~1234~5678",
        "138。1234。5678",
        "138、1234、5678",
        "138 | 1234 | 5678",
        "138:1234:5678",
        "138ー1234ー5678",
        "1    3    8    1    2    3    4    5    6    7    8",
        "一三八、一二三四、五六七八",
        "110101.19900307.123X",
    ],
)
def test_no_digit_of_a_number_survives_any_separator(typed: str) -> None:
    out = mask(f"电话{typed}谢谢")
    assert not any(ch.isdigit() or ch in "一二三四五六七八" for ch in out), out


@pytest.mark.parametrize("text", ["想贷100000-200000元", "额度 50000~80000 元", "预算 300000—500000 块"])
def test_an_amount_range_stays(text: str) -> None:
    assert mask(text) == text


@pytest.mark.parametrize("text", ["138-1234-5678元", "6222-0212-3456-7892元", "11010519880315231-5元", "100000-200000"])
def test_a_number_that_could_be_personal_is_masked_even_before_a_unit(text: str) -> None:
    assert MASK in mask(text)


def test_traditional_names_of_secrets_are_read_like_simplified_ones() -> None:
    masked = privacy.mask("剛剛收到的驗證碼是 ８２６４０３，我貼給你了")
    assert "826403" not in masked and "驗證碼" in masked
    assert privacy.offers_personal_info("網銀密碼跟取款密碼是同一組，要不要告訴你")
    assert privacy.offers_personal_info("我的身分證號要不要給你")


@pytest.mark.parametrize(
    "text, pieces",
    [
        ("信用卡 6217 93** **** 4412 只还了最低", ["6217", "4412"]),
        ("我手机1867720****，审核打不通", ["1867720"]),
        ("手机是139，后面是2281 7730，是不是被标记了", ["139", "2281", "7730"]),
        ("身份证前面是320581，生日那段19900412，尾号3317", ["320581", "19900412", "3317"]),
    ],
)
def test_a_number_masked_in_part_or_typed_in_pieces_is_masked(text: str, pieces: list[str]) -> None:
    masked = mask(text)
    assert MASK in masked and not any(piece in masked for piece in pieces)


@pytest.mark.parametrize(
    "text, kept_out",
    [
        ("打这个吧：幺三洞 两拐幺八 九九洞六", "九九洞六"),  # radio digits and 两, spaced
        ("手机尾号7742，前七位是136 0588", "0588"),  # the number told in two parts
        ("信用卡背面那三位是八四二", "八四二"),
        ("短信验证码 肆柒玖贰，快帮我填", "肆柒玖贰"),
        ("征信网站的查询码我的是 k7p2w9 ，你登一下", "k7p2w9"),
        ("卡上印的有效期是11/28", "11/28"),
        ("我的身分證字號 F223456789，幫我看看", "223456789"),
    ],
)
def test_a_number_or_code_in_unusual_forms_is_masked(text: str, kept_out: str) -> None:
    masked = mask(text)
    assert MASK in masked and kept_out not in masked


@pytest.mark.parametrize(
    "text",
    [
        "网银密码是我生日倒过来，你要就给你",
        "支付密码就是身份证后六位",
        "卡背后的安全码要不要也报给你",
        "我老婆征信中心的账号密码我都有，你帮她登进去看看",
        "把征信报告的截图发你看看吧",
    ],
)
def test_a_secret_told_in_words_or_offered_is_seen(text: str) -> None:
    assert privacy.offers_personal_info(mask(text)) or mask(text) != text


@pytest.mark.parametrize(
    "text",
    [
        "客服热线400-660-1234一直打不通，是官方的吗",
        "手机号换了要不要告诉贷款公司",
        "卡号变了，要不要去平台重新绑卡",
        "查询密码是几位数的",
        "就想借个五千一万的，利息多少",
    ],
)
def test_a_number_or_word_near_a_personal_one_is_left_alone(text: str) -> None:
    assert mask(text) == text and not privacy.offers_personal_info(text)
