"""Conversation events in Rasa's tracker store: the one place that reads (and erases) them.

Rasa's SQL tracker store keeps each event as one row of a table `events` (Rasa 3.6: id,
sender_id, type_name, timestamp, intent_name, action_name, data = the event as JSON), the
same on SQLite and on PostgreSQL. The staff transcript, the weekly figures and retention all
go through this module, on SQLAlchemy Core (already a dependency of Rasa), so a PostgreSQL
store (ops/cluster/) is read exactly like the SQLite file.

Where the store is: the `tracker_store` of the endpoints file Rasa runs with (loanwhy/endpoints.py:
endpoints.yml, or the file LOANWHY_ENDPOINTS names; an SQLite file or a database server), unless
LOANWHY_TRACKER_URL (an SQLAlchemy URL, e.g. postgresql://user@host/rasa) says otherwise. An SQLite
file is opened read-only to read and never created. A store with no conversation yet (no file, no `events` table) reads as empty;
one that exists but cannot be read raises EventStoreError.

Plain module: no Rasa import.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa

from loanwhy import endpoints
from loanwhy.store import BUSY_TIMEOUT_S, SECURE_DELETE, truncate_wal

Store = endpoints.Store  # an SQLite file, or an SQLAlchemy URL

CONNECT_TIMEOUT_S = 5
CHUNK = 500  # ids per `in (...)`: below SQLite's and PostgreSQL's parameter limits

# Rasa 3.6's SQLTrackerStore.SQLEvent, as far as this module reads it
TABLE = sa.Table(
    "events",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)


class EventStoreError(RuntimeError):
    """The tracker store exists but could not be read or changed (server down, file damaged, ...)."""


@dataclass(frozen=True)
class Event:
    type_name: str  # 'user', 'bot', 'action', ...
    timestamp: float
    data: dict[str, Any]  # the event as Rasa stored it; {} when the JSON is unreadable


@dataclass(frozen=True)
class MessageCounts:
    conversations: int  # distinct conversations with a user message
    messages: int  # user messages
    with_intent: int  # of which classified as the intent asked about


def location(env: Mapping[str, str] | None = None) -> Store:
    """LOANWHY_TRACKER_URL, else the tracker store of the endpoints file; `env` over the process's."""
    url = (env if env is not None else os.environ).get("LOANWHY_TRACKER_URL", "").strip()
    if url:
        return url
    try:
        return endpoints.tracker_store(env=env)
    except endpoints.EndpointsError as exc:
        raise EventStoreError(f"where the tracker store is: {exc}") from None


def describe(store: Store) -> str:
    """The store for a message or a log line, without its password."""
    if isinstance(store, str) and "://" in store:
        try:
            return sa.engine.make_url(store).render_as_string(hide_password=True)
        except sa.exc.ArgumentError:
            return "an unreadable tracker store URL"
    return str(store)


def _sqlite_file(store: Store) -> Path | None:
    """The file of an SQLite store (a path, or an sqlite:/// URL); None for a database server."""
    if not (isinstance(store, str) and "://" in store):
        return Path(store)
    try:
        url = sa.engine.make_url(store)
    except sa.exc.ArgumentError as exc:
        raise EventStoreError(f"the tracker store URL is not an SQLAlchemy URL: {exc}") from None
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise EventStoreError("an SQLite tracker store must be a file")
    return Path(url.database)


def _sqlite_engine(path: Path, write: bool) -> sa.engine.Engine:
    """Opened with mode=ro / rw, so a missing file is an error, never a new empty database.
    Writes overwrite what they free (secure_delete): an erasure must erase."""
    uri = f"file:{quote(str(path.resolve()))}?mode={'rw' if write else 'ro'}"

    def connect() -> sqlite3.Connection:
        con = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
        if write:
            con.execute(SECURE_DELETE)
        return con

    return sa.create_engine("sqlite://", creator=connect, poolclass=sa.pool.NullPool, future=True)


def _engine(store: Store, write: bool) -> sa.engine.Engine | None:
    """An engine for the store; None when it is an SQLite file that does not exist."""
    path = _sqlite_file(store)
    if path is not None:
        return _sqlite_engine(path, write) if path.exists() else None
    connect_args = {"connect_timeout": CONNECT_TIMEOUT_S} if str(store).startswith("postgres") else {}
    return sa.create_engine(str(store), poolclass=sa.pool.NullPool, future=True, connect_args=connect_args)


@contextmanager
def _connect(store: Store | None, write: bool = False) -> Iterator[sa.engine.Connection | None]:
    """A connection to the store, or None when it holds no conversation yet (no file, no table)."""
    target = location() if store is None else store
    try:
        engine = _engine(target, write)
        if engine is None:
            yield None
            return
        try:
            with engine.connect() as conn:
                yield conn if sa.inspect(conn).has_table(TABLE.name) else None
        finally:
            engine.dispose()
    except sa.exc.SQLAlchemyError as exc:
        raise EventStoreError(f"tracker store {describe(target)}: {exc.__class__.__name__}: {exc}") from exc


def _json(data: str | None) -> dict[str, Any]:
    try:
        event = json.loads(data or "{}")
    except json.JSONDecodeError:
        return {}
    return event if isinstance(event, dict) else {}


def conversation(
    sender_id: str, store: Store | None = None, types: Sequence[str] = ("user", "bot"), limit: int = 2000
) -> list[Event]:
    """The last `limit` events of these types in one conversation, oldest first."""
    with _connect(store) as conn:
        if conn is None:
            return []
        query = (
            sa.select(TABLE.c.type_name, TABLE.c.timestamp, TABLE.c.data)
            .where(TABLE.c.sender_id == sender_id, TABLE.c.type_name.in_(list(types)))
            .order_by(TABLE.c.id.desc())
            .limit(limit)
        )
        rows = conn.execute(query).all()
    return [Event(str(kind), float(at or 0), _json(data)) for kind, at, data in reversed(rows)]


def count_user_messages(start: float, end: float, intent: str, store: Store | None = None) -> MessageCounts | None:
    """User messages with start <= timestamp < end (epoch seconds); None when there is no store yet."""
    with _connect(store) as conn:
        if conn is None:
            return None
        query = sa.select(
            sa.func.count(sa.distinct(TABLE.c.sender_id)),
            sa.func.count(),
            sa.func.sum(sa.case((TABLE.c.intent_name == intent, 1), else_=0)),
        ).where(TABLE.c.type_name == "user", TABLE.c.timestamp >= start, TABLE.c.timestamp < end)
        conversations, messages, with_intent = conn.execute(query).one()
    return MessageCounts(int(conversations or 0), int(messages or 0), int(with_intent or 0))


def idle_senders(cutoff: float, store: Store | None = None) -> list[str]:
    """Conversations whose last event is before the cutoff (epoch seconds)."""
    with _connect(store) as conn:
        if conn is None:
            return []
        query = (
            sa.select(TABLE.c.sender_id)
            .group_by(TABLE.c.sender_id)
            .having(sa.func.max(TABLE.c.timestamp) < cutoff)
            .order_by(TABLE.c.sender_id)
        )
        return [str(sender) for sender in conn.execute(query).scalars()]


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def erase(senders: Iterable[str], store: Store | None = None) -> int:
    """Delete every event of these conversations (exact ids, no patterns); the rows deleted.

    On SQLite the freed pages are overwritten and, after the commit, the WAL is copied back and
    truncated: a running Rasa keeps the file open, so old page images would stay in -wal."""
    ids = sorted(set(senders))
    if not ids:
        return 0
    target = location() if store is None else store
    with _connect(target, write=True) as conn:
        if conn is None:
            return 0
        deleted = 0
        for chunk in _chunks(ids):
            deleted += int(conn.execute(TABLE.delete().where(TABLE.c.sender_id.in_(chunk))).rowcount or 0)
        conn.commit()
        path = _sqlite_file(target)
        if path is not None and not truncate_wal(conn.connection.dbapi_connection):
            raise EventStoreError(f"{path}: the WAL could not be truncated (a long transaction holds it); run again")
    return deleted
