"""What every channel does to a user message before Rasa sees it.

- empty or whitespace-only text, binary junk → a polite fixed reply, nothing stored
- length capped (NLU cost grows with the square of the length)
- personal numbers masked (PIPL) before the tracker store and logs, and the user told why
- user-typed slash commands (/restart, ／inform{...}) lose their slash so they
  reach NLU as plain words and can never trigger intents or set slots
- whether the user writes Traditional Chinese, so replies can follow
- client metadata reduced to the few keys the code reads, small and masked (`metadata`)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from loanwhy import responses
from loanwhy.normalize import MAX_CHARS, clean, is_traditional, to_traditional
from loanwhy.privacy import mask, offers_personal_info

MAX_SENDER_CHARS = 128
# Client metadata kept, with the longest value accepted. Rasa stores metadata with the user event
# and sends it to the action server, so anything else a client puts there is dropped.
# msg_id: a client's id for a message, resent with its retries (ops/cluster, tests/cluster).
METADATA_KEYS: dict[str, int] = {"msg_id": 64}
# Set by the channel, never taken from the client: a keyed digest of the client's address, so the
# handoff action can cap open handoffs per address (loanwhy/ratelimit.py, loanwhy/handoff.py).
SOURCE_KEY = "source"
# What web widgets send by themselves when they open (rasa-webchat's `initPayload`, an empty first
# message): on the first message of a socket session only, these mean "say hello" (`opening`).
OPENING_PAYLOADS = re.compile(r"/(greet|get_started|start)(\{.*\})?", re.IGNORECASE | re.DOTALL)
GREET = "/greet"  # Rasa reads a message starting with "/" as this intent, skipping NLU
PRIVACY_MASKED = "utter_privacy_masked"  # "please don't send these; I have hidden it"
PRIVACY_OFFERED = "utter_privacy_offered"  # "please don't send these; I don't need them"


@dataclass(frozen=True)
class Inbound:
    text: str  # what Rasa receives
    traditional: bool  # reply in Traditional characters
    empty: bool  # nothing to understand: answer politely without NLU
    truncated: bool
    privacy: str | None = None  # a notice to say first: numbers were hidden, or offered


def inbound(raw: object, max_chars: int = MAX_CHARS) -> Inbound:
    if not isinstance(raw, str):
        raw = "" if raw is None else str(raw)
    cleaned = clean(raw[: max_chars * 4], max_chars * 4)  # the one clean-up, before the cap: was it cut?
    truncated = len(raw) > max_chars * 4 or len(cleaned) > max_chars
    # NFKC once more: a control character `clean` took out may have kept a letter from its accent
    folded = unicodedata.normalize("NFKC", cleaned[:max_chars])
    while folded.startswith("/"):
        folded = folded[1:].lstrip()
    text = mask(folded)
    meaningful = any(ch.isalnum() or unicodedata.category(ch).startswith("L") for ch in text)
    privacy = PRIVACY_MASKED if text != folded else PRIVACY_OFFERED if offers_personal_info(folded) else None
    return Inbound(
        text=text, traditional=is_traditional(text), empty=not meaningful, truncated=truncated, privacy=privacy
    )


def opening(raw: object) -> bool:
    """Whether a session's first message is a widget's opening convention: empty, or one of
    OPENING_PAYLOADS (entities dropped). Typed later, the same text is neutralised like any slash."""
    if raw is None:
        return True
    if not isinstance(raw, str):
        return False
    text = unicodedata.normalize("NFKC", raw).strip()
    return not text or OPENING_PAYLOADS.fullmatch(text) is not None


def metadata(raw: object, source: str | None = None) -> dict[str, str] | None:
    """The allowlisted part of a client's metadata (short strings, personal numbers masked),
    and the channel's own `source` when given."""
    kept: dict[str, str] = {SOURCE_KEY: source} if source else {}
    if not isinstance(raw, dict):
        return kept or None
    for key, limit in METADATA_KEYS.items():
        value = raw.get(key)
        if isinstance(value, str) and 0 < len(value) <= limit and not _has_control(value):
            kept[key] = mask(value)
    return kept or None


def _has_control(text: str) -> bool:
    return any(unicodedata.category(c)[0] == "C" for c in text)


def outbound(text: str | None, traditional: bool) -> str | None:
    """Bot text as the user should see it: Traditional if they wrote so, never a personal number
    (`loanwhy.responses.as_seen`, which the staff console uses for the same replies)."""
    return responses.as_seen(text, traditional) if text else text


def outbound_payload(value: Any, traditional: bool) -> Any:
    """A custom payload as the user should see it: every string in Traditional if they wrote so
    (ids and other ASCII values are unchanged by the conversion)."""
    if not traditional:
        return value
    if isinstance(value, str):
        return to_traditional(value)
    if isinstance(value, list):
        return [outbound_payload(v, traditional) for v in value]
    if isinstance(value, dict):
        return {k: outbound_payload(v, traditional) for k, v in value.items()}
    return value


def valid_sender(sender: object) -> str | None:
    """A usable conversation id, or None (never fall back to a shared 'default')."""
    if not isinstance(sender, str):
        return None
    sender = sender.strip()
    if not sender or len(sender) > MAX_SENDER_CHARS or _has_control(sender):
        return None
    return sender
