"""Staff web console: every route needs a login, every POST a CSRF token; cookies, headers, escaping."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from sanic import Sanic
from staff_client import PASSWORD, Client, make_app

from loanwhy import accounts, audit, cases
from staff import security

PUBLIC = {("GET", "/staff/login"), ("POST", "/staff/login"), ("GET", "/"), ("GET", "/health")}  # "/": to /staff/


def _routes() -> list[tuple[str, str]]:
    app = make_app()
    app.router.finalize()
    out = []
    for route in app.router.routes:
        path = "/" + re.sub(r"<(\w+):int>", "1", re.sub(r"<(\w+):str>", "frequent_inquiries", route.path))
        out += [(method, path) for method in sorted(route.methods)]
    return sorted(out)


ROUTES = _routes()
PRIVATE = [(m, p) for m, p in ROUTES if (m, p) not in PUBLIC and not p.startswith("/staff/static/")]


def test_route_table_is_complete() -> None:
    assert len(PRIVATE) >= 20
    assert ("POST", "/staff/handoffs/1/reply") in PRIVATE and ("GET", "/staff/api/search") in PRIVATE


@pytest.mark.parametrize(("method", "path"), PRIVATE)
def test_every_staff_route_needs_login(client: Client, method: str, path: str) -> None:
    resp = client.request(method, path, form={"text": "x"} if method == "POST" else None)
    if method == "GET" and not path.startswith("/staff/api/"):
        assert resp.status == 302 and resp.header("location").startswith("/staff/login?next=")
    else:
        assert resp.status == 401
    assert "agent" not in resp.text and "征信" not in resp.text


@pytest.mark.parametrize(("method", "path"), PRIVATE)
def test_forged_or_expired_cookie_is_refused(client: Client, method: str, path: str) -> None:
    client.cookies["staff_session"] = "forged-token"
    assert client.request(method, path).status in (302, 401)


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p in PRIVATE if m == "POST"])
def test_post_without_csrf_is_rejected(logged_in: Client, method: str, path: str) -> None:
    assert logged_in.post(path, form={"text": "征信"}).status == 403
    assert logged_in.post(path, form={"text": "征信", "csrf": "wrong"}).status == 403
    assert logged_in.post(path, json_body={"text": "征信"}, headers={"X-CSRF-Token": "wrong"}).status == 403
    assert any(e["action"] == "csrf_rejected" for e in audit.recent(5))


def test_login_post_without_login_token_is_rejected(client: Client, staff_user: str) -> None:
    resp = client.post("/staff/login", form={"username": staff_user, "password": PASSWORD, "csrf": "x"})
    assert resp.status == 403 and "staff_session" not in client.cookies


def test_login_sets_strict_cookie_and_logout_ends_session(client: Client, staff_user: str) -> None:
    resp = client.login(staff_user)
    assert resp.status == 302 and resp.header("location") == "/staff/search"
    cookie = next(c for c in resp.all("set-cookie") if c.startswith("staff_session="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/staff" in cookie
    token = client.cookies["staff_session"]
    assert client.get("/staff/search").status == 200
    assert client.post("/staff/logout", form={"csrf": client.csrf()}).status == 302
    assert accounts.session(token) is None
    client.cookies["staff_session"] = token
    assert client.get("/staff/search").status == 302
    assert [e["action"] for e in audit.recent(10, staff=staff_user)][:2] == ["logout", "login"]


def test_cookie_is_secure_beyond_this_machine(staff_env: Path, staff_user: str) -> None:
    remote = Client(make_app(), host="staff.example.com")
    try:
        resp = remote.login(staff_user)
        assert "Secure" in next(c for c in resp.all("set-cookie") if c.startswith("staff_session="))
    finally:
        remote.close()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/elsewhere", "/staff/login"])
def test_no_open_redirect_after_login(client: Client, staff_user: str, target: str) -> None:
    page = client.get("/staff/login", params={"next": target})
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token
    resp = client.post(
        "/staff/login", form={"username": staff_user, "password": PASSWORD, "csrf": token.group(1), "next": target}
    )
    assert resp.header("location") == "/staff/search"


def test_login_redirects_back_to_the_page_asked_for(client: Client, staff_user: str) -> None:
    resp = client.get("/staff/cases")
    assert resp.header("location") == "/staff/login?next=/staff/cases"
    page = client.get(resp.header("location"))
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token
    resp = client.post(
        "/staff/login",
        form={"username": staff_user, "password": PASSWORD, "csrf": token.group(1), "next": "/staff/cases"},
    )
    assert resp.header("location") == "/staff/cases"


def test_wrong_password_then_lockout(client: Client, staff_user: str) -> None:
    for _ in range(accounts.MAX_FAILURES):
        resp = client.login(staff_user, "wrong pass 99")
        assert resp.status == 401 and "用户名或密码不正确" in resp.text
    resp = client.login(staff_user)
    assert resp.status == 429 and "15 分钟" in resp.text and "staff_session" not in client.cookies
    assert [e["action"] for e in audit.recent(6, staff=staff_user)].count("login_failed") == 5


def test_security_headers(logged_in: Client) -> None:
    for path in ("/staff/search", "/staff/login", "/staff/api/handoffs"):
        resp = logged_in.get(path)
        assert "default-src 'self'" in resp.header("content-security-policy")
        assert resp.header("x-frame-options") == "DENY" and resp.header("cache-control") == "no-store"


def test_static_files_are_public_but_listed(client: Client) -> None:
    assert client.get("/staff/static/staff.js").status == 200
    assert client.get("/staff/static/../app.py").status == 404
    assert client.get("/staff/static/app.py").status == 404


def test_search_page_highlights_and_audits(logged_in: Client) -> None:
    resp = logged_in.get("/staff/search", params={"q": "征信查询"})
    assert resp.status == 200
    first = resp.text.index('href="/staff/signal/frequent_inquiries"')
    assert first < resp.text.index('href="/staff/fact/')
    assert "<mark>征信查询</mark>过于频繁" in resp.text
    assert audit.recent(1, staff="agent1")[0]["action"] == "search"


def test_search_api(logged_in: Client) -> None:
    data = logged_in.get("/staff/api/search", params={"q": "担保"}).json()
    assert data["hits"][0]["ref"] == "external_guarantee"
    assert ["担保", True] in data["hits"][0]["title_parts"]


def test_search_input_is_escaped(logged_in: Client) -> None:
    resp = logged_in.get("/staff/search", params={"q": '<script>alert(1)</script>"'})
    assert "<script>alert" not in resp.text and "&lt;script&gt;" in resp.text


def test_signal_page_has_script_copy_and_advice(logged_in: Client, kb) -> None:  # type: ignore[no-untyped-def]
    resp = logged_in.get("/staff/signal/frequent_inquiries")
    s = kb.signals["frequent_inquiries"]
    assert resp.status == 200
    for part in (s["name"], s["summary"], s["ask_staff"], s["steps"][0]["action"], 'data-copy="script"'):
        assert str(part).replace("“", "&#34;")[:10] in resp.text or str(part)[:10] in resp.text
    assert 'id="script"' in resp.text and 'id="advice"' in resp.text
    assert logged_in.get("/staff/signal/nope").status == 404


def test_explain_page_gives_the_bot_diagnosis(logged_in: Client) -> None:
    text = "我最近半年申请了8次网贷，信用卡也刷爆了，电话13812345678"
    resp = logged_in.post("/staff/explain", form={"text": text, "csrf": logged_in.csrf()})
    assert resp.status == 200
    assert "征信查询过于频繁" in resp.text and '"frequent_inquiries"' in resp.text
    assert "13812345678" not in audit.recent(1)[0]["detail"]


def test_explain_api(logged_in: Client) -> None:
    csrf = logged_in.csrf()
    data = logged_in.post(
        "/staff/api/explain", json_body={"text": "信用卡刷爆了"}, headers={"X-CSRF-Token": csrf}
    ).json()
    assert data["payload"]["diagnosis"]["principal"] == ["card_overdraft"]
    assert logged_in.post("/staff/api/explain", json_body={}, headers={"X-CSRF-Token": csrf}).status == 400


def test_case_text_is_escaped_and_masked(logged_in: Client, staff_env: Path) -> None:
    cases.record("s1", "socketio", ["card_overdraft"], {}, "<img src=x onerror=alert(1)> 卡号 6222 0212 3456 7890 123")
    resp = logged_in.get("/staff/cases")
    assert "<img src=x" not in resp.text and "&lt;img src=x" in resp.text
    assert "6222 0212" not in resp.text and "[已隐藏]" in resp.text


def test_audit_page_lists_actions(logged_in: Client) -> None:
    logged_in.get("/staff/search", params={"q": "担保"})
    resp = logged_in.get("/staff/audit")
    assert "search" in resp.text and "担保" in resp.text


def test_stats_page_draws_svg(logged_in: Client, staff_env: Path) -> None:
    cases.record("s1", "socketio", ["card_overdraft"], {}, "刷爆了")
    resp = logged_in.get("/staff/stats")
    assert resp.status == 200 and "<svg" in resp.text and "信用卡长期大额透支" in resp.text
    assert logged_in.get("/staff/stats", params={"week": "nonsense"}).status == 200


def test_sessions_are_stored_in_the_app_database(logged_in: Client, staff_env: Path) -> None:
    assert sqlite3.connect(staff_env).execute("select count(*) from staff_sessions").fetchone()[0] == 1


def test_its_own_server(staff_env: Path, staff_user: str) -> None:
    web = Client(make_app())
    try:
        assert web.get("/").status == 302 and web.get("/").header("location") == "/staff/"
        assert web.get("/health").json() == {"status": "ok"}
        assert web.get("/staff/search").status == 302
        assert web.login(staff_user).status == 302
        resp = web.get("/staff/search", params={"q": "担保"})
        assert resp.status == 200 and "external_guarantee" in resp.text
        for answer in (resp, web.get("/nope"), web.get("/")):  # its own pages, its 404s and redirects
            assert answer.header("content-security-policy") == security.HEADERS["Content-Security-Policy"]
            assert answer.header("x-frame-options") == "DENY"
    finally:
        web.close()


def test_not_on_the_widget_server(staff_env: Path) -> None:
    from web.server import create_app

    Sanic.test_mode = True
    web = Client(create_app("http://localhost:5105", name="no_staff_in_web"))
    try:
        for path in ("/staff/", "/staff/login", "/staff/search", "/staff/static/staff.css"):
            assert web.get(path).status == 404, path
        assert web.get("/health").status == 200
    finally:
        web.close()


def test_its_own_port_and_interface_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from staff import server

    monkeypatch.delenv("STAFF_HOST", raising=False)
    monkeypatch.delenv("STAFF_PORT", raising=False)
    args = server.parse_args([])
    assert (args.host, args.port) == ("127.0.0.1", 8001)  # loopback: this machine only
    monkeypatch.setenv("STAFF_HOST", "10.0.0.5")
    monkeypatch.setenv("STAFF_PORT", "9101")
    args = server.parse_args([])
    assert (args.host, args.port) == ("10.0.0.5", 9101)
    assert server.parse_args(["--host", "::1", "--port", "9102"]).port == 9102
