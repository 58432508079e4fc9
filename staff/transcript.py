"""Full conversation transcripts, read only from the Rasa tracker store (loanwhy/events.py:
the SQLite file or the database LOANWHY_TRACKER_URL names)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from loanwhy import events
from loanwhy.privacy import mask

MAX_EVENTS = 2000
log = logging.getLogger(__name__)


def read(sender_id: str, store: Path | str | None = None, limit: int = MAX_EVENTS) -> list[dict[str, Any]]:
    """User, bot and staff messages in order: {who, text, at}; [] when the store holds nothing yet.
    A store that cannot be read is logged and shows as an empty transcript (the page still opens)."""
    try:
        rows = events.conversation(sender_id, store, types=("user", "bot"), limit=limit)
    except events.EventStoreError as exc:
        log.warning("transcript of %s not read: %s", mask(sender_id), exc)
        return []
    return [m for m in (_message(e) for e in rows) if m]


def _message(event: events.Event) -> dict[str, Any] | None:
    data = event.data
    text = data.get("text") or ""
    if event.type_name == "bot" and not text:
        custom = (data.get("data") or {}).get("custom")
        text = "[诊断结果]" if isinstance(custom, dict) and "diagnosis" in custom else ""
    if not text:
        return None
    staff = (data.get("metadata") or {}).get("staff") if event.type_name == "bot" else None
    who = "user" if event.type_name == "user" else ("staff" if staff else "bot")
    return {"who": who, "staff": staff or "", "text": mask(str(text)), "at": event.timestamp}
