"""The application's own SQLite files: one way to open them, one way to create and change their tables.

Every database of ours (app.sqlite, wechat.sqlite, locks.sqlite) is opened by `connect`, so each
has the same settings (PRAGMAS): WAL and a busy timeout (many conversations write at once without
'database is locked'), synchronous=NORMAL (safe with WAL), foreign keys on, and secure_delete
where an erasure must erase. Rasa's tracker file is Rasa's: loanwhy/events.py opens it itself,
read-only, with the same busy timeout and secure_delete.

Tables are created and changed by migrations: an ordered list of named functions, each applied
once per database and recorded in `_migrations`, so an old var/ upgrades in place. A migration is
never edited once released: a change is a new one at the end of its list.

Opened files are private (0600 in a 0700 folder: loanwhy.paths.private_file); SQLite gives
the -wal and -shm files the database file's mode.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import sqlite_utils

from loanwhy import paths
from loanwhy.schema import APP_MIGRATIONS

BUSY_TIMEOUT_MS = 10_000
BUSY_TIMEOUT_S = BUSY_TIMEOUT_MS / 1000
SECURE_DELETE = "PRAGMA secure_delete=ON"
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
)
MIGRATIONS_TABLE = "_migrations"

Migration = tuple[str, Callable[[sqlite_utils.Database], None]]

_SHARED: dict[str, sqlite_utils.Database] = {}
_LOCK = threading.Lock()


def connect(
    path: Path | str, *, secure_delete: bool = False, check_same_thread: bool = True, autocommit: bool = False
) -> sqlite3.Connection:
    """A new connection to one of our files (created private if missing), with PRAGMAS applied;
    ":memory:" for tests. secure_delete for connections that erase personal data."""
    if str(path) != ":memory:":
        paths.private_file(Path(path))
    con = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, check_same_thread=check_same_thread)
    if autocommit:
        con.isolation_level = None  # the caller writes BEGIN and COMMIT
    for pragma in PRAGMAS:
        con.execute(pragma)
    if secure_delete:
        con.execute(SECURE_DELETE)
    return con


def applied(db: sqlite_utils.Database) -> set[str]:
    """Names of the migrations this database has had."""
    if MIGRATIONS_TABLE not in db.table_names():
        return set()
    return {str(r[0]) for r in db.execute(f"select name from {MIGRATIONS_TABLE}").fetchall()}


def migrate(db: sqlite_utils.Database, migrations: Sequence[Migration]) -> list[str]:
    """Apply the migrations this database has not had, in order, in one transaction taken with
    BEGIN IMMEDIATE (two processes starting together: the second waits, then finds them done).
    Returns the names applied; nothing to do is one query."""
    if {name for name, _ in migrations} <= applied(db):
        return []
    con = db.conn
    con.execute("BEGIN IMMEDIATE")
    try:
        db.table(MIGRATIONS_TABLE).create({"name": str, "applied_at": float}, pk="name", if_not_exists=True)
        done = applied(db)
        names = []
        for name, step in migrations:
            if name in done:
                continue
            step(db)
            db.table(MIGRATIONS_TABLE).insert({"name": name, "applied_at": time.time()})
            names.append(name)
        con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
    return names


def open_db(path: Path | None = None) -> sqlite_utils.Database:
    """A new connection to the app database, its tables up to date; the caller closes it."""
    db = sqlite_utils.Database(connect(path or paths.app_db()))
    migrate(db, APP_MIGRATIONS)
    return db


def shared_db(path: Path | None = None) -> sqlite_utils.Database:
    """One connection per process and file, for hot paths (a check on every turn); never close it."""
    target = path or paths.app_db()
    key = f"{os.getpid()}:{target}"  # a connection never crosses a fork (Rasa's worker processes)
    db = _SHARED.get(key)
    if db is None:
        with _LOCK:
            db = _SHARED.get(key)
            if db is None:
                db = sqlite_utils.Database(connect(target, check_same_thread=False, autocommit=True))
                migrate(db, APP_MIGRATIONS)
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
