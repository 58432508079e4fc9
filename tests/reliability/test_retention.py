"""Retention: old conversations and one user's data are deleted everywhere, nothing else is."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from channels.wechat.render import Button
from channels.wechat.store import Store
from loanwhy import retention
from loanwhy.retention import Stores
from loanwhy.store import open_db

ROOT = Path(__file__).resolve().parent.parent.parent
NOW = 1_800_000_000.0
DAY = 86400.0
EVENTS = """create table events (id integer primary key, sender_id varchar(255) not null,
  type_name varchar(255) not null, timestamp float, intent_name varchar(255), action_name varchar(255), data text)"""


def add_events(path: Path, sender: str, *ages_days: float) -> None:
    con = sqlite3.connect(path)
    with con:
        con.execute(EVENTS.replace("create table", "create table if not exists"))
        for age in ages_days:
            ts = NOW - age * DAY
            con.execute(
                "insert into events (sender_id, type_name, timestamp, data) values (?, 'user', ?, ?)",
                (sender, ts, json.dumps({"event": "user", "text": "我被拒了", "timestamp": ts})),
            )
    con.close()


def count(path: Path, sql: str, *args: object) -> int:
    con = sqlite3.connect(path)
    try:
        return int(con.execute(sql, args).fetchone()[0])
    finally:
        con.close()


@pytest.fixture()
def stores(tmp_path: Path) -> Stores:
    s = Stores(tracker=tmp_path / "tracker.db", app=tmp_path / "app.sqlite", wechat=tmp_path / "wechat.sqlite")
    add_events(s.tracker, "old", 400, 300)  # idle for 300 days
    add_events(s.tracker, "mixed", 400, 10)  # started long ago, still active
    add_events(s.tracker, "new", 1)
    add_events(s.tracker, "quit", 2)  # recent, but unsubscribed on WeChat
    db = open_db(s.app)
    for sender, age in [("old", 300), ("mixed", 10), ("new", 1), ("quit", 2)]:
        db["cases"].insert(
            {
                "created_at": NOW - age * DAY,
                "sender_id": sender,
                "channel": "rest",
                "signals": "x",
                "payload": "{}",
                "said": "…",
            },
            alter=True,
        )
        db["handoffs"].insert(
            {
                "sender_id": sender,
                "status": "closed",
                "summary": "",
                "created_at": NOW - age * DAY,
                "updated_at": NOW - age * DAY,
            },
            alter=True,
        )
        db["feedback"].insert(
            {"conversation_id": sender, "message_id": "0", "rating": "up", "text": "", "created_at": NOW - age * DAY},
            alter=True,
        )
    db["cases"].insert(
        {
            "created_at": NOW - 200 * DAY,
            "sender_id": "mixed",
            "channel": "rest",
            "signals": "y",
            "payload": "{}",
            "said": "an old case of an active conversation",
        }
    )
    db["staff_audit"].insert({"at": NOW - 500 * DAY, "staff": "amy", "action": "login", "target": "old"})
    db["staff_users"].insert({"username": "amy", "created_at": NOW - 500 * DAY})
    db.close()
    store = Store(s.wechat)
    for sender in ("old", "new", "quit"):
        store.set_buttons(f"wechat:{sender}", [Button("是", "/affirm")])
        store.hold(f"wechat:{sender}", "held answer")
        store.open_window(f"wechat:{sender}", 48 * 3600, 5, now=time.time())
    store.mark_for_deletion("wechat", "wechat:quit", "quit")
    store.close()
    return s


def senders(path: Path) -> set[str]:
    con = sqlite3.connect(path)
    try:
        return {r[0] for r in con.execute("select distinct sender_id from events")}
    finally:
        con.close()


def test_forget_older_deletes_idle_and_unsubscribed_conversations_everywhere(stores: Stores) -> None:
    counts = retention.forget_older(days=180, stores=stores, now=NOW)
    assert senders(stores.tracker) == {"mixed", "new"}
    assert counts.senders == 2 and counts.deleted["tracker.events"] == 3  # old: 2, quit: 1
    for table, who in [("cases", "sender_id"), ("handoffs", "sender_id"), ("feedback", "conversation_id")]:
        left = {r[0] for r in sqlite3.connect(stores.app).execute(f"select {who} from {table}")}
        assert left == {"mixed", "new"}, table
    # the 200-day-old case row of an active conversation is older than the limit: gone
    assert count(stores.app, "select count(*) from cases where sender_id = 'mixed'") == 1
    assert counts.deleted["app.cases"] == 3
    # staff tables hold no conversation id and are never touched
    assert count(stores.app, "select count(*) from staff_audit") == 1
    assert count(stores.app, "select count(*) from staff_users") == 1
    for table in ("buttons", "held", "quota"):
        assert {r[0] for r in sqlite3.connect(stores.wechat).execute(f"select user from {table}")} == {"wechat:new"}
    assert count(stores.wechat, "select count(*) from deletion_marks") == 0  # mark honoured, then cleared
    assert counts.total == sum(counts.deleted.values())


def test_forget_older_twice_deletes_nothing_more(stores: Stores) -> None:
    retention.forget_older(days=180, stores=stores, now=NOW)
    again = retention.forget_older(days=180, stores=stores, now=NOW)
    assert again.total == 0 and again.senders == 0


def test_forget_user_deletes_one_user_only(stores: Stores) -> None:
    counts = retention.forget_user("new", stores=stores)
    assert senders(stores.tracker) == {"old", "mixed", "quit"}
    assert counts.deleted == {
        "tracker.events": 1,
        "app.cases": 1,
        "app.handoffs": 1,
        "app.feedback": 1,
        "wechat.buttons": 1,
        "wechat.held": 1,
        "wechat.quota": 1,
    }
    assert retention.forget_user("new", stores=stores).total == 0


def test_forget_user_matches_exactly_not_by_pattern(stores: Stores) -> None:
    add_events(stores.tracker, "n%", 1)
    assert retention.forget_user("n%", stores=stores).deleted == {"tracker.events": 1}
    assert retention.forget_user("_ew", stores=stores).total == 0
    assert "new" in senders(stores.tracker)


def test_missing_databases_are_fine(tmp_path: Path) -> None:
    empty = Stores(tracker=tmp_path / "no.db", app=tmp_path / "no.sqlite", wechat=tmp_path / "no-wechat.sqlite")
    assert retention.forget_older(days=1, stores=empty).total == 0
    assert retention.forget_user("x", stores=empty).total == 0
    assert not (tmp_path / "no.db").exists()  # nothing created


def test_tracker_as_sqlalchemy_url(stores: Stores) -> None:
    by_url = Stores(tracker=f"sqlite:///{stores.tracker}", app=stores.app, wechat=stores.wechat)
    assert retention.forget_user("old", stores=by_url).deleted["tracker.events"] == 2
    assert "old" not in senders(stores.tracker)


@pytest.mark.parametrize("raw, days", [("", 180.0), ("30", 30.0), ("0.5", 0.5)])
def test_retention_days_setting(raw: str, days: float) -> None:
    assert retention.retention_days({"LOANWHY_RETENTION_DAYS": raw}) == days


@pytest.mark.parametrize("raw", ["abc", "0", "-3"])
def test_bad_retention_days_is_an_error(raw: str) -> None:
    with pytest.raises(retention.RetentionError):
        retention.retention_days({"LOANWHY_RETENTION_DAYS": raw})


def test_empty_sender_is_refused(stores: Stores) -> None:
    with pytest.raises(retention.RetentionError):
        retention.forget_user(" ", stores=stores)


def test_default_stores_follow_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOANWHY_VAR", str(tmp_path))
    monkeypatch.setenv("LOANWHY_APP_DB", str(tmp_path / "a.sqlite"))
    monkeypatch.setenv("WECHAT_DB", str(tmp_path / "w.sqlite"))
    monkeypatch.delenv("LOANWHY_TRACKER_URL", raising=False)
    assert retention.Stores() == Stores(tmp_path / "tracker.db", tmp_path / "a.sqlite", tmp_path / "w.sqlite")
    monkeypatch.setenv("LOANWHY_TRACKER_URL", "postgresql://u@h/rasa")
    assert retention.Stores().tracker == "postgresql://u@h/rasa"


@pytest.mark.parametrize("command", [["forget-user", "new"], ["forget-older", "--days", "180"]])
def test_cli_commands(stores: Stores, command: list[str]) -> None:
    # the commands the privacy section of the README documents (loanwhy/cli.py)
    env = {
        **os.environ,
        "LOANWHY_VAR": str(Path(stores.tracker).parent),
        "LOANWHY_APP_DB": str(stores.app),
        "WECHAT_DB": str(stores.wechat),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("LOANWHY_TRACKER_URL", None)
    out = subprocess.run(
        [sys.executable, "-m", "loanwhy.cli", *command], env=env, capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["conversations"] >= 1 and result["deleted"]["tracker.events"] >= 1


def test_cli_refuses_a_bad_setting(tmp_path: Path) -> None:
    env = {**os.environ, "LOANWHY_VAR": str(tmp_path), "LOANWHY_RETENTION_DAYS": "soon", "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-m", "loanwhy.cli", "forget-older"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert out.returncode == 2 and "LOANWHY_RETENTION_DAYS" in out.stderr


def raw_bytes(path: Path) -> bytes:
    """The database file and its WAL as they lie on disk (what a copy of the disk would show)."""
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


@pytest.mark.parametrize("sender", ["rest:erase-me", "wechat:erase-me"])
def test_forget_user_leaves_no_trace_in_the_files_or_their_wal(tmp_path: Path, sender: str) -> None:
    """Deleted rows stay readable in free pages and in the -wal file unless the erasure overwrites
    them (secure_delete) and truncates the WAL (checkpoint): the servers keep connections open,
    so the WAL is never removed on its own."""
    marker = "尾号 5831 9247 的那张卡".encode()  # not a full number: stored as typed
    s = Stores(tracker=tmp_path / "tracker.db", app=tmp_path / "app.sqlite", wechat=tmp_path / "wechat.sqlite")
    keep = []  # a running server's connections: WAL mode, open throughout
    for path in (s.tracker, s.app):
        con = sqlite3.connect(path, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        keep.append(con)
    keep[0].execute(EVENTS)
    keep[0].execute("PRAGMA wal_checkpoint(TRUNCATE)")  # older data already in the main file ...
    for i in range(30):
        keep[0].execute(
            "insert into events (sender_id, type_name, timestamp, data) values (?, 'user', ?, ?)",
            (sender, NOW + i, json.dumps({"text": marker.decode() + str(i)}, ensure_ascii=False)),
        )
        keep[0].execute(
            "insert into events (sender_id, type_name, timestamp, data) values ('other', 'user', ?, ?)",
            (NOW + i, json.dumps({"text": "另一个人的话"}, ensure_ascii=False)),
        )
        if i == 15:
            keep[0].execute("PRAGMA wal_checkpoint(PASSIVE)")  # ... and newer data only in the WAL
    keep[1].execute("create table cases (id integer primary key, sender_id text, said text, created_at float)")
    keep[1].execute("insert into cases (sender_id, said, created_at) values (?, ?, ?)", (sender, marker.decode(), NOW))
    store = Store(s.wechat)
    store.hold(sender, marker.decode())
    assert all(marker in raw_bytes(p) for p in (s.tracker, s.app, s.wechat))

    retention.forget_user(sender, stores=s)

    for path in (s.tracker, s.app, s.wechat):
        assert marker not in raw_bytes(path), path
    assert senders(s.tracker) == {"other"}
    store.close()
    for con in keep:
        con.close()
