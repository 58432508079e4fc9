"""Signed conversation ids for the web widget.

The server issues `<random>-<expiry>.<mac>`; a browser cannot choose another user's id,
nor extend one: the expiry (unix seconds, LOANWHY_SESSION_TTL_DAYS after issue, 30 by
default) is inside the signature. “新对话” in the widget revokes its id on the server
(`revoke`, kept in the app database until the id would have expired anyway); `verify`
refuses expired and revoked ids, so the socket.io channel issues a new one. Ids from
before expiries existed (`<random>.<mac>`) are refused too.

The key is LOANWHY_SESSION_SECRET, else one made once in the runtime folder, so web
conversations survive restarts. Shared by the socket.io channel and the web server
(which must not import Rasa).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import sqlite3
import time
import uuid

from loanwhy import paths
from loanwhy.store import shared_db

logger = logging.getLogger(__name__)
_CACHE: dict[str, bytes] = {}
TTL_DAYS = 30.0
REVOKED = "revoked_sessions"


def secret(create: bool = True) -> bytes | None:
    value = os.environ.get("LOANWHY_SESSION_SECRET")
    if value:
        return value.encode()
    path = paths.var_dir() / "session.key"
    cached = _CACHE.get(str(path))
    if cached:
        return cached
    if not path.exists():
        if not create:
            return None
        paths.private_dir(path.parent)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
        except FileExistsError:
            pass  # another process made it first
    key = path.read_text().strip().encode()
    _CACHE[str(path)] = key
    return key


def ttl_s() -> float:
    """LOANWHY_SESSION_TTL_DAYS (default 30) in seconds; a bad value falls back to the default."""
    try:
        days = float(os.environ.get("LOANWHY_SESSION_TTL_DAYS") or TTL_DAYS)
    except ValueError:
        days = TTL_DAYS
    return (days if 0 < days < 36500 else TTL_DAYS) * 86400


def _mac(key: bytes, raw: str) -> str:
    return hmac.new(key, raw.encode(), hashlib.sha256).hexdigest()[:24]


def sign(raw: str | None = None, now: float | None = None) -> str:
    """A new id: `raw` (a uuid4 hex unless given) with its expiry, signed."""
    now = time.time() if now is None else now
    body = f"{raw or uuid.uuid4().hex}-{int(now + ttl_s())}"
    return f"{body}.{_mac(secret() or b'', body)}"


def _signed(value: object, create: bool) -> tuple[str, int] | None:
    """(id, expiry) if the value carries our signature and an expiry, else None."""
    if not isinstance(value, str) or value.count(".") != 1 or len(value) > 100:
        return None
    body, mac = value.split(".")
    _, dash, expiry = body.rpartition("-")
    key = secret(create)
    if not dash or not expiry.isdigit() or not expiry.isascii() or key is None:
        return None
    # bytes: compare_digest raises TypeError on non-ASCII str (a client can send "x.\x80")
    if not hmac.compare_digest(mac.encode(), _mac(key, body).encode()):
        return None
    return value, int(expiry)


def expires_at(value: str) -> int | None:
    """The expiry written into a signed id (unix seconds)."""
    signed = _signed(value, create=False)
    return signed[1] if signed else None


def _revocations() -> sqlite3.Connection:
    return shared_db().conn  # the table is made by the app migrations (loanwhy/schema.py)


def is_revoked(value: str) -> bool:
    row = _revocations().execute(f"select 1 from {REVOKED} where session_id = ?", [value]).fetchone()
    return row is not None


def verify(value: object, create: bool = True, now: float | None = None) -> str | None:
    """The id if it carries our signature, has not expired and was not revoked, else None."""
    signed = _signed(value, create)
    if signed is None:
        return None
    sid, expiry = signed
    if expiry < (time.time() if now is None else now):
        return None
    try:
        if is_revoked(sid):
            return None
    except sqlite3.Error:
        logger.exception("session revocation list unreadable: refusing %s", sid[:8])
        return None
    return sid


def revoke(value: str, now: float | None = None) -> bool:
    """End a signed id for good (the widget's “新对话”); False if it is not one of ours."""
    signed = _signed(value, create=False)
    if signed is None:
        return False
    sid, expiry = signed
    now = time.time() if now is None else now
    conn = _revocations()
    conn.execute(f"delete from {REVOKED} where expires_at < ?", [int(now)])
    if expiry >= now:
        conn.execute(f"insert or ignore into {REVOKED} (session_id, expires_at) values (?, ?)", [sid, expiry])
    return True
