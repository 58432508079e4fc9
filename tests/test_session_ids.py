"""Signed widget session ids (loanwhy/session.py): an expiry inside the signature, server-side revocation."""

from __future__ import annotations

import hashlib
import hmac
import time
from pathlib import Path

import pytest

from loanwhy import session

SECRET = "session-test-secret"


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch, app_db: Path) -> None:
    monkeypatch.setenv("LOANWHY_SESSION_SECRET", SECRET)
    monkeypatch.delenv("LOANWHY_SESSION_TTL_DAYS", raising=False)


def _legacy(raw: str) -> str:
    """An id as issued before expiries existed: `<raw>.<mac>`."""
    return f"{raw}.{hmac.new(SECRET.encode(), raw.encode(), hashlib.sha256).hexdigest()[:24]}"


def test_ids_carry_a_signed_expiry_of_30_days_by_default() -> None:
    now = 1_800_000_000.0
    sid = session.sign(now=now)
    assert session.expires_at(sid) == int(now) + 30 * 86400
    assert session.verify(sid, now=now + 29 * 86400) == sid
    assert session.verify(sid, now=now + 30 * 86400 + 1) is None


def test_expiry_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOANWHY_SESSION_TTL_DAYS", "2")
    now = 1_800_000_000.0
    sid = session.sign(now=now)
    assert session.verify(sid, now=now + 86400) == sid
    assert session.verify(sid, now=now + 3 * 86400) is None


def test_a_changed_expiry_breaks_the_signature() -> None:
    sid = session.sign()
    raw, mac = sid.split(".")
    stem, expiry = raw.rsplit("-", 1)
    assert session.verify(f"{stem}-{int(expiry) + 10**6}.{mac}") is None


def test_ids_without_an_expiry_are_no_longer_accepted() -> None:
    assert session.verify(_legacy("0a1b2c3d")) is None


def test_revoked_ids_no_longer_verify() -> None:
    one, two = session.sign(), session.sign()
    assert session.revoke(one) is True
    assert session.verify(one) is None and session.verify(two) == two
    assert session.revoke(one) is True  # again: still revoked, no error
    assert session.revoke("forged.0123456789abcdef01234567") is False


def test_revocations_are_forgotten_once_the_id_has_expired_anyway(app_db: Path) -> None:
    import sqlite3

    now = time.time()
    old = session.sign(now=now - 31 * 86400)  # already expired
    live = session.sign(now=now)
    session.revoke(live, now=now)
    session.revoke(old, now=now)
    rows = sqlite3.connect(app_db).execute("select session_id from revoked_sessions").fetchall()
    assert rows == [(live,)]
