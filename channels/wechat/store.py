"""What the WeChat channels must remember between requests, in SQLite.

- answered message keys, so a platform retry (same MsgId, or sender +
  CreateTime for events) is never run through the assistant twice; a key is
  only ever matched for the user who sent it (the engine keys on channel, user
  and MsgId: MsgIds are not secret, see `Engine.dedupe_key`); inside one
  process a retry that arrives while the first try is still running shares its
  future instead of waiting for the database;
- the buttons last offered to each user, so a typed number maps to a payload;
- answers held for accounts that can only reply passively;
- the access token (several processes share one instead of fighting over it);
- the customer-service quota per user (5 messages in 48 h after a message);
- deletion marks for users who unsubscribed (the retention job erases their
  conversations; this store forgets them at once);
- the signed URLs already used (timestamp, nonce, signature) until their
  timestamp leaves the freshness window, so a captured callback URL cannot be
  used again, by any worker process (`first_use`).

Opened like every database of ours (loanwhy.store: WAL and a busy timeout let several Rasa
processes share the file); its tables are made by MIGRATIONS.
Users are passed already namespaced by the caller ("wechat:<OpenID>", which is
also the conversation's id in Rasa).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import sqlite_utils
from sqlite_utils.db import NotFoundError

from channels.wechat.render import Button
from loanwhy import paths, store

SEEN_TTL_S = 24 * 3600  # longer than any retry; short enough to forget a passive reply text
STALE_PROCESSING_S = 60  # a 'processing' row older than this was left by a crashed process
HELD_TTL_S = 7 * 24 * 3600


def default_path() -> Path:
    """WECHAT_DB, else wechat.sqlite in the runtime folder (LOANWHY_VAR, default var/)."""
    return paths.wechat_db()


@dataclass(eq=False)
class Pending:
    """One message being answered in this process; retries await the same future."""

    future: asyncio.Future[str]
    user: str
    delivered: str | None = None  # 'passive' | 'pushed' | 'held' | 'nothing', once claimed
    reply: str | None = None  # the passive reply, repeated if a retry comes after it
    late: bool = False  # a background delivery was scheduled
    waiters: int = 0  # requests now waiting for the answer: they deliver it before the background does


@dataclass(frozen=True)
class Claim:
    state: Literal["new", "inflight", "answered", "elsewhere"]
    pending: Pending | None = None
    reply: str | None = None  # for 'answered' with a passive reply


def _tables(db: sqlite_utils.Database) -> None:
    """The tables as the store made them before migrations existed (harmless on such a file)."""
    db.table("seen").create(
        {
            "key": str,
            "user": str,
            "state": str,
            "mode": str,
            "reply": str,
            "at": float,
        },
        pk="key",
        if_not_exists=True,
    )
    db.table("buttons").create({"user": str, "items": str, "at": float}, pk="user", if_not_exists=True)
    db.table("held").create(
        {"id": int, "user": str, "text": str, "at": float},
        pk="id",
        if_not_exists=True,
    )
    db.table("tokens").create(
        {"name": str, "token": str, "expires_at": float},
        pk="name",
        if_not_exists=True,
    )
    db.table("quota").create(
        {
            "user": str,
            "window_start": float,
            "window_s": float,
            "allowed": int,
            "sent": int,
        },
        pk="user",
        if_not_exists=True,
    )
    db.table("deletion_marks").create(
        {"user": str, "channel": str, "marked_at": float},
        pk="user",
        if_not_exists=True,
    )
    db.table("signatures").create(
        {"key": str, "digest": str, "expires_at": float},
        pk="key",
        if_not_exists=True,
    )
    db.table("signatures").create_index(["expires_at"], if_not_exists=True)
    db.table("held").create_index(["user"], if_not_exists=True)
    db.table("seen").create_index(["user"], if_not_exists=True)


MIGRATIONS: list[store.Migration] = [("0001_tables", _tables)]


@dataclass
class Store:
    path: Path | str = field(default_factory=default_path)
    inflight: dict[str, Pending] = field(default_factory=dict)
    _db: sqlite_utils.Database | None = None

    @property
    def db(self) -> sqlite_utils.Database:
        """Opened on first use, so importing the channel touches no file; ":memory:" in tests."""
        if self._db is None:
            db = sqlite_utils.Database(store.connect(self.path))
            store.migrate(db, MIGRATIONS)
            self._db = db
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # -- dedupe -------------------------------------------------------------

    def claim(self, key: str, user: str, now: float | None = None) -> Claim:
        """First sight of a key → 'new' with a fresh future; otherwise what became of it."""
        if key in self.inflight:
            pending = self.inflight[key]
            return Claim("inflight", pending) if pending.user == user else Claim("elsewhere")
        now = time.time() if now is None else now
        row = self._row("seen", key)
        if row and row["user"] != user:  # never another user's answer (callers key on the user too)
            return Claim("elsewhere")
        if row and row["state"] == "answered":
            return Claim("answered", reply=row["reply"] if row["mode"] == "passive" else None)
        if row and row["state"] == "processing" and now - row["at"] < STALE_PROCESSING_S:
            return Claim("elsewhere")
        self.db.table("seen").upsert(
            {
                "key": key,
                "user": user,
                "state": "processing",
                "mode": "",
                "reply": None,
                "at": now,
            },
            pk="key",
        )
        pending = Pending(asyncio.get_running_loop().create_future(), user)
        self.inflight[key] = pending
        return Claim("new", pending)

    def settle(self, key: str, mode: str, reply: str | None = None) -> None:
        """Record how a key was answered; later retries get the same reply or nothing."""
        row: dict[str, Any] = {
            "key": key,
            "state": "answered",
            "mode": mode,
            "reply": reply,
            "at": time.time(),
        }
        pending = self.inflight.get(key)
        if pending is not None:
            row["user"] = pending.user
        self.db.table("seen").upsert(row, pk="key")
        self.inflight.pop(key, None)

    def prune(self, now: float | None = None) -> None:
        now = time.time() if now is None else now
        self._write("DELETE FROM seen WHERE at < ?", [now - SEEN_TTL_S])
        self._write("DELETE FROM held WHERE at < ?", [now - HELD_TTL_S])

    # -- replay protection --------------------------------------------------

    def first_use(
        self, key: str, digest: str, expires_at: float, now: float | None = None
    ) -> Literal["new", "same", "other"]:
        """Record a signed request; 'new' the first time its key is seen, then 'same' (the
        very same request again) or 'other' (the key reused for another body).

        Keys are kept until `expires_at` (when their timestamp is no longer fresh anyway);
        expired ones are deleted here, so the table holds at most the freshness window's
        worth of authenticated requests."""
        now = time.time() if now is None else now
        with self.db.conn:
            self.db.execute("DELETE FROM signatures WHERE expires_at < ?", [now])
            cur = self.db.execute(
                "INSERT OR IGNORE INTO signatures (key, digest, expires_at) VALUES (?, ?, ?)",
                [key, digest, expires_at],
            )
            if cur.rowcount == 1:
                return "new"
            row = self.db.execute("SELECT digest FROM signatures WHERE key = ?", [key]).fetchone()
        return "same" if row and row[0] == digest else "other"

    # -- buttons ------------------------------------------------------------

    def set_buttons(self, user: str, buttons: list[Button]) -> None:
        """Remember the list just offered; an answer without buttons clears it."""
        if buttons:
            items = json.dumps([[b.title, b.payload] for b in buttons], ensure_ascii=False)
            self.db.table("buttons").upsert({"user": user, "items": items, "at": time.time()}, pk="user")
        else:
            self._write("DELETE FROM buttons WHERE user = ?", [user])

    def buttons(self, user: str) -> list[Button]:
        row = self._row("buttons", user)
        return [Button(t, p) for t, p in json.loads(row["items"])] if row else []

    # -- held answers (passive-only accounts) -------------------------------

    def hold(self, user: str, text: str) -> None:
        self.db.table("held").insert({"user": user, "text": text, "at": time.time()})

    def take_held(self, user: str) -> list[str]:
        """Held answers, oldest first, removed as they are handed out."""
        rows = list(self.db.query("SELECT id, text FROM held WHERE user = ? ORDER BY id", [user]))
        if rows:
            self._write(
                f"DELETE FROM held WHERE id IN ({','.join('?' * len(rows))})",
                [r["id"] for r in rows],
            )
        return [r["text"] for r in rows]

    # -- access tokens ------------------------------------------------------

    def token(self, name: str, now: float | None = None) -> str | None:
        row = self._row("tokens", name)
        now = time.time() if now is None else now
        return row["token"] if row and row["expires_at"] > now else None

    def put_token(self, name: str, token: str, expires_at: float) -> None:
        self.db.table("tokens").upsert({"name": name, "token": token, "expires_at": expires_at}, pk="name")

    def drop_token(self, name: str) -> None:
        self._write("DELETE FROM tokens WHERE name = ?", [name])

    # -- customer-service quota ---------------------------------------------

    def open_window(self, user: str, window_s: float, allowed: int, now: float | None = None) -> None:
        """A user interaction opens a fresh window of `allowed` pushes for `window_s` seconds."""
        now = time.time() if now is None else now
        row = {
            "user": user,
            "window_start": now,
            "window_s": window_s,
            "allowed": allowed,
            "sent": 0,
        }
        self.db.table("quota").upsert(row, pk="user")

    def allowance(self, user: str, now: float | None = None) -> int:
        row = self._row("quota", user)
        now = time.time() if now is None else now
        if not row or now - row["window_start"] > row["window_s"]:
            return 0
        return max(0, int(row["allowed"]) - int(row["sent"]))

    def count_sent(self, user: str, n: int) -> None:
        self._write("UPDATE quota SET sent = sent + ? WHERE user = ?", [n, user])

    # -- unsubscribe --------------------------------------------------------

    def mark_for_deletion(self, channel: str, user: str, sender_id: str) -> None:
        """Forget the user here now; leave a mark for the retention job (tracker store)."""
        self.db.table("deletion_marks").upsert(
            {"user": sender_id, "channel": channel, "marked_at": time.time()}, pk="user"
        )
        for table in ("buttons", "held", "quota", "seen"):
            self._write(f"DELETE FROM {table} WHERE user = ?", [user])

    def deletion_marks(self) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT user, channel, marked_at FROM deletion_marks ORDER BY marked_at"))

    def _write(self, sql: str, params: list[Any]) -> None:
        with self.db.conn:  # commits, or rolls back on error
            self.db.execute(sql, params)

    def _row(self, table: str, pk: str) -> dict[str, Any] | None:
        try:
            return dict(self.db.table(table).get(pk))
        except NotFoundError:
            return None
