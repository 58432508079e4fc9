"""loanwhy.events on SQLite files: the one reader (and eraser) of Rasa's `events` table.

The same behaviour on PostgreSQL is checked by tests/cluster/test_events_postgres.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from loanwhy import events, stats
from staff import transcript

# Rasa 3.6's SQLTrackerStore.SQLEvent as SQLite gets it (also in tests/reliability/test_retention.py)
EVENTS = """create table events (id integer primary key, sender_id varchar(255) not null,
  type_name varchar(255) not null, timestamp float, intent_name varchar(255), action_name varchar(255), data text)"""
T0 = 1_700_000_000.0


def add(path: Path, sender: str, kind: str, at: float, data: dict[str, Any] | str, intent: str | None = None) -> None:
    con = sqlite3.connect(path)
    with con:
        con.execute(EVENTS.replace("create table", "create table if not exists"))
        raw = data if isinstance(data, str) else json.dumps({"event": kind, "timestamp": at, **data})
        con.execute(
            "insert into events (sender_id, type_name, timestamp, intent_name, data) values (?, ?, ?, ?, ?)",
            (sender, kind, at, intent, raw),
        )
    con.close()


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    path = tmp_path / "tracker.db"
    add(path, "a", "action", T0, {"name": "action_session_start"})
    add(path, "a", "user", T0 + 1, {"text": "我被拒了"}, intent="describe_situation")
    add(path, "a", "bot", T0 + 2, {"text": "请说说"})
    add(path, "b", "user", T0 + 3, {"text": "别人的话"}, intent="nlu_fallback")
    add(path, "a", "user", T0 + 4, {"text": "啊啊"}, intent="nlu_fallback")
    add(path, "a", "bot", T0 + 5, {"text": "我是客服", "metadata": {"staff": "amy"}})
    return path


def test_a_conversation_is_its_user_and_bot_events_oldest_first(db: Path) -> None:
    got = events.conversation("a", db)
    assert [(e.type_name, e.timestamp, e.data.get("text")) for e in got] == [
        ("user", T0 + 1, "我被拒了"),
        ("bot", T0 + 2, "请说说"),
        ("user", T0 + 4, "啊啊"),
        ("bot", T0 + 5, "我是客服"),
    ]
    assert got[-1].data["metadata"] == {"staff": "amy"}
    assert [e.type_name for e in events.conversation("a", db, types=("action",))] == ["action"]
    assert events.conversation("nobody", db) == []


def test_limit_keeps_the_latest_events(db: Path) -> None:
    assert [e.timestamp for e in events.conversation("a", db, limit=2)] == [T0 + 4, T0 + 5]


def test_unreadable_event_json_reads_as_empty_data(db: Path) -> None:
    add(db, "c", "user", T0, "{not json")
    add(db, "c", "user", T0 + 1, '["a list"]')
    assert [e.data for e in events.conversation("c", db)] == [{}, {}]


def test_user_messages_are_counted_in_a_half_open_window(db: Path) -> None:
    assert events.count_user_messages(T0, T0 + 10, "nlu_fallback", db) == events.MessageCounts(2, 3, 2)
    # start is in the window, end is not; bot and action rows never count
    assert events.count_user_messages(T0 + 1, T0 + 4, "nlu_fallback", db) == events.MessageCounts(2, 2, 1)
    assert events.count_user_messages(T0 + 10, T0 + 20, "nlu_fallback", db) == events.MessageCounts(0, 0, 0)
    assert events.count_user_messages(T0, T0 + 10, "describe_situation", db) == events.MessageCounts(2, 3, 1)


def test_idle_senders_are_those_whose_last_event_is_before_the_cutoff(db: Path) -> None:
    assert events.idle_senders(T0 + 4, db) == ["b"]  # a spoke again at T0 + 4
    assert events.idle_senders(T0 + 6, db) == ["a", "b"]
    assert events.idle_senders(T0, db) == []


def test_erase_deletes_exactly_the_given_conversations(db: Path) -> None:
    add(db, "n%", "user", T0, {"text": "x"})
    assert events.erase(["n%"], db) == 1  # an id, not a pattern
    assert events.erase(["_", "%"], db) == 0
    assert events.erase([], db) == 0
    assert events.erase(["a", "a"], db) == 5
    assert events.idle_senders(T0 + 100, db) == ["b"]


def test_erase_handles_more_ids_than_one_statement_takes(tmp_path: Path) -> None:
    path = tmp_path / "tracker.db"
    con = sqlite3.connect(path)
    con.execute(EVENTS)
    senders = [f"s{i}" for i in range(2 * events.CHUNK + 3)]
    con.executemany(
        "insert into events (sender_id, type_name, timestamp) values (?, 'user', 1)", [(s,) for s in senders]
    )
    con.commit()
    con.close()
    assert events.erase(senders[1:], path) == len(senders) - 1
    assert events.idle_senders(2, path) == ["s0"]


def test_a_store_with_no_conversation_yet_reads_as_empty(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    assert events.conversation("a", missing) == []
    assert events.count_user_messages(0, T0, "nlu_fallback", missing) is None
    assert events.idle_senders(T0, missing) == []
    assert events.erase(["a"], missing) == 0
    assert not missing.exists()  # never created
    no_table = tmp_path / "empty.db"
    sqlite3.connect(no_table).execute("create table other (x)").connection.close()
    assert events.conversation("a", no_table) == [] and events.idle_senders(T0, no_table) == []
    assert events.count_user_messages(0, T0, "nlu_fallback", no_table) is None
    assert events.erase(["a"], no_table) == 0


def test_a_broken_store_is_an_error_not_an_empty_result(tmp_path: Path) -> None:
    garbage = tmp_path / "tracker.db"
    garbage.write_bytes(b"this is not an SQLite database" * 100)
    with pytest.raises(events.EventStoreError, match="tracker.db"):
        events.conversation("a", garbage)
    with pytest.raises(events.EventStoreError):
        events.erase(["a"], garbage)
    with pytest.raises(events.EventStoreError, match="not an SQLAlchemy URL"):
        events.conversation("a", "://nowhere")
    with pytest.raises(events.EventStoreError, match="nonsense"):
        events.conversation("a", "nonsense://host/db")


def test_an_unreachable_server_is_an_error_that_hides_the_password() -> None:
    url = "postgresql://rasa:s3cret-pw@127.0.0.1:1/rasa"  # port 1: connection refused at once
    with pytest.raises(events.EventStoreError) as err:
        events.count_user_messages(0, T0, "nlu_fallback", url)
    assert "127.0.0.1" in str(err.value) and "s3cret-pw" not in str(err.value)


def test_an_sqlite_url_is_the_same_file(db: Path) -> None:
    url = f"sqlite:///{db}"
    assert events.conversation("a", url) == events.conversation("a", db)
    assert events.erase(["b"], url) == 1
    assert events.idle_senders(T0 + 100, db) == ["a"]
    with pytest.raises(events.EventStoreError, match="must be a file"):
        events.conversation("a", "sqlite://")


def test_location_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOANWHY_VAR", str(tmp_path))
    monkeypatch.delenv("LOANWHY_TRACKER_URL", raising=False)
    assert events.location() == tmp_path / "tracker.db"
    assert events.location({"LOANWHY_TRACKER_URL": " postgresql://u@h/rasa "}) == "postgresql://u@h/rasa"
    assert events.location({"LOANWHY_TRACKER_URL": ""}) == tmp_path / "tracker.db"


def test_transcript_and_weekly_figures_read_the_store_the_environment_names(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the staff console and the figures find a non-default store (PostgreSQL in ops/cluster/) the same way
    monkeypatch.setenv("LOANWHY_VAR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("LOANWHY_TRACKER_URL", f"sqlite:///{db}")
    assert [m["who"] for m in transcript.read("a")] == ["user", "bot", "user", "staff"]
    monday = stats.week_start(datetime.fromtimestamp(T0).date())
    add(db, "a", "user", stats._epoch(monday), {"text": "周一"}, intent="nlu_fallback")
    week = stats.weekly(monday, path=tmp_path / "app.sqlite")
    assert (week.conversations, week.user_messages, week.fallbacks) == (2, 4, 3)
    monkeypatch.delenv("LOANWHY_TRACKER_URL")
    assert transcript.read("a") == []  # the default file does not exist under that LOANWHY_VAR
    assert stats.weekly(monday, path=tmp_path / "app.sqlite").conversations is None


def test_transcript_and_figures_log_a_broken_store(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    garbage = tmp_path / "tracker.db"
    garbage.write_bytes(b"x" * 4096)
    with caplog.at_level(logging.WARNING):
        assert transcript.read("a", garbage) == []
        assert stats.weekly(date(2024, 5, 6), path=tmp_path / "app.sqlite", tracker=garbage).fallbacks is None
    assert {"staff.transcript", "loanwhy.stats"} <= {r.name for r in caplog.records if r.levelno == logging.WARNING}


def test_rows_rasa_writes_are_read_back(tmp_path: Path) -> None:
    # the schema assumed above is Rasa's own: its SQLTrackerStore writes, loanwhy.events reads
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    path = tmp_path / "tracker.db"
    store = SQLTrackerStore(Domain.empty(), db=str(path))
    tracker = DialogueStateTracker("rest:x", [])
    tracker.update(UserUttered("听不懂的话", intent={"name": "nlu_fallback", "confidence": 0.2}, timestamp=T0))
    tracker.update(ActionExecuted("utter_default", timestamp=T0 + 1))
    tracker.update(BotUttered("没明白", metadata={"staff": "amy"}, timestamp=T0 + 2))
    asyncio.run(store.save(tracker))
    store.engine.dispose()
    assert [(e.type_name, e.data["text"]) for e in events.conversation("rest:x", path)] == [
        ("user", "听不懂的话"),
        ("bot", "没明白"),
    ]
    assert [m["who"] for m in transcript.read("rest:x", path)] == ["user", "staff"]
    assert events.count_user_messages(T0, T0 + 1, "nlu_fallback", path) == events.MessageCounts(1, 1, 1)
    assert events.idle_senders(T0 + 3, path) == ["rest:x"]
    assert events.erase(["rest:x"], path) == 3
