"""Staff accounts, sessions and CSRF tokens, kept in the application database.

Passwords: scrypt (hashlib) with a per-user random salt, stored as
`scrypt$n$r$p$salt$hash` so the cost can be raised later; verification is
constant-time and unknown users cost the same as known ones.

Guessing is slowed, never turned into a way to shut the owner out: after
MAX_FAILURES failed logins from one address for one account within
LOCK_WINDOW_S, that address may not try that account (even with the right
password) until the window has passed; other addresses may. Failures from all
addresses together make every attempt on the account wait (`login_delay`, up to
MAX_DELAY_S; the staff server awaits it without holding a thread). The staff
server also limits attempts per address and in total (staff/throttle.py).

Policy: at least MIN_PASSWORD characters, not a common password
(loanwhy/data/common_passwords.txt), nor one with digits or symbols added around it or letters
written as digits ("Password123!", "passw0rd12"), not containing the user name. A disabled or
removed account has no sessions: `session` checks the account on every request.
Session tokens are random; only their SHA-256 is stored, so a copy of the
database does not let anyone in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlite_utils

from loanwhy import paths
from loanwhy.store import open_db

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD = 10
MAX_FAILURES = 5
LOCK_WINDOW_S = 15 * 60
MAX_DELAY_S = 5.0
COMMON_PASSWORDS = Path(__file__).resolve().parent / "data" / "common_passwords.txt"
SESSION_TTL_S = 8 * 3600
IDLE_TTL_S = 60 * 60
USERNAME = re.compile(r"^[A-Za-z0-9_.\-@\u4e00-\u9fff]{2,40}$")


class AccountError(ValueError):
    """Base of the account errors; the message is safe to show to staff."""


class UserExists(AccountError):
    pass


class UnknownUser(AccountError):
    pass


class BadUsername(AccountError):
    pass


class WeakPassword(AccountError):
    pass


class LoginFailed(AccountError):
    pass


class LoginLocked(AccountError):
    pass


@dataclass(frozen=True)
class Session:
    username: str
    csrf: str
    expires_at: float
    token: str = ""  # only set when the session was just created


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, salt: bytes | None = None, n: int = SCRYPT_N) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${n}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        algo, n, r, p, salt, digest = stored.split("$")
        if algo != "scrypt":
            return False
        got = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(base64.b64decode(digest)),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Checked against for unknown users, so they take as long as known ones."""
    return hash_password(secrets.token_hex(16))


def _db(path: Path | None = None) -> sqlite_utils.Database:
    """The app database; its staff tables are made by its migrations (loanwhy/schema.py)."""
    return open_db(path or paths.app_db())


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(_plain(line) for line in lines if line.strip() and not line.startswith("#"))


def _plain(password: str) -> str:
    return "".join(password.split()).casefold()


_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})


def _cores(password: str) -> set[str]:
    """A password and what it is built on: "Password123!" and "passw0rd12" are "password" dressed up."""
    plain = _plain(password)
    out = {plain}
    for variant in (plain, plain.translate(_LEET)):
        stripped = variant.strip("0123456789!@#$%^&*?.,_-+=~")
        out |= {variant, stripped, stripped.translate(_LEET)}
    return {v for v in out if v}


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_password_strength(password: str, username: str = "") -> None:
    if len(password) < MIN_PASSWORD:
        raise WeakPassword(f"密码至少 {MIN_PASSWORD} 位 / password needs at least {MIN_PASSWORD} characters")
    if password.isdigit() or len(set(password)) < 4:
        raise WeakPassword("密码太简单 / password too simple")
    if _cores(password) & common_passwords():
        raise WeakPassword("这是常见密码，请换一个 / a common password, choose another")
    if username and _plain(username) in _plain(password):
        raise WeakPassword("密码不能包含用户名 / the password must not contain the user name")


def add_user(username: str, password: str, path: Path | None = None) -> None:
    if not USERNAME.match(username or ""):
        raise BadUsername("用户名须为 2-40 位字母、数字或汉字 / username: 2-40 letters, digits or Chinese")
    check_password_strength(password, username)
    db = _db(path)
    try:
        if list(db.table("staff_users").rows_where("username = ?", [username])):
            raise UserExists(f"用户已存在 / user exists: {username}")
        db.table("staff_users").insert(
            {"username": username, "password_hash": hash_password(password), "created_at": time.time(), "disabled": 0}
        )
    finally:
        db.close()


def set_password(username: str, password: str, path: Path | None = None) -> None:
    """A new password (the CLI's reset-password); every session of the account ends."""
    check_password_strength(password, username)
    db = _db(path)
    try:
        if not list(db.table("staff_users").rows_where("username = ?", [username])):
            raise UnknownUser(f"没有这个用户 / no such user: {username}")
        db.table("staff_users").update(username, {"password_hash": hash_password(password)})
        db.execute("delete from staff_sessions where username = ?", [username])
        db.execute("delete from staff_login_failures where username = ?", [username])
    finally:
        db.close()


def _end_account(username: str, changes: dict[str, Any] | None, path: Path | None) -> None:
    """Disable (changes) or remove (None) an account; its sessions and failure counts go."""
    db = _db(path)
    try:
        if not list(db.table("staff_users").rows_where("username = ?", [username])):
            raise UnknownUser(f"没有这个用户 / no such user: {username}")
        if changes is None:
            db.execute("delete from staff_users where username = ?", [username])
        else:
            db.table("staff_users").update(username, changes)
        db.execute("delete from staff_sessions where username = ?", [username])
        db.execute("delete from staff_login_failures where username = ?", [username])
    finally:
        db.close()


def disable_user(username: str, path: Path | None = None) -> None:
    """The account can no longer log in; its open sessions end at once (the audit log keeps its name)."""
    _end_account(username, {"disabled": 1}, path)


def remove_user(username: str, path: Path | None = None) -> None:
    _end_account(username, None, path)


def users(path: Path | None = None) -> list[str]:
    db = _db(path)
    try:
        return [r["username"] for r in db.table("staff_users").rows_where(order_by="username")]
    finally:
        db.close()


def failures(username: str, ip: str | None = None, now: float | None = None, path: Path | None = None) -> int:
    """Failed logins of this user within the lockout window: from one address, or from all (ip None)."""
    now = now or time.time()
    where, args = "username = ? and at > ?", [username[:80], now - LOCK_WINDOW_S]
    if ip is not None:
        where, args = where + " and ip = ?", [*args, ip[:64]]
    db = _db(path)
    try:
        return int(db.table("staff_login_failures").count_where(where, args))
    finally:
        db.close()


def is_locked(username: str, ip: str = "", now: float | None = None, path: Path | None = None) -> bool:
    """This address may not try this account for now; other addresses may."""
    return failures(username, ip, now, path) >= MAX_FAILURES


def login_delay(username: str, now: float | None = None, path: Path | None = None) -> float:
    """Seconds every attempt on this account waits while failures from anywhere pile up."""
    beyond = failures(username, None, now, path) - MAX_FAILURES
    return 0.0 if beyond < 0 else min(MAX_DELAY_S, 0.5 * (beyond + 1))


def login(username: str, password: str, ip: str = "", now: float | None = None, path: Path | None = None) -> Session:
    """A new session, or LoginLocked / LoginFailed (the same message for a wrong name or password)."""
    now = now or time.time()
    if is_locked(username, ip, now, path):
        raise LoginLocked("尝试次数过多，请 15 分钟后再试 / too many attempts, retry in 15 minutes")
    db = _db(path)
    try:
        rows = list(db.table("staff_users").rows_where("username = ? and disabled = 0", [username]))
        ok = verify_password(password, rows[0]["password_hash"] if rows else _dummy_hash()) and bool(rows)
        if not ok:
            db.table("staff_login_failures").insert({"username": username[:80], "at": now, "ip": ip[:64]})
            raise LoginFailed("用户名或密码不正确 / wrong username or password")
        # only this address's count: an attacker elsewhere stays locked out
        db.execute("delete from staff_login_failures where username = ? and ip = ?", [username, ip[:64]])
        db.execute("delete from staff_sessions where expires_at < ?", [now])
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        db.table("staff_sessions").insert(
            {
                "token_hash": _token_hash(token),
                "username": username,
                "csrf": csrf,
                "created_at": now,
                "expires_at": now + SESSION_TTL_S,
                "last_seen": now,
            }
        )
        return Session(username, csrf, now + SESSION_TTL_S, token)
    finally:
        db.close()


def session(token: str | None, now: float | None = None, path: Path | None = None) -> Session | None:
    """The live session of a cookie token; expired or idle sessions are ended."""
    if not token or len(token) > 200:
        return None
    now = now or time.time()
    db = _db(path)
    try:
        key = _token_hash(token)
        rows: list[dict[str, Any]] = list(
            db.query(
                "select s.*, u.disabled from staff_sessions s left join staff_users u on u.username = s.username"
                " where s.token_hash = ?",
                [key],
            )
        )
        if not rows:
            return None
        row = rows[0]
        gone = row["disabled"] is None or bool(row["disabled"])  # the account was removed or disabled
        if gone or row["expires_at"] < now or row["last_seen"] + IDLE_TTL_S < now:
            db.execute("delete from staff_sessions where token_hash = ?", [key])
            return None
        if now - row["last_seen"] > 60:
            db.table("staff_sessions").update(key, {"last_seen": now})
        return Session(row["username"], row["csrf"], row["expires_at"])
    finally:
        db.close()


def logout(token: str | None, path: Path | None = None) -> None:
    if not token:
        return
    db = _db(path)
    try:
        db.execute("delete from staff_sessions where token_hash = ?", [_token_hash(token)])
    finally:
        db.close()


def csrf_ok(sess: Session | None, given: str | None) -> bool:
    return bool(sess and given and hmac.compare_digest(sess.csrf.encode(), given.encode()))
