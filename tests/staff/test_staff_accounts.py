"""Staff accounts: password hashing, lockout, sessions, CSRF tokens, audit log."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from loanwhy import accounts, audit

PASSWORD = "correct horse 42"


def test_hash_is_salted_scrypt_and_verifies() -> None:
    one, two = accounts.hash_password(PASSWORD), accounts.hash_password(PASSWORD)
    assert one.startswith("scrypt$16384$8$1$") and one != two
    assert PASSWORD not in one
    assert accounts.verify_password(PASSWORD, one) and accounts.verify_password(PASSWORD, two)
    assert not accounts.verify_password("wrong horse 42", one)


@pytest.mark.parametrize("stored", ["", "plain", "md5$x$y", "scrypt$a$b$c$d$e", "scrypt$16384$8$1$!!$!!"])
def test_malformed_hash_never_verifies(stored: str) -> None:
    assert accounts.verify_password(PASSWORD, stored) is False


def test_add_user_stores_only_the_hash(app_db: Path) -> None:
    accounts.add_user("agent1", PASSWORD)
    row = sqlite3.connect(app_db).execute("select password_hash from staff_users where username='agent1'").fetchone()
    assert row[0].startswith("scrypt$") and PASSWORD not in row[0]
    assert accounts.users() == ["agent1"]


@pytest.mark.parametrize(
    ("username", "password", "error"),
    [
        ("agent1", "short", accounts.WeakPassword),
        ("agent1", "12345678901", accounts.WeakPassword),
        ("agent1", "aaaaaaaaaaaa", accounts.WeakPassword),
        ("a", PASSWORD, accounts.BadUsername),
        ("bad name", PASSWORD, accounts.BadUsername),
        ("<script>", PASSWORD, accounts.BadUsername),
    ],
)
def test_add_user_refuses(app_db: Path, username: str, password: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        accounts.add_user(username, password)
    assert accounts.users() == []


def test_duplicate_user_refused(app_db: Path) -> None:
    accounts.add_user("张三", PASSWORD)
    with pytest.raises(accounts.UserExists):
        accounts.add_user("张三", "another pass 9")


def test_login_creates_a_session_with_csrf(app_db: Path) -> None:
    accounts.add_user("agent1", PASSWORD)
    sess = accounts.login("agent1", PASSWORD)
    assert len(sess.token) >= 40 and len(sess.csrf) >= 40 and sess.token != sess.csrf
    again = accounts.session(sess.token)
    assert again and again.username == "agent1" and again.csrf == sess.csrf
    stored = sqlite3.connect(app_db).execute("select token_hash from staff_sessions").fetchall()
    assert stored and all(sess.token not in r[0] for r in stored)


@pytest.mark.parametrize(("username", "password"), [("agent1", "wrong pass 99"), ("nobody", PASSWORD), ("", "")])
def test_login_failures_look_the_same(app_db: Path, username: str, password: str) -> None:
    accounts.add_user("agent1", PASSWORD)
    with pytest.raises(accounts.LoginFailed) as err:
        accounts.login(username, password)
    assert "用户名或密码不正确" in str(err.value)


def test_lockout_after_five_failures_then_window_passes(app_db: Path) -> None:
    accounts.add_user("agent1", PASSWORD)
    t0 = 1_000_000.0
    for i in range(accounts.MAX_FAILURES):
        with pytest.raises(accounts.LoginFailed):
            accounts.login("agent1", "wrong pass 99", now=t0 + i)
    assert accounts.is_locked("agent1", now=t0 + 10)
    with pytest.raises(accounts.LoginLocked):
        accounts.login("agent1", PASSWORD, now=t0 + 10)  # even the right password
    later = t0 + accounts.LOCK_WINDOW_S + 10
    assert not accounts.is_locked("agent1", now=later)
    assert accounts.login("agent1", PASSWORD, now=later).username == "agent1"
    assert accounts.failures("agent1", now=later) == 0  # success clears the count


def test_four_failures_do_not_lock(app_db: Path) -> None:
    accounts.add_user("agent1", PASSWORD)
    for _ in range(accounts.MAX_FAILURES - 1):
        with pytest.raises(accounts.LoginFailed):
            accounts.login("agent1", "wrong pass 99")
    assert accounts.login("agent1", PASSWORD)


def test_session_expiry_idle_and_logout(app_db: Path) -> None:
    accounts.add_user("agent1", PASSWORD)
    t0 = 2_000_000.0
    sess = accounts.login("agent1", PASSWORD, now=t0)
    assert accounts.session(sess.token, now=t0 + 30 * 60)
    assert accounts.session(sess.token, now=t0 + 30 * 60 + accounts.IDLE_TTL_S + 1) is None  # idle
    sess = accounts.login("agent1", PASSWORD, now=t0)
    for step in range(1, 20):  # active all day: still ends after the absolute lifetime
        accounts.session(sess.token, now=t0 + step * 30 * 60)
    assert accounts.session(sess.token, now=t0 + accounts.SESSION_TTL_S + 1) is None
    sess = accounts.login("agent1", PASSWORD)
    accounts.logout(sess.token)
    assert accounts.session(sess.token) is None


@pytest.mark.parametrize("token", [None, "", "x" * 500, "not-a-token"])
def test_unknown_tokens_have_no_session(app_db: Path, token: str | None) -> None:
    assert accounts.session(token) is None


def test_csrf_check(app_db: Path) -> None:
    accounts.add_user("agent1", PASSWORD)
    sess = accounts.session(accounts.login("agent1", PASSWORD).token)
    assert sess and accounts.csrf_ok(sess, sess.csrf)
    assert not accounts.csrf_ok(sess, "") and not accounts.csrf_ok(sess, None)
    assert not accounts.csrf_ok(sess, sess.csrf + "x") and not accounts.csrf_ok(None, sess.csrf)


def test_password_change_ends_sessions(app_db: Path) -> None:
    accounts.add_user("agent1", PASSWORD)
    sess = accounts.login("agent1", PASSWORD)
    accounts.set_password("agent1", "new horse 77")
    assert accounts.session(sess.token) is None
    assert accounts.login("agent1", "new horse 77")
    with pytest.raises(accounts.UnknownUser):
        accounts.set_password("ghost", "new horse 77")


def test_audit_log_masks_personal_numbers(app_db: Path) -> None:
    audit.log("agent1", "explain", "13812345678", "身份证 110101199003074518")
    entry = audit.recent(1)[0]
    assert entry["staff"] == "agent1" and entry["action"] == "explain" and entry["at"] > 0
    assert "13812345678" not in entry["target"] and "110101199003074518" not in entry["detail"]
    assert audit.recent(staff="someone else") == []
