"""A conversation lock store in one SQLite file, shared by several Rasa worker processes.

Rasa processes the messages of one conversation one at a time by handing out
tickets (rasa.core.lock.TicketLock). Its in-memory store only works inside one
process, and Redis is one more service to run. Here the locks live in a small
SQLite table; every read-modify-write of a lock (issue a ticket, drop expired
ones, finish serving, clean up) runs in one `BEGIN IMMEDIATE` transaction, so two
workers never hand out the same ticket or lose each other's.

Used with SANIC_WORKERS > 1 (scripts/run.sh, RASA_WORKERS; the file is locks.sqlite in
the runtime folder, LOANWHY_VAR); one worker keeps Rasa's in-memory store.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore

from loanwhy import paths, store

SCHEMA = "create table if not exists locks (conversation_id text primary key, data text not null)"


def _locks(db: sqlite_utils.Database) -> None:
    db.execute(SCHEMA)


MIGRATIONS: list[store.Migration] = [("0001_locks", _locks)]


class SQLiteLockStore(LockStore):
    def __init__(self, endpoint_config: Any = None, db: str | None = None) -> None:
        kwargs = getattr(endpoint_config, "kwargs", None) or {}
        self.path = Path(db or kwargs.get("db") or paths.locks_db())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        store.migrate(sqlite_utils.Database(self._connection()), MIGRATIONS)
        super().__init__()

    def _connection(self) -> sqlite3.Connection:
        con: sqlite3.Connection | None = getattr(self._local, "con", None)
        if con is None:
            con = store.connect(self.path, autocommit=True)  # transactions are explicit here
            self._local.con = con
        return con

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        con = self._connection()
        con.execute("begin immediate")
        try:
            yield con
        except BaseException:
            con.execute("rollback")
            raise
        con.execute("commit")

    @staticmethod
    def _read(con: sqlite3.Connection, conversation_id: str) -> TicketLock | None:
        row = con.execute("select data from locks where conversation_id = ?", (conversation_id,)).fetchone()
        if row is None:
            return None
        return TicketLock.from_dict(json.loads(row[0]))

    @staticmethod
    def _write(con: sqlite3.Connection, lock: TicketLock) -> None:
        con.execute(
            "insert into locks (conversation_id, data) values (?, ?) "
            "on conflict(conversation_id) do update set data = excluded.data",
            (lock.conversation_id, lock.dumps()),
        )

    # the primitives Rasa's LockStore builds on
    def get_lock(self, conversation_id: str) -> TicketLock | None:
        return self._read(self._connection(), conversation_id)

    def delete_lock(self, conversation_id: str) -> None:
        with self._transaction() as con:
            con.execute("delete from locks where conversation_id = ?", (conversation_id,))

    def save_lock(self, lock: TicketLock) -> None:
        with self._transaction() as con:
            self._write(con, lock)

    # every read-modify-write in one transaction
    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            with self._transaction() as con:
                lock = self._read(con, conversation_id) or self.create_lock(conversation_id)
                ticket = lock.issue_ticket(lock_lifetime)
                self._write(con, lock)
                return ticket
        except sqlite3.Error as exc:
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc

    def update_lock(self, conversation_id: str) -> None:
        with self._transaction() as con:
            lock = self._read(con, conversation_id)
            if lock:
                lock.remove_expired_tickets()
                self._write(con, lock)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        with self._transaction() as con:
            lock = self._read(con, conversation_id)
            if lock:
                lock.remove_ticket_for(ticket_number)
                self._write(con, lock)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        with self._transaction() as con:
            lock = self._read(con, conversation_id)
            if lock is None:
                return
            lock.remove_ticket_for(ticket_number)
            if lock.is_someone_waiting():
                self._write(con, lock)
            else:
                con.execute("delete from locks where conversation_id = ?", (conversation_id,))
