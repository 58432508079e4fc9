"""Request steps both WeChat channels share: refuse early, decrypt, reduce to a Turn, reply.

Everything that can refuse a request (signature, timestamp, size, XML, crypto)
runs before anything is stored or sent to the assistant, so a refused request
leaves no trace but a log line.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from typing import Any

from sanic.request import Request

from channels import guard
from channels.wechat import render, xmlmsg
from channels.wechat.core import EMPTY, TEXT_ONLY, TRUNCATED, WELCOME, Engine, Turn
from channels.wechat.crypto import CryptoError, Decrypted, MessageCrypto
from channels.wechat.store import Store
from channels.wechat.xmlmsg import Inbound, XmlRejected

logger = logging.getLogger(__name__)

FRESH_S = 300  # accepted clock difference; older requests are replays


class Refused(Exception):
    """A request answered with an HTTP error and not processed."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def arg(request: Request, name: str) -> str:
    value = request.args.get(name)
    return value if isinstance(value, str) else ""


def check_fresh(timestamp: str, now: float | None = None) -> None:
    now = time.time() if now is None else now
    try:
        ts = int(timestamp)
    except ValueError:
        raise Refused(403, "timestamp missing or not a number") from None
    if abs(now - ts) > FRESH_S:
        raise Refused(403, "stale timestamp")


def check_unused(store: Store, channel: str, timestamp: str, nonce: str, signature: str, body: bytes) -> bool:
    """Refuse a signed URL (timestamp, nonce, signature) used before within the freshness window.

    Call it after the signature and timestamp checks (only authenticated requests are
    recorded). A reuse with another body (a captured URL with a forged message) is refused
    with 403. The very same request again (same body) is not processed either: False tells
    the caller to answer the platform's empty 'nothing to say' reply, which also stops
    platform retries. True: first use, go on."""
    key = "|".join((channel, timestamp, nonce, signature.strip().lower()))
    digest = hashlib.sha256(body).hexdigest()
    seen = store.first_use(key, digest, expires_at=float(int(timestamp)) + FRESH_S + 1)
    if seen == "other":
        raise Refused(403, "signature already used (replay)")
    if seen == "same":
        logger.warning("%s: the same signed request came again; not processed", channel)
        return False
    return True


def read_body(request: Request, max_bytes: int = xmlmsg.MAX_BODY_BYTES) -> bytes:
    """The body, refused by its declared or actual size before any parsing."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise Refused(413, "body too large")
    body = request.body or b""
    if len(body) > max_bytes:
        raise Refused(413, "body too large")
    return body


def parse(body: bytes) -> dict[str, str]:
    try:
        return xmlmsg.parse(body)
    except XmlRejected as exc:
        raise Refused(exc.status, exc.reason) from None


def open_envelope(
    fields: dict[str, str], crypto: MessageCrypto, msg_sig: str, ts: str, nonce: str
) -> tuple[dict[str, str], Decrypted]:
    """Check msg_signature over Encrypt, decrypt (current or previous key), parse the inner XML."""
    encrypted = fields.get("Encrypt", "")
    if not encrypted:
        raise Refused(400, "encrypted mode but no Encrypt element")
    if not crypto.check(msg_sig, ts, nonce, encrypted):
        raise Refused(403, "bad msg_signature")
    try:
        opened = crypto.decrypt(encrypted)
    except CryptoError as exc:
        raise Refused(403, f"cannot decrypt: {exc}") from None
    return parse(opened.text.encode("utf-8")), opened


def turn_for(msg: Inbound, engine: Engine, sender: str) -> Turn | None:
    """What to do with one message; None: answer 'success' and do nothing more."""
    user = engine.user(sender)
    windows: dict[str, Any] = {"window": engine.event_window if msg.msg_type == "event" else engine.message_window}
    if msg.msg_type == "event":
        if msg.event == "subscribe":
            return Turn(msg.dedupe_key, sender, fixed=(WELCOME,), **windows)
        if msg.event == "unsubscribe":
            engine.store.mark_for_deletion(engine.channel, user, user)  # the conversation id
            logger.info("%s: a user unsubscribed; marked for deletion", engine.channel)
        return None
    if msg.msg_type == "text":
        raw: str | None = msg.content
    elif msg.msg_type == "voice" and (msg.recognition or "").strip():
        raw = msg.recognition
    else:  # image, voice without recognition, video, location, link, file, ...
        return Turn(msg.dedupe_key, sender, fixed=(TEXT_ONLY,), **windows)
    clean = guard.inbound(raw)
    if clean.empty:
        return Turn(msg.dedupe_key, sender, fixed=(EMPTY,), **windows)
    # a bare number answers the numbered list last offered; payloads are ours, so no guard
    picked = render.chosen_payload(clean.text, engine.store.buttons(user))
    return Turn(
        msg.dedupe_key,
        sender,
        text=picked or clean.text,
        fixed=((TRUNCATED,) if clean.truncated else ()) + ((clean.privacy,) if clean.privacy else ()),
        traditional=clean.traditional,
        message_id=msg.msg_id or None,
        **windows,
    )


def reply_xml(msg: Inbound, text: str, crypto: MessageCrypto | None, opened: Decrypted | None) -> str:
    """Passive text reply, encrypted with the key the platform used when the request was."""
    xml = xmlmsg.text_reply(msg.from_user, msg.to_user, text, int(time.time()))
    if crypto is None or opened is None:
        return xml
    encrypted = crypto.encrypt(xml, key=opened.key)
    timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**9) + 10**9)
    return xmlmsg.encrypted_reply(encrypted, crypto.sign(timestamp, nonce, encrypted), timestamp, nonce)
