"""Our SQLite files: one set of PRAGMAs, and tables made by migrations so an old var/ upgrades in place."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from channels.wechat.store import MIGRATIONS as WECHAT_MIGRATIONS
from channels.wechat.store import Store as WechatStore
from loanwhy import retention, store
from loanwhy.schema import APP_MIGRATIONS
from loanwhy.store import connect, migrate, open_db, shared_db


def _pre_migration_app_db(path: Path, *, later_columns: bool) -> None:
    """app.sqlite as the code before migrations made it (each module creating its table on first
    use); `later_columns=False`: before staff_audit.count and handoffs.source were added."""
    db = sqlite_utils.Database(path)
    db.table("staff_users").create(
        {"username": str, "password_hash": str, "created_at": float, "disabled": int}, pk="username"
    )
    db.table("staff_sessions").create(
        {"token_hash": str, "username": str, "csrf": str, "created_at": float, "expires_at": float, "last_seen": float},
        pk="token_hash",
    )
    db.table("staff_login_failures").create({"id": int, "username": str, "at": float, "ip": str}, pk="id")
    db.table("staff_login_failures").create_index(["username", "at"])
    db.table("staff_audit").create(
        {"id": int, "at": float, "staff": str, "action": str, "target": str, "detail": str, "ip": str}, pk="id"
    )
    db.table("staff_audit").create_index(["at"])
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
    )
    db.table("handoffs").create_index(["sender_id", "status"])
    if later_columns:
        db.table("staff_audit").add_column("count", int, not_null_default=1)
        db.table("handoffs").add_column("source", str)
    db.table("staff_users").insert({"username": "agent1", "password_hash": "h", "created_at": 1.0, "disabled": 0})
    db.table("staff_audit").insert(
        {"at": 2.0, "staff": "agent1", "action": "login", "target": "", "detail": "", "ip": ""}
    )
    db.table("handoffs").insert(
        {
            "sender_id": "rest:u1",
            "channel": "rest",
            "status": "pending",
            "summary": "s",
            "created_at": 3.0,
            "claimed_by": "",
            "updated_at": 3.0,
        }
    )
    db.table("cases").insert(
        {"created_at": 4.0, "sender_id": "rest:u1", "channel": "rest", "signals": "a,b", "payload": "{}", "said": "x"},
        alter=True,
    )
    db.table("feedback").upsert(
        {"conversation_id": "c1", "message_id": "0", "rating": "up", "text": "", "created_at": 5.0},
        pk=("conversation_id", "message_id"),
        alter=True,
    )
    db.execute(
        "create table if not exists socketio_outbox (id integer primary key, session_id text not null, "
        "text text not null, created_at real not null)"
    )
    db.execute("create index if not exists socketio_outbox_session on socketio_outbox (session_id)")
    db.execute("insert into socketio_outbox (session_id, text, created_at) values ('s1', 'hi', 6.0)")
    db.execute("create table if not exists revoked_sessions (session_id text primary key, expires_at integer)")
    db.execute("insert into revoked_sessions values ('s2', 7)")
    db.close()


def _shape(db: sqlite_utils.Database) -> dict[str, object]:
    """Columns (name, type, not null, default, pk) and indexes (columns) of every table."""
    shape: dict[str, object] = {}
    for name in sorted(db.table_names()):
        cols = [tuple(r[1:]) for r in db.execute(f'pragma table_info("{name}")').fetchall()]
        indexes = sorted(tuple(i.columns) for i in db.table(name).indexes)
        shape[name] = (cols, indexes)
    return shape


def _rows(db: sqlite_utils.Database, table: str) -> list[dict[str, object]]:
    return list(db.table(table).rows)


@pytest.mark.parametrize("later_columns", [True, False])
def test_an_old_app_database_upgrades_in_place(tmp_path: Path, later_columns: bool) -> None:
    old = tmp_path / "app.sqlite"
    _pre_migration_app_db(old, later_columns=later_columns)
    db = open_db(old)
    try:
        assert store.applied(db) == {name for name, _ in APP_MIGRATIONS}
        assert [r["username"] for r in _rows(db, "staff_users")] == ["agent1"]
        assert _rows(db, "staff_audit")[0]["count"] == 1  # the column added to an existing row
        assert _rows(db, "handoffs")[0]["sender_id"] == "rest:u1"
        assert _rows(db, "handoffs")[0]["source"] is None
        case = db.execute("select rowid, signals from cases").fetchall()
        assert case == [(1, "a,b")]
        assert _rows(db, "feedback")[0]["rating"] == "up"
        assert db.execute("select text from socketio_outbox").fetchall() == [("hi",)]
        assert db.execute("select session_id from revoked_sessions").fetchall() == [("s2",)]
        case_indexes = {tuple(i.columns) for i in db.table("cases").indexes}
        assert {("sender_id",), ("created_at",)} <= case_indexes  # new in 0008
        assert ("channel", "created_at") in case_indexes  # new in 0009
        upgraded = _shape(db)
    finally:
        db.close()
    fresh = open_db(tmp_path / "fresh.sqlite")
    try:
        assert _shape(fresh) == upgraded  # an upgraded var/ is the same as a new one
    finally:
        fresh.close()


def test_migrations_run_once(tmp_path: Path) -> None:
    db = sqlite_utils.Database(connect(tmp_path / "app.sqlite"))
    assert migrate(db, APP_MIGRATIONS) == [name for name, _ in APP_MIGRATIONS]
    before = db.execute("select name, sql from sqlite_master order by name").fetchall()
    assert migrate(db, APP_MIGRATIONS) == []
    assert db.execute("select name, sql from sqlite_master order by name").fetchall() == before
    assert db.table(store.MIGRATIONS_TABLE).count == len(APP_MIGRATIONS)
    db.close()


def test_a_new_migration_is_applied_to_a_migrated_database(tmp_path: Path) -> None:
    db = sqlite_utils.Database(connect(tmp_path / "x.sqlite"))
    first: list[store.Migration] = [("0001", lambda d: d.table("t").create({"id": int}, pk="id"))]
    migrate(db, first)
    later = [*first, ("0002", lambda d: d.table("t").add_column("note", str))]
    assert migrate(db, later) == ["0002"]
    assert "note" in db.table("t").columns_dict
    db.close()


def test_a_failing_migration_leaves_nothing_half_done(tmp_path: Path) -> None:
    db = sqlite_utils.Database(connect(tmp_path / "x.sqlite"))

    def broken(d: sqlite_utils.Database) -> None:
        raise RuntimeError("boom")

    steps: list[store.Migration] = [("0001", lambda d: d.table("t").create({"id": int}, pk="id")), ("0002", broken)]
    with pytest.raises(RuntimeError):
        migrate(db, steps)
    assert "t" not in db.table_names()
    assert store.applied(db) == set()
    assert not db.conn.in_transaction
    db.close()


def test_an_old_wechat_store_upgrades_in_place(tmp_path: Path) -> None:
    path = tmp_path / "wechat.sqlite"
    old = sqlite_utils.Database(path)
    old.table("seen").create({"key": str, "user": str, "state": str, "mode": str, "reply": str, "at": float}, pk="key")
    old.table("seen").insert(
        {"key": "k1", "user": "wechat:o1", "state": "answered", "mode": "", "reply": "", "at": 1.0}
    )
    old.table("tokens").create({"name": str, "token": str, "expires_at": float}, pk="name")  # some tables only
    old.close()
    wechat = WechatStore(path)
    try:
        assert store.applied(wechat.db) == {name for name, _ in WECHAT_MIGRATIONS}
        assert _rows(wechat.db, "seen")[0]["key"] == "k1"
        assert {"buttons", "held", "quota", "deletion_marks", "signatures"} <= set(wechat.db.table_names())
    finally:
        wechat.close()


def _pragmas(con: sqlite3.Connection) -> tuple[object, ...]:
    return tuple(
        con.execute(f"pragma {p}").fetchone()[0]
        for p in ("journal_mode", "busy_timeout", "synchronous", "foreign_keys")
    )


def test_every_database_of_ours_has_the_same_pragmas(tmp_path: Path) -> None:
    expected = ("wal", store.BUSY_TIMEOUT_MS, 1, 1)  # synchronous 1 = NORMAL
    db = open_db(tmp_path / "app.sqlite")
    assert _pragmas(db.conn) == expected
    db.close()
    assert _pragmas(shared_db(tmp_path / "hot.sqlite").conn) == expected
    wechat = WechatStore(tmp_path / "wechat.sqlite")
    assert _pragmas(wechat.db.conn) == expected
    wechat.close()
    from trackers.sqlite_lock import SQLiteLockStore

    assert _pragmas(SQLiteLockStore(db=str(tmp_path / "locks.sqlite"))._connection()) == expected


def test_erasing_connections_overwrite_what_they_free(tmp_path: Path) -> None:
    path = tmp_path / "app.sqlite"
    open_db(path).close()
    with retention._sqlite(path) as con:
        assert con is not None
        assert con.execute("pragma secure_delete").fetchone()[0] == 1
        assert _pragmas(con)[1] == store.BUSY_TIMEOUT_MS
