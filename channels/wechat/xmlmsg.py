"""Inbound XML, safely parsed, and the passive reply XML.

The platform's XML never has a DTD, so any DOCTYPE or ENTITY is refused before
the parser sees it (XXE, billion laughs), and so is a body over the size cap
(parsing cost and memory grow with the size). Replies are built by hand:
CDATA sections cannot contain ']]>' so it is split across two sections, and
text is cut to the platform's 2048-byte limit without breaking a character.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

MAX_BODY_BYTES = 64 * 1024  # real messages are a few KB even when encrypted
TEXT_LIMIT_BYTES = 2048
ELLIPSIS = "…"

_FORBIDDEN = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
# characters XML 1.0 cannot carry, even inside CDATA
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class XmlRejected(Exception):
    """A body refused before or during parsing; `status` is the HTTP answer."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def parse(body: bytes, max_bytes: int = MAX_BODY_BYTES) -> dict[str, str]:
    """The `<xml>` root's child elements as {tag: text}; nested ones as 'Parent.Child'."""
    if len(body) > max_bytes:
        raise XmlRejected("body too large", 413)
    if _FORBIDDEN.search(body):
        raise XmlRejected("DTD or entity declarations are not accepted")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise XmlRejected("body is not UTF-8") from exc
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise XmlRejected(f"malformed XML: {exc}") from exc
    if root.tag != "xml":
        raise XmlRejected("root element must be <xml>")
    fields: dict[str, str] = {}
    for child in root:
        fields[child.tag] = child.text or ""
        for sub in child:
            fields[f"{child.tag}.{sub.tag}"] = sub.text or ""
    return fields


@dataclass(frozen=True)
class Inbound:
    """One message or event as the platform pushed it."""

    to_user: str  # the account (gh_...) or CorpID
    from_user: str  # OpenID or WeCom UserID
    create_time: str
    msg_type: str
    msg_id: str = ""
    content: str = ""
    recognition: str | None = None  # None: speech recognition not switched on
    event: str = ""
    event_key: str = ""
    agent_id: str = ""
    fields: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_fields(cls, f: dict[str, str]) -> Inbound:
        return cls(
            to_user=f.get("ToUserName", ""),
            from_user=f.get("FromUserName", ""),
            create_time=f.get("CreateTime", ""),
            msg_type=f.get("MsgType", "").lower(),
            msg_id=f.get("MsgId", "") or f.get("MsgID", ""),
            content=f.get("Content", ""),
            recognition=f.get("Recognition"),
            event=f.get("Event", "").lower(),
            event_key=f.get("EventKey", ""),
            agent_id=f.get("AgentID", ""),
            fields=f,
        )

    @property
    def dedupe_key(self) -> str:
        """MsgId for messages; events have none, so sender + CreateTime."""
        if self.msg_id:
            return f"id:{self.msg_id}"
        return f"ev:{self.from_user}:{self.create_time}:{self.event}"

    def is_valid(self) -> bool:
        return bool(self.from_user and self.msg_type and self.create_time)


def cdata(text: str) -> str:
    """A CDATA section holding any text, even one containing ']]>'."""
    text = _NOT_XML.sub("", text)
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(to_user: str, from_user: str, content: str, create_time: int) -> str:
    """Passive text reply: To/From swapped relative to the inbound message by the caller."""
    return (
        f"<xml><ToUserName>{cdata(to_user)}</ToUserName>"
        f"<FromUserName>{cdata(from_user)}</FromUserName>"
        f"<CreateTime>{int(create_time)}</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{cdata(content)}</Content></xml>"
    )


def encrypted_reply(encrypted: str, signature: str, timestamp: str, nonce: str) -> str:
    """The envelope a safe-mode reply travels in."""
    return (
        f"<xml><Encrypt>{cdata(encrypted)}</Encrypt>"
        f"<MsgSignature>{cdata(signature)}</MsgSignature>"
        f"<TimeStamp>{timestamp}</TimeStamp>"
        f"<Nonce>{cdata(nonce)}</Nonce></xml>"
    )


def cut_utf8(text: str, max_bytes: int) -> str:
    """The longest prefix of text that fits in max_bytes of UTF-8."""
    raw = text.encode("utf-8")
    if len(raw) <= max_bytes:
        return text
    end = max(max_bytes, 0)
    while end > 0 and (raw[end] & 0xC0) == 0x80:  # continuation byte: back off to a boundary
        end -= 1
    return raw[:end].decode("utf-8")


def limit_utf8(text: str, max_bytes: int = TEXT_LIMIT_BYTES, ellipsis: str = ELLIPSIS) -> str:
    """Text shortened to max_bytes, with an ellipsis to show something was left out."""
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    return cut_utf8(text, max_bytes - len(ellipsis.encode("utf-8"))).rstrip() + ellipsis


def split_utf8(text: str, max_bytes: int = TEXT_LIMIT_BYTES) -> list[str]:
    """Chunks of at most max_bytes, preferring to break at line ends."""
    chunks: list[str] = []
    rest = text
    while len(rest.encode("utf-8")) > max_bytes:
        head = cut_utf8(rest, max_bytes) or rest[0]  # a limit below one character still progresses
        nl = head.rfind("\n")
        if nl > len(head) // 2:
            head = head[: nl + 1]
        chunks.append(head.rstrip())
        rest = rest[len(head) :].lstrip("\n")
    if rest.strip():
        chunks.append(rest)
    return [c for c in chunks if c]
