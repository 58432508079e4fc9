"""Audit log of staff actions: who did what, when, to what.

Every staff action (login, search, viewing a case or a transcript, export,
claim, reply, hand-back) is written here; details are masked so the log itself
holds no personal numbers.
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
    db = open_db(path or paths.app_db())
    if "staff_audit" not in db.table_names():
        db.table("staff_audit").create(
            {"id": int, "at": float, "staff": str, "action": str, "target": str, "detail": str, "ip": str},
            pk="id",
            if_not_exists=True,
        )
        db.table("staff_audit").create_index(["at"], if_not_exists=True)
    return db


def log(staff: str, action: str, target: str = "", detail: str = "", ip: str = "", path: Path | None = None) -> int:
    db = _db(path)
    try:
        row = {
            "at": time.time(),
            "staff": staff[:80],
            "action": action[:40],
            "target": mask(target)[:200],
            "detail": mask(detail)[:500],
            "ip": ip[:64],
        }
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
