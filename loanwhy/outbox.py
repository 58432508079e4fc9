"""Messages waiting for a browser: the storage behind the socket.io channel's `push`.

With several Rasa worker processes, the staff reply may arrive in a worker that
does not hold the user's socket, and a user may be offline when it arrives. The
reply then waits here (app database) until the worker that holds the socket, or
the user's next connection, takes it (channels/socketio.py). A row is taken
once: the worker whose delete succeeds sends it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlite_utils

from loanwhy.store import shared_db

TABLE = "socketio_outbox"
KEEP_S = 7 * 24 * 3600  # undelivered replies are dropped after a week (the transcript keeps them)


@dataclass(frozen=True)
class Pending:
    id: int
    session_id: str
    text: str


def _db() -> sqlite_utils.Database:
    """The shared app-database connection (the poller calls this every POLL_S seconds);
    the table is made by the app migrations (loanwhy/schema.py)."""
    return shared_db()


def add(session_id: str, text: str) -> None:
    """Queue a reply; replies older than KEEP_S are dropped here, not on every poll."""
    db = _db()
    now = time.time()
    db.execute(f"delete from {TABLE} where created_at < ?", [now - KEEP_S])
    db.execute(f"insert into {TABLE} (session_id, text, created_at) values (?, ?, ?)", [session_id, text, now])


def pending(session_ids: list[str] | None = None) -> list[Pending]:
    """Oldest first; only these conversations when given."""
    db = _db()
    if session_ids is None:
        rows = db.execute(f"select id, session_id, text from {TABLE} order by id").fetchall()
    elif not session_ids:
        return []
    else:
        marks = ",".join("?" * len(session_ids))
        rows = db.execute(
            f"select id, session_id, text from {TABLE} where session_id in ({marks}) order by id", session_ids
        ).fetchall()
    return [Pending(int(r[0]), str(r[1]), str(r[2])) for r in rows]


def take(item: Pending) -> bool:
    """True for the one caller that removed the row and must now send it."""
    return bool(_db().execute(f"delete from {TABLE} where id = ?", [item.id]).rowcount == 1)
