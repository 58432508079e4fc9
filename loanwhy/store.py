"""The application database (var/app.sqlite): one place to open it, safely for several writers.

Opened files are private (0600 in a 0700 folder: loanwhy.paths.private_file); SQLite gives
the -wal and -shm files the database file's mode.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

import sqlite_utils

from loanwhy import paths

_SHARED: dict[str, sqlite_utils.Database] = {}
_LOCK = threading.Lock()


def _tune(db: sqlite_utils.Database) -> sqlite_utils.Database:
    """WAL and a busy timeout: many conversations write at once without 'database is locked'."""
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA busy_timeout=10000")
    db.execute("PRAGMA synchronous=NORMAL")
    return db


def open_db(path: Path | None = None) -> sqlite_utils.Database:
    """A new connection; the caller closes it."""
    target = paths.private_file(path or paths.app_db())
    return _tune(sqlite_utils.Database(target))


def shared_db(path: Path | None = None) -> sqlite_utils.Database:
    """One connection per process and file, for hot paths (a check on every turn); never close it."""
    target = path or paths.app_db()
    key = f"{os.getpid()}:{target}"  # a connection never crosses a fork (Rasa's worker processes)
    db = _SHARED.get(key)
    if db is None:
        with _LOCK:
            db = _SHARED.get(key)
            if db is None:
                paths.private_file(target)
                conn = sqlite3.connect(target, check_same_thread=False, timeout=10, isolation_level=None)
                db = _tune(sqlite_utils.Database(conn))
                _SHARED[key] = db
    return db


def truncate_wal(con: sqlite3.Connection, tries: int = 25, pause_s: float = 0.2) -> bool:
    """Copy the WAL into the database file and truncate it (after an erasure: deleted rows' old
    page images stay in the -wal file as long as any process keeps the database open).
    False when readers kept it busy through every try."""
    for _ in range(tries):
        if not con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]:
            return True
        time.sleep(pause_s)
    return False
