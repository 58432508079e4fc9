"""Full conversation transcripts, read only from the Rasa tracker store (SQLite `events`)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from loanwhy import paths
from loanwhy.privacy import mask

MAX_EVENTS = 2000


def read(sender_id: str, path: Path | None = None, limit: int = MAX_EVENTS) -> list[dict[str, Any]]:
    """User, bot and staff messages in order: {who, text, at}; [] when the store is missing."""
    target = path or paths.tracker_db()
    if not target.exists():
        return []
    try:
        conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return []
    try:
        rows = conn.execute(
            "select type_name, timestamp, data from events where sender_id = ? and type_name in ('user', 'bot') "
            "order by id desc limit ?",
            (sender_id, limit),
        ).fetchall()
    except sqlite3.Error:
        return []
    finally:
        conn.close()
    return [m for m in (_message(*row) for row in reversed(rows)) if m]


def _message(type_name: str, at: float, data: str) -> dict[str, Any] | None:
    try:
        event = json.loads(data or "{}")
    except json.JSONDecodeError:
        return None
    text = event.get("text") or ""
    if type_name == "bot" and not text:
        custom = (event.get("data") or {}).get("custom")
        text = "[诊断结果]" if isinstance(custom, dict) and "diagnosis" in custom else ""
    if not text:
        return None
    staff = (event.get("metadata") or {}).get("staff") if type_name == "bot" else None
    who = "user" if type_name == "user" else ("staff" if staff else "bot")
    return {"who": who, "staff": staff or "", "text": mask(str(text)), "at": float(at or 0)}
