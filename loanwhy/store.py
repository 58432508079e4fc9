"""The application database (var/app.sqlite): one place to open it, safely for several writers."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from loanwhy import paths


def open_db(path: Path | None = None) -> sqlite_utils.Database:
    """WAL and a busy timeout: many conversations write at once without 'database is locked'."""
    target = path or paths.app_db()
    target.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(target)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA busy_timeout=10000")
    db.execute("PRAGMA synchronous=NORMAL")
    return db
