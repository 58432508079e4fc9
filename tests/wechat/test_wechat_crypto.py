"""Signatures and the AES envelope against the platforms' published test vectors.

Vectors from ../shared/wechat-protocol.md, which collects them from the official
WeChat Official Account docs (message push, encryption), the official
WXBizMsgCrypt samples (Java, Python, C++; WeCom) and wechatpy's test suite.
"""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from channels.wechat import crypto as wx
from channels.wechat import xmlmsg

SAMPLE_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # official samples A, C, D


@pytest.mark.parametrize(
    ("token", "timestamp", "nonce", "expected"),
    [
        # message-push doc (URL check with echostr 4375120948345356249)
        ("AAAAA", "1714036504", "1514711492", "f464b24fc39322e44b38aa78f5edd27bd1441696"),
        # encryption doc, plain mode
        ("AAAAA", "1714037059", "486452656", "899cf89e464efb63f54ddac96b0a0a235f53aa78"),
        # encryption doc, safe-mode URL
        ("AAAAA", "1715943329", "1590219412", "cc0c594499c1634947d5b502f158ee518947db27"),
        # wechatpy tests
        ("test", "1410685589", "test", "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff"),
    ],
)
def test_official_signatures(token: str, timestamp: str, nonce: str, expected: str) -> None:
    assert wx.signature(token, timestamp, nonce) == expected
    assert wx.check_signature(expected, token, timestamp, nonce)
    assert wx.check_signature(expected.upper(), token, timestamp, nonce)


def test_signature_off_by_one_fails() -> None:
    # wechatpy tests: the same signature with its last digit changed must fail
    assert not wx.check_signature("f21891de399b4e33a1a93c9a7b8a8fffb5a443fe", "test", "1410685589", "test")
    assert not wx.check_signature("", "test", "1410685589", "test")
    assert not wx.check_signature(None, "test", "1410685589", "test")


def test_encrypt_with_fixed_random_matches_official_java_sample() -> None:
    key = wx.decode_key(SAMPLE_KEY)
    got = wx.encrypt_with(key, "我是中文abcd123", "wxb11529c136998cb6", b"aaaabbbbccccdddd")
    assert got == "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
    assert wx.decrypt_with(key, got) == ("我是中文abcd123", "wxb11529c136998cb6")


SAMPLE_C = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B"
    "5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA9"
    "12xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6Oewp"
    "usjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)
SAMPLE_D = (
    "mfBCs65c67CeJw22u4VT2TD73q5H06+ocrAIxswCaeZ/d/Lw0msSZFHY0teqgSYiI1zR2gD2DKrB3TIrmX/liNSDrGqS8jSI/WPeKB5VPr7Ezr7gomZAyG"
    "CwJSgT1TRFWPfONGJMxuj2nk4faTuspAuVIFQ6SHwZuJBZC7mcJp7Cgr9cUhATQWDbOPaE7ukZBTV2YqyzH+UI2AK+J1S47cE79k1RX8t0hcTz/O0hlK8"
    "DGXKnvYv88qKQcI7z4iaajqHfRVZKBNyOODabs+It+ZfM3dWTeFcPgDbGtIEnpt/EDtuuA/zMvtkaKdHdswPnVZQ+xdwbYr3ldGvfT8HlEYEgkgKaThxT"
    "FobVlwzu2ZkXCjicbP3xdr15Iq48ObgzPpqYuZ3IEoyggZDKClquk0u0orMck4GTF/XyE8yGzc4="
)


@pytest.mark.parametrize(
    ("timestamp", "nonce", "msg_signature", "encrypted", "msg_id"),
    [
        # official Python sample
        ("1409735669", "1320562132", "5d197aaffba7e9b25a30732f161a50dee96bd5fa", SAMPLE_C, "6054768590064713728"),
        # official C++ sample
        ("1410349438", "298025754", "003fee52ecc56afb46c00b5c7721be87860ce785", SAMPLE_D, "6057404712141979648"),
    ],
)
def test_official_account_decrypt_samples(
    timestamp: str, nonce: str, msg_signature: str, encrypted: str, msg_id: str
) -> None:
    c = wx.MessageCrypto("spamtest", SAMPLE_KEY, "wx2c2769f8efd9abc2")
    assert c.check(msg_signature, timestamp, nonce, encrypted)
    assert not c.check(msg_signature, timestamp, str(int(nonce) + 1), encrypted)
    text = c.decrypt(encrypted).text
    assert ">\n<" in text  # the newlines between elements survive
    msg = xmlmsg.Inbound.from_fields(xmlmsg.parse(text.encode()))
    assert (msg.msg_type, msg.content, msg.msg_id) == ("text", "abcdteT", msg_id)
    if encrypted is SAMPLE_C:
        assert msg.from_user == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"


def test_wrong_appid_is_refused() -> None:
    c = wx.MessageCrypto("spamtest", SAMPLE_KEY, "wx0000000000000000")
    with pytest.raises(wx.ReceiverMismatch):
        c.decrypt(SAMPLE_C)


@pytest.mark.parametrize("mangled", [SAMPLE_C[:-8] + "AAAAAAA=", SAMPLE_C[16:], "not base64!", "", "QUJD"])
def test_corrupted_ciphertext_is_refused(mangled: str) -> None:
    c = wx.MessageCrypto("spamtest", SAMPLE_KEY, "wx2c2769f8efd9abc2")
    with pytest.raises(wx.CryptoError):
        c.decrypt(mangled)


SAMPLE_E = (
    "D7yzvUNAL930rd28wf21s4hvXhz0L6Uit/p2Di6C5DHyYGpEgdBRnKjBec34JwoQXicwaZC7fOVihW80F4VtsdvE//1vr7oAbqjDv8KenVp+ajKYpJny"
    "Q4zMRhIC+a31fCVOMC03FfzV/QuC94kBP55a+Za3sJgvAn+ZbsNqZI5DkyuzkhQN8OBqCzFhizGmy0xpM0MEA4agpvE+RuNO1rhHTtuJB5yltw1FiYze"
    "cSXJ+y/D2r81VkRn2eYjh2ltsoyfbDR7Is6ookXIFxTfyeNyeHxMeT4KN5WpCDmSbTcUYrbBUlkGLJ9n/rU8YOywma6G7aTb7KZKOqCxgfoUlYEZPk4F"
    "UL/TK7ShriFDMVCLyjQJ15Ob++agDWtcxhfUfe6HIoIpRW8mKNBQiY/Jd1svvuskA1wLef1RTtzKfMpagSCX/laZINmdnX4zrF6kIaR9P4xQrWXbsTFH"
    "TYe0Mg=="
)


def test_current_encryption_doc_safe_mode_sample() -> None:
    # current encryption doc: all-zero key, an event in, an encrypted reply out
    c = wx.MessageCrypto("AAAAA", "A" * 43, "wx134c8103faa5a59e")
    assert c.check("6c12a4205838198b8fa631b3220723bb07f1015c", "1715943329", "1590219412", SAMPLE_E)
    fields = xmlmsg.parse(c.decrypt(SAMPLE_E).text.encode())
    assert fields["Event"] == "debug_demo" and fields["debug_str"] == "hello world"
    reply = c.encrypt("<xml><demo_resp>[CDATA[good luck]]</demo_resp></xml>", random=b"999951349e8ee746")
    assert reply == (
        "hE8R6mGXHkJJjU72KxzKUd1GEkKJaEZq7vRL8XgK3o+00k8JGq6+pZJUIlTSyhsX+bxIBQ72g3GyvDdIZcr6+3HAZbSvPT9t/o11MI7d6WEL"
        "wqrGd7jMnV0zv3Zc9Nq7"
    )
    assert c.sign("1713424427", "415670741", reply) == "03e0812039325c2712ef5f0f980fd14c70d6e307"


def test_wecom_url_check_official_sample() -> None:
    echostr = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
    c = wx.MessageCrypto("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")
    assert c.check("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "1409659589", "263014780", echostr)
    assert c.decrypt(echostr).text == "1616140317555161061"


WECOM_F_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
WECOM_F_MESSAGE = (
    "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJR"
    "vZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtD"
    "h1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhc"
    "UGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0="
)


def test_wecom_wechatpy_samples() -> None:
    c = wx.MessageCrypto("123456", WECOM_F_KEY, "wx49f0ab532d5d035a")
    echostr = "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q=="
    assert c.check("dd6b9c95b495b3f7e2901bfbc76c664930ffdb96", "1411443780", "437374425", echostr)
    assert not c.check("dd6b9c95b495b3f7e2901bfbc76c664930ffdb96", "1411443780", "437374424", echostr)
    assert c.decrypt(echostr).text == "5927782489442352469"
    assert c.check("74d92dfeb87ba7c714f89d98870ae5eb62dff26d", "1411525903", "461056294", WECOM_F_MESSAGE)
    fields = xmlmsg.parse(c.decrypt(WECOM_F_MESSAGE).text.encode())
    assert (fields["Content"], fields["FromUserName"]) == ("test", "messense")


def test_key_rotation_tries_previous_key_and_replies_with_it() -> None:
    old, new = "A" * 43, SAMPLE_KEY
    sent = wx.MessageCrypto("t", old, "wxapp").encrypt("旧密钥的消息")
    rotated = wx.MessageCrypto("t", new, "wxapp", previous_key=old)
    opened = rotated.decrypt(sent)
    assert opened.text == "旧密钥的消息" and opened.key == wx.decode_key(old)
    assert wx.MessageCrypto("t", old, "wxapp").decrypt(rotated.encrypt("回复", key=opened.key)).text == "回复"
    with pytest.raises(wx.CryptoError):
        wx.MessageCrypto("t", new, "wxapp").decrypt(sent)


@pytest.mark.parametrize("bad", ["short", "A" * 44, "!" * 43])
def test_bad_encoding_aes_key(bad: str) -> None:
    with pytest.raises(ValueError):
        wx.decode_key(bad)


KEYS = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", min_size=42, max_size=42
).map(
    lambda s: s + "A"  # the 43rd character carries only padding bits when it is 'A'
)
CHINESE = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=300)


@settings(max_examples=60, deadline=None)
@given(key=KEYS, text=st.one_of(CHINESE, st.text(max_size=300)), appid=st.from_regex(r"wx[0-9a-f]{16}", fullmatch=True))
def test_roundtrip_any_text(key: str, text: str, appid: str) -> None:
    c = wx.MessageCrypto("token", key, appid)
    assert c.decrypt(c.encrypt(text)).text == text


@settings(max_examples=30, deadline=None)
@given(blocks=st.integers(min_value=2, max_value=40))
def test_roundtrip_when_plaintext_fills_whole_blocks(blocks: int) -> None:
    """A framed plaintext of exactly 32·k bytes gets a whole 32-byte block of padding."""
    appid = "wxb11529c136998cb6"
    message = "a" * (32 * blocks - 20 - len(appid))
    c = wx.MessageCrypto("token", SAMPLE_KEY, appid)
    encrypted = c.encrypt(message)
    assert len(base64.b64decode(encrypted)) == 32 * blocks + 32
    assert c.decrypt(encrypted).text == message


@settings(max_examples=40, deadline=None)
@given(n=st.integers(min_value=0, max_value=100))
def test_roundtrip_chinese_at_multiples_of_32_bytes(n: int) -> None:
    """Messages of exactly 32·k UTF-8 bytes (Chinese characters are 3 bytes: 32 of them = 96 bytes)."""
    message = "中" * (32 * (n % 8)) + "ab" * 16 * (n // 8 % 3)
    assert len(message.encode()) % 32 == 0
    c = wx.MessageCrypto("token", SAMPLE_KEY, "wx2c2769f8efd9abc2")
    assert c.decrypt(c.encrypt(message)).text == message
