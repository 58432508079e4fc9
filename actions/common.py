"""Helpers shared by the actions: reading the latest text and the stored facts."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from loanwhy.detect import Prepared
from loanwhy.diagnose import Facts


def latest_text(tracker: Tracker) -> Prepared:
    """The latest message as NLU's first step left it (nlu/normalizer.py: the `text` of the parse
    data, not of the event): marked so the library reads it without preparing it again."""
    return Prepared(str((tracker.latest_message or {}).get("text") or ""))


def earlier_texts(tracker: Tracker, keep: int = 6) -> list[str]:
    """The applicant's messages before the latest one (at most `keep`, oldest first), as NLU read them."""
    said = [e for e in tracker.events if e.get("event") == "user"]
    texts = [str((e.get("parse_data") or {}).get("text") or e.get("text") or "") for e in said[:-1]]
    return [t for t in texts if t][-keep:]


def stored_facts(tracker: Tracker) -> Facts:
    facts = tracker.get_slot("facts")
    return dict(facts) if isinstance(facts, dict) else {}


def button(title: str, payload: str | None = None) -> dict[str, Any]:
    """Buttons send plain text back, so they pass through NLU like typed words."""
    return {"title": title, "payload": payload or title}
