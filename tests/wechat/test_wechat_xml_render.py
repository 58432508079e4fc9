"""Safe XML parsing, reply building, and turning bot messages into one WeChat text."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from channels.wechat import render, xmlmsg
from channels.wechat.xmlmsg import XmlRejected
from loanwhy.kb import Knowledge

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>1</MsgId></xml>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xml><Content>&lol3;</Content></xml>"""


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (XXE, 400),
        (BILLION_LAUGHS, 400),
        (b"<!doctype xml><xml/>", 400),
        (b"<xml><Content>unclosed</xml>", 400),
        (b"not xml at all", 400),
        (b"<other><a>1</a></other>", 400),
        (b"<xml><Content>\xff\xfe</Content></xml>", 400),
        (b"<xml><Content>" + b"a" * (xmlmsg.MAX_BODY_BYTES + 1) + b"</Content></xml>", 413),
    ],
)
def test_refused_bodies(body: bytes, status: int) -> None:
    with pytest.raises(XmlRejected) as info:
        xmlmsg.parse(body)
    assert info.value.status == status


def test_undeclared_entity_is_a_parse_error_not_an_expansion() -> None:
    with pytest.raises(XmlRejected):
        xmlmsg.parse(b"<xml><Content>&xxe;</Content></xml>")


def test_inbound_fields_and_dedupe_keys() -> None:
    text = xmlmsg.Inbound.from_fields(
        xmlmsg.parse(
            "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o_1]]></FromUserName>"
            "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            "<Content><![CDATA[ 你好 ]]></Content><MsgId>42</MsgId></xml>".encode()
        )
    )
    assert (text.content, text.msg_id, text.dedupe_key) == (" 你好 ", "42", "id:42")
    event = xmlmsg.Inbound.from_fields(
        {"FromUserName": "o_1", "CreateTime": "1700000000", "MsgType": "event", "Event": "subscribe"}
    )
    assert event.dedupe_key == "ev:o_1:1700000000:subscribe"
    assert event.recognition is None


def test_cdata_splits_terminator_and_round_trips() -> None:
    tricky = "a]]>b<c>&d\x01"
    xml = xmlmsg.text_reply("o_1", "gh_1", tricky, 1700000000)
    fields = xmlmsg.parse(xml.encode())
    assert fields["Content"] == "a]]>b<c>&d"
    assert (fields["ToUserName"], fields["FromUserName"], fields["MsgType"]) == ("o_1", "gh_1", "text")


def test_encrypted_reply_envelope_parses() -> None:
    fields = xmlmsg.parse(xmlmsg.encrypted_reply("ENC+/=", "sig", "1700000000", "123").encode())
    assert fields == {"Encrypt": "ENC+/=", "MsgSignature": "sig", "TimeStamp": "1700000000", "Nonce": "123"}


@settings(max_examples=80, deadline=None)
@given(text=st.text(min_size=0, max_size=1500), limit=st.integers(min_value=4, max_value=2048))
def test_limit_utf8_never_breaks_a_character(text: str, limit: int) -> None:
    out = xmlmsg.limit_utf8(text, limit)
    assert len(out.encode("utf-8")) <= limit
    if len(text.encode("utf-8")) <= limit:
        assert out == text
    else:
        assert out.endswith(xmlmsg.ELLIPSIS) and text.startswith(out[:-1].rstrip()[:10])


@settings(max_examples=60, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("贷款征信ab12\n😀 "), max_size=3000))
def test_split_utf8_keeps_everything_in_limit(text: str) -> None:
    chunks = xmlmsg.split_utf8(text, 300)
    assert all(len(c.encode("utf-8")) <= 300 for c in chunks)
    assert "".join(chunks).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")


def test_chinese_reply_cut_at_2048_bytes() -> None:
    text = "征信" * 2000
    out = xmlmsg.limit_utf8(text)
    assert len(out.encode()) <= 2048 and out.endswith("…") and set(out[:-1]) <= {"征", "信"}


BUTTONS = [{"title": "我被拒了", "payload": "我的贷款被拒了"}, {"title": "查征信", "payload": "/ask_credit_report"}]
DIAGNOSIS = {
    "signals": [
        {
            "id": "card_overdraft",
            "name": "信用卡透支过多",
            "severity": "high",
            "summary": "额度用得太满。",
            "steps": [{"action": "先降低欠款", "horizon": "1-3个月"}, {"action": "停止以卡养卡", "horizon": "立即"}],
        }
    ]
}


def test_render_joins_texts_and_numbers_buttons() -> None:
    out = render.render(
        [{"text": "第一句"}, {"text": "请选择：", "buttons": BUTTONS}, {"text": "还可以：", "buttons": BUTTONS[:1]}]
    )
    assert out.text == "第一句\n\n请选择：\n1. 我被拒了\n2. 查征信\n\n还可以：\n3. 我被拒了"
    assert [b.payload for b in out.buttons] == ["我的贷款被拒了", "/ask_credit_report", "我的贷款被拒了"]


def test_buttons_are_numbered_as_the_lexicon_says(kb: Knowledge) -> None:
    formats = {**kb.lexicon["formats"], "numbered_button": "【{n}】{title}"}
    out = render.render(
        [{"text": "请选择：", "buttons": BUTTONS}], replace(kb, lexicon={**kb.lexicon, "formats": formats})
    )
    assert out.text == "请选择：\n【1】我被拒了\n【2】查征信"
    assert render.render([{"buttons": BUTTONS[:1]}], kb).text == "1. 我被拒了"


def test_render_diagnosis_when_texts_lack_it_at_any_depth() -> None:
    out = render.render([{"text": "分析结果："}, {"custom": {"data": [{"payload": {"diagnosis": DIAGNOSIS}}]}}])
    assert (
        out.text
        == "分析结果：\n\n1. 信用卡透支过多：额度用得太满。\n   · 先降低欠款（1-3个月）\n   · 停止以卡养卡（立即）"
    )


def test_render_skips_diagnosis_already_in_texts() -> None:
    out = render.render([{"text": "1. 信用卡透支过多\n额度用得太满。"}, {"custom": {"diagnosis": DIAGNOSIS}}])
    assert out.text == "1. 信用卡透支过多\n额度用得太满。"


def test_render_ignores_odd_payloads() -> None:
    odd: list[dict[str, Any]] = [
        {"custom": {"diagnosis": "x"}},
        {"custom": [1, None]},
        {"buttons": [{"payload": "no title"}]},
        {},
    ]
    assert render.render(odd).text == ""


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("2", "/ask_credit_report"),
        ("２", "/ask_credit_report"),
        (" 1. ", "我的贷款被拒了"),
        ("②", "/ask_credit_report"),
        ("3", None),
        ("0", None),
        ("2个", None),
        ("我选2", None),
        ("", None),
    ],
)
def test_numbered_reply_maps_to_button_payload(reply: str, expected: str | None) -> None:
    buttons = render.render([{"text": "请选择：", "buttons": BUTTONS}]).buttons
    assert render.chosen_payload(reply, buttons) == expected
