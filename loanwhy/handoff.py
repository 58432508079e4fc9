"""Handoff requests to human staff, kept in SQLite (var/app.sqlite).

The bot records a request with a short summary; staff claim it, reply and hand
the conversation back. While a conversation is handed off the bot stays quiet.

One conversation has at most one open request. One client address (the channel's `source`,
a keyed digest: loanwhy/ratelimit.py) may open at most LOANWHY_HANDOFF_PER_SOURCE (default 3)
that are still open and younger than an hour: ten anonymous REST senders saying "转人工" from
one address no longer fill the staff queue. Channels that name no source (WeChat, WeCom: the
platform vouches for each user) are not capped.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import sqlite_utils

from loanwhy import paths
from loanwhy.privacy import mask
from loanwhy.store import open_db, shared_db

PENDING, CLAIMED, CLOSED = "pending", "claimed", "closed"
PER_SOURCE_ENV = "LOANWHY_HANDOFF_PER_SOURCE"
MAX_OPEN_PER_SOURCE = 3
SOURCE_WINDOW_S = 3600.0


class TooManyHandoffs(Exception):
    """This address already has as many open handoffs as it may."""


def per_source_limit() -> int:
    raw = os.environ.get(PER_SOURCE_ENV, "")
    return int(raw) if raw.strip().isdigit() and int(raw) > 0 else MAX_OPEN_PER_SOURCE


def app_db_path() -> Path:
    return paths.app_db()


def _db(path: Path | None = None) -> sqlite_utils.Database:
    """The app database; handoffs is made by its migrations (loanwhy/schema.py)."""
    return open_db(path or app_db_path())


def request(
    sender_id: str, summary: str, channel: str = "", path: Path | None = None, source: str = ""
) -> dict[str, Any]:
    """Open a handoff for this conversation (or return the open one); TooManyHandoffs when
    `source` (the client's address, as a digest) has its share open already."""
    db = _db(path)
    try:
        current = open_request(sender_id, path)
        if current:
            return current
        now = time.time()
        if source:
            (n,) = db.execute(
                "select count(*) from handoffs where source = ? and status != ? and created_at > ?",
                [source, CLOSED, now - SOURCE_WINDOW_S],
            ).fetchone()
            if n >= per_source_limit():
                raise TooManyHandoffs(source)
        row = {
            "sender_id": sender_id,
            "channel": channel,
            "status": PENDING,
            "summary": mask(summary),
            "created_at": now,
            "claimed_by": "",
            "updated_at": now,
            "source": source,
        }
        row_id = db.table("handoffs").insert(row).last_pk
        return {**row, "id": row_id}
    finally:
        db.close()


def open_request(sender_id: str, path: Path | None = None) -> dict[str, Any] | None:
    db = _db(path)
    try:
        rows = list(db["handoffs"].rows_where("sender_id = ? and status != ?", [sender_id, CLOSED], limit=1))
        return rows[0] if rows else None
    finally:
        db.close()


def is_handed_off(sender_id: str, path: Path | None = None) -> bool:
    """Checked by the Rasa policy on every turn: one kept connection, one indexed query."""
    db = shared_db(path or app_db_path())
    row = db.execute(
        "select 1 from handoffs where sender_id = ? and status != ? limit 1", [sender_id, CLOSED]
    ).fetchone()
    return row is not None


def claim(handoff_id: int, staff: str, path: Path | None = None) -> bool:
    """Atomic: only one staff member can claim a pending request."""
    db = _db(path)
    try:
        cur = db.execute(
            "update handoffs set status = ?, claimed_by = ?, updated_at = ? where id = ? and status = ?",
            [CLAIMED, staff, time.time(), handoff_id, PENDING],
        )
        db.conn.commit()
        return cur.rowcount == 1
    finally:
        db.close()


def set_status(handoff_id: int, status: str, staff: str = "", path: Path | None = None) -> None:
    db = _db(path)
    try:
        db.table("handoffs").update(handoff_id, {"status": status, "claimed_by": staff, "updated_at": time.time()})
    finally:
        db.close()


def pending(path: Path | None = None) -> list[dict[str, Any]]:
    db = _db(path)
    try:
        return list(db["handoffs"].rows_where("status != ?", [CLOSED], order_by="created_at"))
    finally:
        db.close()
