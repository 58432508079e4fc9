"""Audit log of staff actions: who did what, when, to what.

Every staff action (login, search, viewing a case or a transcript, export,
claim, reply, hand-back) is written here; details are masked so the log itself
holds no personal numbers.

Anonymous noise (failed logins, rejected forms: anyone can cause them, thousands a second)
must not push real entries out of view: per source address and minute the first
NOISE_ROWS_PER_MINUTE are rows of their own, every further one only raises the `count` of one
more row.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import sqlite_utils

from loanwhy import paths
from loanwhy.privacy import mask
from loanwhy.store import open_db


def _db(path: Path | None = None) -> sqlite_utils.Database:
    """The app database; staff_audit is made by its migrations (loanwhy/schema.py)."""
    return open_db(path or paths.app_db())


NOISE = frozenset({"login_failed", "login_locked", "login_throttled", "csrf_rejected"})  # before anyone is logged in
NOISE_ROWS_PER_MINUTE = 5  # separate rows per source, action and minute; the rest are counted in one


def _count_noise(db: sqlite_utils.Database, action: str, ip: str, staff: str, at: float) -> int | None:
    """The id of the row this event was counted in, or None when it gets a row of its own."""
    minute = at - at % 60
    rows = db.execute(
        "select id, count from staff_audit where action = ? and ip = ? and at >= ? order by id",
        [action, ip, minute],
    ).fetchall()
    if len(rows) <= NOISE_ROWS_PER_MINUTE:
        return None
    row_id, count = rows[-1]
    db.execute(
        "update staff_audit set count = ?, at = ?, detail = ? where id = ?",
        [count + 1, at, f"{count + 1} times this minute from this address (last: {staff[:80]})", row_id],
    )
    return int(row_id)


def log(staff: str, action: str, target: str = "", detail: str = "", ip: str = "", path: Path | None = None) -> int:
    db = _db(path)
    try:
        at, ip = time.time(), ip[:64]
        row = {
            "at": at,
            "staff": staff[:80],
            "action": action[:40],
            "target": mask(target)[:200],
            "detail": mask(detail)[:500],
            "ip": ip,
            "count": 1,
        }
        with db.conn:
            if action in NOISE:
                db.execute("BEGIN IMMEDIATE")  # read and count as one writer: concurrent noise is not lost
                counted = _count_noise(db, action[:40], ip, staff, at)
                if counted is not None:
                    return counted
            return int(db.table("staff_audit").insert(row).last_pk or 0)
    finally:
        db.close()


def recent(
    limit: int = 200, staff: str | None = None, action: str | None = None, path: Path | None = None
) -> list[dict[str, Any]]:
    """Newest first, optionally for one staff member or one kind of action."""
    clauses, args = [], []
    if staff:
        clauses.append("staff = ?")
        args.append(staff)
    if action:
        clauses.append("action = ?")
        args.append(action)
    db = _db(path)
    try:
        where = " and ".join(clauses) or None
        return list(db.table("staff_audit").rows_where(where, args, order_by="id desc", limit=limit))
    finally:
        db.close()
