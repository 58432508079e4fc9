"""Rasa's SQL tracker store, without rebuilding every tracker from the database.

Stock `SQLTrackerStore` reads and replays a conversation's events on every
message and counts them again on every save; with SQLite it also opens a new
connection each time. This store keeps the trackers it has just saved (LRU,
`cache_size` conversations) and:

- checks before reusing one that the database still holds exactly what it wrote
  (count and last id of the conversation's rows), so a conversation deleted by
  `python -m loanwhy.cli forget-user`, or written by another process, is read again;
- drops a tracker that was changed but not saved (a turn that failed half-way);
- writes only the new events, in one transaction per save, as before: nothing is
  acknowledged that is not in the database;
- for SQLite, keeps pooled connections with WAL and a busy timeout, and drops one
  whose file was moved or replaced (channels/health.py then reports the store broken).

Conversations are processed under Rasa's lock store, so one tracker object is never
used by two turns at once.
"""

from __future__ import annotations

import itertools
import json
import os
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

Stamp = tuple[int, int]  # rows of the conversation, highest row id


@dataclass
class _Entry:
    tracker: DialogueStateTracker
    stored: int  # how many of tracker.events are in the database
    stamp: Stamp


def _inode(path: str) -> int | None:
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


def _watch_sqlite_file(engine: sa.engine.Engine, path: str) -> None:
    """WAL and a busy timeout on each connection; a pooled connection whose file was moved,
    deleted or replaced is dropped, so the next use opens the path again and fails loudly
    instead of writing into a file nobody will read."""

    def on_connect(dbapi_connection: Any, record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
        record.info["inode"] = _inode(path)

    def on_checkout(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if _inode(path) != record.info.get("inode"):
            raise sa.exc.DisconnectionError(f"{path} was moved or replaced")

    sa.event.listen(engine, "connect", on_connect)
    sa.event.listen(engine, "checkout", on_checkout)


class CachedSQLTrackerStore(SQLTrackerStore):
    def __init__(self, domain: Any = None, cache_size: int = 1000, **kwargs: Any) -> None:
        super().__init__(domain=domain, **kwargs)
        engine: sa.engine.Engine = self.engine  # type: ignore[has-type]
        if engine.dialect.name == "sqlite":
            url = engine.url
            engine.dispose()
            self.engine = sa.create_engine(
                url,
                poolclass=sa.pool.QueuePool,
                pool_size=2,
                max_overflow=8,
                connect_args={"check_same_thread": False, "timeout": 30},
            )
            _watch_sqlite_file(self.engine, str(url.database))
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self.cache_size = max(1, int(cache_size))
        self._cache: OrderedDict[str, _Entry] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def _stamp(self, sender_id: str) -> Stamp:
        events = self.SQLEvent.__table__
        query = sa.select(sa.func.count(events.c.id), sa.func.max(events.c.id)).where(events.c.sender_id == sender_id)
        with self.engine.connect() as conn:
            count, last = conn.execute(query).one()
        return int(count or 0), int(last or 0)

    def _remember(self, tracker: DialogueStateTracker, stamp: Stamp) -> None:
        self._cache[tracker.sender_id] = _Entry(tracker, len(tracker.events), stamp)
        self._cache.move_to_end(tracker.sender_id)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        stamp = self._stamp(sender_id)
        entry = self._cache.get(sender_id)
        if entry is not None and entry.stamp == stamp and len(entry.tracker.events) == entry.stored:
            self._cache.move_to_end(sender_id)
            self.hits += 1
            return entry.tracker
        self.misses += 1
        self._cache.pop(sender_id, None)
        if stamp[0] == 0:
            return None
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            self._remember(tracker, stamp)
        return tracker

    def _row(self, sender_id: str, event: Any) -> Any:
        data = event.as_dict()
        return self.SQLEvent(
            sender_id=sender_id,
            type_name=event.type_name,
            timestamp=data.get("timestamp"),
            intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            action_name=data.get("name"),
            data=json.dumps(data),
        )

    async def save(self, tracker: DialogueStateTracker) -> None:
        entry = self._cache.get(tracker.sender_id)
        if entry is None or entry.tracker is not tracker:
            self._cache.pop(tracker.sender_id, None)
            await super().save(tracker)
            self._remember(tracker, self._stamp(tracker.sender_id))
            return
        new = list(itertools.islice(tracker.events, entry.stored, None))
        if self.event_broker is not None:  # stream_events() would diff against this same object
            await self._stream_new_events(self.event_broker, new, tracker.sender_id)
        if new:
            with self.session_scope() as session:
                rows = [self._row(tracker.sender_id, event) for event in new]
                session.add_all(rows)
                session.flush()
                last_id = int(rows[-1].id)
                session.commit()
            entry.stamp = (entry.stamp[0] + len(rows), last_id)
        entry.stored = len(tracker.events)
        if any(isinstance(event, SessionStarted) for event in new):
            self._cache.pop(tracker.sender_id, None)  # read back as the new session only
