"""The app database's tables (var/app.sqlite), as migrations applied by loanwhy.store.

Each step brings a database from what the code before it made to what the code after it needs,
and is harmless on a database that already has it: the first steps describe the tables as the
code made them before migrations existed (created on first use by each module), so an old var/
is recorded as migrated without losing a row. Add a change as a new step at the end; never edit
a released one.

Staff tables (accounts, sessions, login failures, audit) hold no conversation id; the others are
keyed by one and erased by loanwhy/retention.py. The staff search index (loanwhy/search.py) is
derived from the knowledge base and rebuilt by its own code, so it is not here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlite_utils

if TYPE_CHECKING:
    from loanwhy.store import Migration


def add_column(db: sqlite_utils.Database, table: str, column: str, col_type: Any, **kwargs: Any) -> None:
    """Add a column unless the table has it already (a database upgraded by older code)."""
    if column not in db.table(table).columns_dict:
        db.table(table).add_column(column, col_type, **kwargs)


def staff_accounts(db: sqlite_utils.Database) -> None:
    db.table("staff_users").create(
        {"username": str, "password_hash": str, "created_at": float, "disabled": int}, pk="username", if_not_exists=True
    )
    db.table("staff_sessions").create(
        {"token_hash": str, "username": str, "csrf": str, "created_at": float, "expires_at": float, "last_seen": float},
        pk="token_hash",
        if_not_exists=True,
    )
    db.table("staff_login_failures").create(
        {"id": int, "username": str, "at": float, "ip": str}, pk="id", if_not_exists=True
    )
    db.table("staff_login_failures").create_index(["username", "at"], if_not_exists=True)


def staff_audit(db: sqlite_utils.Database) -> None:
    db.table("staff_audit").create(
        {"id": int, "at": float, "staff": str, "action": str, "target": str, "detail": str, "ip": str},
        pk="id",
        if_not_exists=True,
    )
    db.table("staff_audit").create_index(["at"], if_not_exists=True)
    add_column(db, "staff_audit", "count", int, not_null_default=1)  # repeated noise counted in one row


def handoffs(db: sqlite_utils.Database) -> None:
    db.table("handoffs").create(
        {
            "id": int,
            "sender_id": str,
            "channel": str,
            "status": str,
            "summary": str,
            "created_at": float,
            "claimed_by": str,
            "updated_at": float,
        },
        pk="id",
        if_not_exists=True,
    )
    db.table("handoffs").create_index(["sender_id", "status"], if_not_exists=True)
    add_column(db, "handoffs", "source", str)  # the client's address digest (open requests per source)


def cases(db: sqlite_utils.Database) -> None:
    """As `insert(..., alter=True)` made it: no declared key, the rowid is the case number."""
    db.table("cases").create(
        {"created_at": float, "sender_id": str, "channel": str, "signals": str, "payload": str, "said": str},
        if_not_exists=True,
    )


def feedback(db: sqlite_utils.Database) -> None:
    db.table("feedback").create(
        {"conversation_id": str, "message_id": str, "rating": str, "text": str, "created_at": float},
        pk=("conversation_id", "message_id"),
        if_not_exists=True,
    )


def socketio_outbox(db: sqlite_utils.Database) -> None:
    db.execute(
        "create table if not exists socketio_outbox (id integer primary key, session_id text not null, "
        "text text not null, created_at real not null)"
    )
    db.execute("create index if not exists socketio_outbox_session on socketio_outbox (session_id)")


def revoked_sessions(db: sqlite_utils.Database) -> None:
    db.execute("create table if not exists revoked_sessions (session_id text primary key, expires_at integer)")


def case_indexes(db: sqlite_utils.Database) -> None:
    """A conversation's cases (retention, staff) and a period's (weekly figures) without a full scan."""
    db.table("cases").create_index(["sender_id"], if_not_exists=True)
    db.table("cases").create_index(["created_at"], if_not_exists=True)


def case_channel_index(db: sqlite_utils.Database) -> None:
    """The staff case log filtered by channel, newest first, a page at a time without a full scan."""
    db.table("cases").create_index(["channel", "created_at"], if_not_exists=True)


APP_MIGRATIONS: list[Migration] = [
    ("0001_staff_accounts", staff_accounts),
    ("0002_staff_audit", staff_audit),
    ("0003_handoffs", handoffs),
    ("0004_cases", cases),
    ("0005_feedback", feedback),
    ("0006_socketio_outbox", socketio_outbox),
    ("0007_revoked_sessions", revoked_sessions),
    ("0008_case_indexes", case_indexes),
    ("0009_case_channel_index", case_channel_index),
]
