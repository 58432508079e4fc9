"""Retention: forget old conversations, and everything about one user on request.

The privacy behaviour (README, "Privacy"): a conversation whose last event is
older than LOANWHY_RETENTION_DAYS (default 180) is deleted as a whole from the
tracker store, with its rows in the app database (case log, handoffs,
feedback) and the WeChat store; app rows that are themselves older than the
limit go too. Users who unsubscribed on WeChat (`deletion_marks`) are
forgotten on the next run whatever their age. Staff tables (accounts,
sessions, audit log) hold no conversation id and are never touched.

Plain module (no Rasa): SQLite files by default; the tracker store is read and erased
through loanwhy/events.py, so it is wherever Rasa's endpoints file says (an SQLite file, or
PostgreSQL in ops/cluster/), or the SQLAlchemy URL in LOANWHY_TRACKER_URL.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from loanwhy import events, paths, store
from loanwhy.store import truncate_wal

DEFAULT_DAYS = 180.0
DAY_S = 86400.0

# table → (conversation id column, time column); only tables keyed by a conversation
APP_TABLES: dict[str, tuple[str, str]] = {
    "cases": ("sender_id", "created_at"),
    "handoffs": ("sender_id", "updated_at"),
    "feedback": ("conversation_id", "created_at"),
    "socketio_outbox": ("session_id", "created_at"),
}
# WeChat store tables keyed by "<channel>:<sender id>" and their time column
WECHAT_TABLES: dict[str, str] = {"seen": "at", "buttons": "at", "held": "at", "quota": "window_start"}


class RetentionError(ValueError):
    """A setting or argument that retention cannot work with."""


@dataclass
class Counts:
    """Rows deleted, per store and table (e.g. {"tracker.events": 12, "app.cases": 1})."""

    deleted: dict[str, int] = field(default_factory=dict)
    senders: int = 0  # conversations forgotten

    def add(self, key: str, n: int) -> None:
        if n:
            self.deleted[key] = self.deleted.get(key, 0) + n

    @property
    def total(self) -> int:
        return sum(self.deleted.values())


def retention_days(env: dict[str, str] | None = None) -> float:
    """LOANWHY_RETENTION_DAYS, else 180; a value that is not a positive number is an error."""
    raw = (env if env is not None else os.environ).get("LOANWHY_RETENTION_DAYS", "")
    if not raw.strip():
        return DEFAULT_DAYS
    try:
        days = float(raw)
    except ValueError:
        raise RetentionError(f"LOANWHY_RETENTION_DAYS must be a number of days, not {raw!r}") from None
    if not days > 0:
        raise RetentionError("LOANWHY_RETENTION_DAYS must be more than 0")
    return days


def tracker_location() -> Path | str:
    """The tracker store Rasa writes (loanwhy.events.location: endpoints.yml, LOANWHY_TRACKER_URL)."""
    try:
        return events.location()
    except events.EventStoreError as exc:
        raise RetentionError(str(exc)) from exc


def wechat_db_path() -> Path:
    """Same file as the WeChat channel uses (loanwhy.paths.wechat_db)."""
    return paths.wechat_db()


@dataclass(frozen=True)
class Stores:
    """Where the data lives; defaults follow the runtime folder and the environment."""

    tracker: Path | str = field(default_factory=lambda: tracker_location())  # file or SQLAlchemy URL
    app: Path = field(default_factory=paths.app_db)
    wechat: Path = field(default_factory=wechat_db_path)


# -- connections --------------------------------------------------------------


@contextmanager
def _sqlite(path: Path) -> Iterator[sqlite3.Connection | None]:
    """An existing SQLite file in one transaction (None if the file does not exist).

    Erasure must erase: deletes overwrite the freed bytes (secure_delete), and after the commit
    the WAL is copied back and truncated, since deleted rows' old page images stay in the -wal
    file as long as any server keeps the database open."""
    if not Path(path).exists():
        yield None
        return
    con = store.connect(path, secure_delete=True)
    try:
        with con:
            yield con
        checkpoint(con, path)
    finally:
        con.close()


def checkpoint(con: sqlite3.Connection, path: Path | str) -> None:
    """Copy the WAL into the database and truncate it; a busy result is retried, then an error
    (an erasure that left the old pages in the -wal file must not report success)."""
    if not truncate_wal(con):
        raise RetentionError(f"{path}: the WAL could not be truncated (a long transaction holds it); run again")


def _tables(con: sqlite3.Connection) -> set[str]:
    return {r[0] for r in con.execute("select name from sqlite_master where type = 'table'")}


def _columns(con: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in con.execute(f'pragma table_info("{table}")')}


def _chunks(items: list[str], size: int = 500) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# -- tracker store (loanwhy/events.py: SQLite file or SQLAlchemy URL) -------------


def stale_senders(tracker: Path | str, cutoff: float) -> list[str]:
    """Conversations whose last event is before the cutoff (epoch seconds)."""
    try:
        return events.idle_senders(cutoff, tracker)
    except events.EventStoreError as exc:
        raise RetentionError(str(exc)) from exc


def _delete_tracker(tracker: Path | str, senders: list[str]) -> int:
    try:
        return events.erase(senders, tracker)
    except events.EventStoreError as exc:
        raise RetentionError(str(exc)) from exc


# -- app database and WeChat store --------------------------------------------


def _delete_app(path: Path, senders: list[str], cutoff: float | None, counts: Counts) -> None:
    with _sqlite(path) as con:
        if con is None:
            return
        present = _tables(con)
        for table, (who, when) in APP_TABLES.items():
            if table not in present or who not in _columns(con, table):
                continue
            for chunk in _chunks(senders):
                marks = ", ".join("?" * len(chunk))
                counts.add(f"app.{table}", con.execute(f"delete from {table} where {who} in ({marks})", chunk).rowcount)
            if cutoff is not None and when in _columns(con, table):
                counts.add(f"app.{table}", con.execute(f"delete from {table} where {when} < ?", [cutoff]).rowcount)


def marked_senders(path: Path) -> list[str]:
    """Senders the WeChat channel marked for deletion (they unsubscribed)."""
    with _sqlite(path) as con:
        if con is None or "deletion_marks" not in _tables(con):
            return []
        return [str(r[0]) for r in con.execute("select user from deletion_marks order by marked_at")]


def _delete_wechat(path: Path, senders: list[str], cutoff: float | None, counts: Counts) -> None:
    """Rows are keyed '<channel>:<OpenID>', which is the conversation id ('wechat:<OpenID>',
    loanwhy/conversations.py); a bare OpenID (a conversation stored before ids were namespaced)
    matches the part after the colon (a channel name has no colon). Marks by the conversation id."""
    with _sqlite(path) as con:
        if con is None:
            return
        present = _tables(con)
        for table, when in WECHAT_TABLES.items():
            if table not in present:
                continue
            for chunk in _chunks(senders):
                marks = ", ".join("?" * len(chunk))
                sql = f"delete from {table} where user in ({marks}) or substr(user, instr(user, ':') + 1) in ({marks})"
                counts.add(f"wechat.{table}", con.execute(sql, chunk + chunk).rowcount)
            if cutoff is not None:
                counts.add(f"wechat.{table}", con.execute(f"delete from {table} where {when} < ?", [cutoff]).rowcount)
        if "deletion_marks" in present:
            for chunk in _chunks(senders):
                marks = ", ".join("?" * len(chunk))
                sql = f"delete from deletion_marks where user in ({marks})"
                counts.add("wechat.deletion_marks", con.execute(sql, chunk).rowcount)


# -- the two operations -------------------------------------------------------


def _forget(senders: list[str], stores: Stores, cutoff: float | None) -> Counts:
    counts = Counts(senders=len(senders))
    counts.add("tracker.events", _delete_tracker(stores.tracker, senders))
    _delete_app(stores.app, senders, cutoff, counts)
    _delete_wechat(stores.wechat, senders, cutoff, counts)
    return counts


def forget_user(sender_id: str, stores: Stores | None = None) -> Counts:
    """Delete everything stored about one conversation id (a right-to-erasure request).

    Ids are namespaced per channel (loanwhy/conversations.py): `rest:<sender>`,
    `wechat:<OpenID>`, `wecom:<UserID>`, or a widget's signed id as it is."""
    if not isinstance(sender_id, str) or not sender_id.strip():
        raise RetentionError("a non-empty sender id is required")
    return _forget([sender_id], stores or Stores(), cutoff=None)


def forget_older(days: float | None = None, stores: Stores | None = None, now: float | None = None) -> Counts:
    """Delete conversations idle for more than `days` (default: the setting), and marked users."""
    days = retention_days() if days is None else days
    if not days > 0:
        raise RetentionError("days must be more than 0")
    stores = stores or Stores()
    cutoff = (time.time() if now is None else now) - days * DAY_S
    senders = sorted(set(stale_senders(stores.tracker, cutoff)) | set(marked_senders(stores.wechat)))
    return _forget(senders, stores, cutoff)
