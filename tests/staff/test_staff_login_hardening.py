"""Staff login under attack: hashing off the event loop, rate limits, per-address lockout,
the Secure cookie flag from configuration, the password policy and account removal."""

from __future__ import annotations

import asyncio
import io
import sqlite3
from pathlib import Path

import pytest
from staff_client import PASSWORD, Client, make_app

from loanwhy import accounts, audit
from staff import cli, security, throttle

OWNER, ATTACKER = "10.0.0.1", "203.0.113.9"


def _client(ip: str, host: str = "localhost:8001") -> Client:
    return Client(make_app(), host=host, ip=ip)


def _login(c: Client, username: str, password: str = PASSWORD, ip: str | None = None) -> int:
    if ip is not None:
        c.ip = ip
    return c.login(username, password).status


# item 1: login must not stall the server, and must slow attackers without locking out the owner


def test_password_hashing_runs_off_the_event_loop(
    client: Client, staff_user: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_loop: list[bool] = []
    real_verify = accounts.verify_password

    def verify(password: str, stored: str) -> bool:
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:
            on_loop.append(False)
        return real_verify(password, stored)

    real_log = audit.log
    logged_on_loop: list[bool] = []

    def log(*args: object, **kwargs: object) -> int:
        try:
            asyncio.get_running_loop()
            logged_on_loop.append(True)
        except RuntimeError:
            logged_on_loop.append(False)
        return real_log(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(accounts, "verify_password", verify)
    monkeypatch.setattr(audit, "log", log)  # a commit costs ~15 ms: not on the loop either
    assert client.login("nobody", "whatever pass 1").status == 401
    assert client.login(staff_user).status == 302
    client.cookies.pop("staff_session")
    client.post("/staff/login", form={"username": staff_user, "password": PASSWORD, "csrf": "forged"})
    assert on_loop == [False, False]
    assert logged_on_loop == [False, False, False]


def test_login_attempts_are_limited_per_address(staff_env: Path, staff_user: str) -> None:
    attacker = _client(ATTACKER)
    try:
        statuses = [_login(attacker, f"guess{i}", "wrong pass 99") for i in range(throttle.PER_ADDRESS)]
        assert set(statuses) == {401}
        resp = attacker.login("guess-next", "wrong pass 99")
        assert resp.status == 429 and "请稍后再试" in resp.text and "您" in resp.text
        assert resp.header("retry-after").isdigit()
        assert audit.recent(1)[0]["action"] == "login_throttled"
        owner = _client(OWNER)
        try:
            assert _login(owner, staff_user) == 302  # another address is not affected
        finally:
            owner.close()
    finally:
        attacker.close()


def test_login_attempts_are_limited_globally(staff_env: Path, staff_user: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttle, "GLOBAL", 6)
    c = _client("198.51.100.1")
    try:
        statuses = [_login(c, "nobody", "wrong pass 99", ip=f"198.51.100.{i}") for i in range(1, 7)]
        assert set(statuses) == {401}
        resp = c.login("nobody", "wrong pass 99")
        c.ip = "198.51.100.99"
        resp = c.login(staff_user)
        assert resp.status == 429 and "请稍后再试" in resp.text
    finally:
        c.close()


def test_lockout_is_per_address_and_the_owner_still_gets_in(staff_env: Path, staff_user: str) -> None:
    attacker = _client(ATTACKER)
    owner = _client(OWNER)
    try:
        for _ in range(accounts.MAX_FAILURES):
            assert _login(attacker, staff_user, "wrong pass 99") == 401
        assert _login(attacker, staff_user) == 429  # this address: even the right password waits
        assert _login(owner, staff_user) == 302  # the owner, elsewhere, is not shut out
        assert "staff_session" in owner.cookies
    finally:
        attacker.close()
        owner.close()


def test_library_lockout_is_per_address_and_account(app_db: Path) -> None:
    accounts.add_user("agent1", PASSWORD)
    t0 = 1_000_000.0
    for i in range(accounts.MAX_FAILURES):
        with pytest.raises(accounts.LoginFailed):
            accounts.login("agent1", "wrong pass 99", ip=ATTACKER, now=t0 + i)
    assert accounts.is_locked("agent1", ip=ATTACKER, now=t0 + 10)
    assert not accounts.is_locked("agent1", ip=OWNER, now=t0 + 10)
    with pytest.raises(accounts.LoginLocked):
        accounts.login("agent1", PASSWORD, ip=ATTACKER, now=t0 + 10)
    assert accounts.login("agent1", PASSWORD, ip=OWNER, now=t0 + 10).username == "agent1"
    assert accounts.is_locked("agent1", ip=ATTACKER, now=t0 + 11)  # the owner's success does not unlock them


def test_many_failures_slow_every_attempt_on_the_account_but_do_not_refuse_it(app_db: Path) -> None:
    accounts.add_user("agent1", PASSWORD)
    t0 = 1_000_000.0
    assert accounts.login_delay("agent1", now=t0) == 0
    for i in range(accounts.MAX_FAILURES * 4):
        with pytest.raises(accounts.LoginFailed):
            accounts.login("agent1", "wrong pass 99", ip=f"203.0.113.{i}", now=t0 + i)
    delay = accounts.login_delay("agent1", now=t0 + 100)
    assert 0 < delay <= accounts.MAX_DELAY_S
    assert accounts.login("agent1", PASSWORD, ip=OWNER, now=t0 + 100).username == "agent1"
    assert accounts.login_delay("agent1", now=t0 + accounts.LOCK_WINDOW_S + 200) == 0


def test_the_web_login_waits_the_delay_without_blocking(
    client: Client, staff_user: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    waited: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waited.append(seconds)

    monkeypatch.setattr(accounts, "login_delay", lambda username, now=None, path=None: 2.5)
    monkeypatch.setattr(throttle, "sleep", fake_sleep)
    assert client.login(staff_user).status == 302
    assert waited == [2.5]


# item 5: the Secure flag is configuration, not the Host header


def _session_cookie(c: Client, username: str) -> str:
    resp = c.login(username)
    assert resp.status == 302, resp.text
    return next(x for x in resp.all("set-cookie") if x.startswith("staff_session="))


@pytest.mark.parametrize(
    ("setting", "host", "secure"),
    [
        ("1", "localhost:8001", True),
        ("true", "127.0.0.1:8001", True),
        ("0", "staff.example.com", False),
        (None, "localhost:8001", True),  # a forged Host header no longer switches it off
    ],
)
def test_secure_flag_follows_configuration(
    staff_env: Path, staff_user: str, monkeypatch: pytest.MonkeyPatch, setting: str | None, host: str, secure: bool
) -> None:
    if setting is None:
        monkeypatch.delenv("LOANWHY_COOKIE_SECURE", raising=False)
    else:
        monkeypatch.setenv("LOANWHY_COOKIE_SECURE", setting)
    c = _client("127.0.0.1", host=host)
    try:
        assert ("Secure" in _session_cookie(c, staff_user)) is secure
    finally:
        c.close()


@pytest.mark.parametrize(("bind", "secure"), [("127.0.0.1", False), ("::1", False), ("0.0.0.0", True)])
def test_secure_flag_off_by_default_only_when_bound_to_loopback(
    staff_env: Path, staff_user: str, monkeypatch: pytest.MonkeyPatch, bind: str, secure: bool
) -> None:
    monkeypatch.delenv("LOANWHY_COOKIE_SECURE", raising=False)
    c = Client(make_app(host=bind), host="staff.example.com")
    try:
        assert ("Secure" in _session_cookie(c, staff_user)) is secure
    finally:
        c.close()


def test_secure_setting_parser() -> None:
    assert security.cookie_secure_setting("1") is True and security.cookie_secure_setting("no") is False
    assert security.cookie_secure_setting("") is None and security.cookie_secure_setting("maybe") is None


# item 6: password policy, disable / remove / reset


@pytest.mark.parametrize(
    "password",
    [
        "password",
        "Password",
        "password123",
        "qwertyuiop",
        "1q2w3e4r5t",
        "abc12345",
        "short pw9",
        "agent1-long-pw",
        "Password123!",
        "passw0rd12",
        "Qwerty12345!",
    ],  # a common password dressed up (issue 11 re-run)
)
def test_password_policy_refuses(app_db: Path, password: str) -> None:
    with pytest.raises(accounts.WeakPassword):
        accounts.add_user("agent1", password)
    assert accounts.users() == []


def test_password_policy_accepts_a_long_uncommon_one(app_db: Path) -> None:
    accounts.add_user("agent1", "tea kettle 1987")
    assert accounts.MIN_PASSWORD >= 10


def test_disabled_account_cannot_log_in_and_its_sessions_end(client: Client, staff_user: str) -> None:
    assert client.login(staff_user).status == 302
    assert client.get("/staff/search").status == 200
    accounts.disable_user(staff_user)
    assert client.get("/staff/search").status == 302  # the session ended
    with pytest.raises(accounts.LoginFailed):
        accounts.login(staff_user, PASSWORD)
    assert client.login(staff_user).status == 401


def test_a_session_of_a_disabled_account_is_refused_even_if_its_row_survives(app_db: Path) -> None:
    accounts.add_user("agent1", PASSWORD)
    sess = accounts.login("agent1", PASSWORD)
    sqlite3.connect(app_db, isolation_level=None).execute("update staff_users set disabled = 1")
    assert accounts.session(sess.token) is None


def test_removed_account_is_gone_with_its_sessions(app_db: Path) -> None:
    accounts.add_user("agent1", PASSWORD)
    sess = accounts.login("agent1", PASSWORD)
    accounts.remove_user("agent1")
    assert accounts.users() == [] and accounts.session(sess.token) is None
    with pytest.raises(accounts.UnknownUser):
        accounts.remove_user("agent1")
    with pytest.raises(accounts.UnknownUser):
        accounts.disable_user("agent1")


def _cli(argv: list[str], stdin: str = "") -> int:
    return cli.main(argv, out=io.StringIO(), stdin=io.StringIO(stdin))


def test_cli_disable_remove_reset_write_audit_rows(kb_db: Path, app_db: Path) -> None:
    accounts.add_user("agent1", PASSWORD)
    accounts.add_user("agent2", PASSWORD)
    old = accounts.login("agent1", PASSWORD)
    assert _cli(["reset-password", "agent1", "--password-stdin"], "fresh kettle 2024\n") == 0
    assert accounts.session(old.token) is None
    assert accounts.login("agent1", "fresh kettle 2024")
    assert _cli(["reset-password", "agent1", "--password-stdin"], "password\n") == 2
    assert _cli(["disable-user", "agent1"]) == 0
    with pytest.raises(accounts.LoginFailed):
        accounts.login("agent1", "fresh kettle 2024")
    assert _cli(["remove-user", "agent2"]) == 0
    assert accounts.users() == ["agent1"]
    assert _cli(["remove-user", "ghost"]) == 1 and _cli(["disable-user", "ghost"]) == 1
    assert _cli(["reset-password", "ghost", "--password-stdin"], "fresh kettle 2024\n") == 1
    actions = [(e["action"], e["target"]) for e in audit.recent(10, staff="cli")]
    assert ("reset_password", "agent1") in actions
    assert ("disable_user", "agent1") in actions
    assert ("remove_user", "agent2") in actions
