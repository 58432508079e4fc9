"""trackers.cached_sql: the cache never serves what the database no longer holds."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy.exc
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from trackers.cached_sql import CachedSQLTrackerStore


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    return tmp_path / "tracker.db"


def store(db: Path, **kwargs: int) -> CachedSQLTrackerStore:
    return CachedSQLTrackerStore(Domain.empty(), db=str(db), **kwargs)


def turn(s: SQLTrackerStore, sender: str, text: str) -> DialogueStateTracker:
    """One message as Rasa handles it: retrieve or create, add events, save."""
    tracker = run(s.retrieve(sender)) or DialogueStateTracker(sender, [])
    tracker.update(UserUttered(text))
    tracker.update(ActionExecuted("utter_x"))
    tracker.update(BotUttered(f"re: {text}"))
    tracker.update(ActionExecuted("action_listen"))
    run(s.save(tracker))
    return tracker


def texts(tracker: DialogueStateTracker | None) -> list[str]:
    return [e.text for e in (tracker.events if tracker else []) if isinstance(e, UserUttered)]


def test_turns_are_served_from_the_cache_and_stored_once(db: Path) -> None:
    cached = store(db)
    for text in ("一", "二", "三"):
        turn(cached, "u1", text)
    assert cached.hits == 2
    plain = SQLTrackerStore(Domain.empty(), db=str(db))
    assert texts(run(plain.retrieve("u1"))) == ["一", "二", "三"]
    rows = sqlite3.connect(db).execute("select count(*) from events where sender_id='u1'").fetchone()[0]
    assert rows == 12


def test_a_deleted_conversation_is_not_served_from_memory(db: Path) -> None:
    cached = store(db)
    turn(cached, "u1", "我的故事")
    con = sqlite3.connect(db)
    con.execute("delete from events where sender_id='u1'")
    con.commit()
    assert run(cached.retrieve("u1")) is None
    turn(cached, "u1", "新的开始")
    assert texts(run(SQLTrackerStore(Domain.empty(), db=str(db)).retrieve("u1"))) == ["新的开始"]


def test_events_written_by_another_process_are_read(db: Path) -> None:
    cached = store(db)
    turn(cached, "u1", "一")
    turn(SQLTrackerStore(Domain.empty(), db=str(db)), "u1", "二")
    assert texts(run(cached.retrieve("u1"))) == ["一", "二"]


def test_a_tracker_changed_but_not_saved_is_read_again(db: Path) -> None:
    cached = store(db)
    tracker = turn(cached, "u1", "一")
    tracker.update(UserUttered("never saved"))
    assert texts(run(cached.retrieve("u1"))) == ["一"]


def test_the_cache_is_bounded(db: Path) -> None:
    cached = store(db, cache_size=2)
    for sender in ("a", "b", "c"):
        turn(cached, sender, "hi")
    assert len(cached._cache) == 2
    assert texts(run(cached.retrieve("a"))) == ["hi"]


def test_sqlite_runs_in_wal_mode(db: Path) -> None:
    turn(store(db), "u1", "一")
    assert sqlite3.connect(db).execute("pragma journal_mode").fetchone()[0] == "wal"


def test_new_events_reach_the_event_broker(db: Path) -> None:
    published: list[dict] = []

    class Broker:
        def publish(self, event: dict) -> None:
            published.append(event)

    cached = store(db)
    cached.event_broker = Broker()  # type: ignore[assignment]
    turn(cached, "u1", "一")
    turn(cached, "u1", "二")
    assert [e["text"] for e in published if e["event"] == "user"] == ["一", "二"]


def test_a_replaced_database_file_fails_loudly(db: Path) -> None:
    cached = store(db)
    turn(cached, "u1", "一")
    db.rename(db.with_suffix(".moved"))
    db.mkdir()  # what the health test does: the path can no longer be opened
    with pytest.raises(sqlalchemy.exc.SQLAlchemyError):
        turn(cached, "u2", "二")
