"""The web server (web/server.py) in process: CORS, 404 for folders and odd paths, session revocation."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sanic import Sanic
from staff_client import Client

from loanwhy import session

LENDER = "https://lender.example"


@pytest.fixture()
def web(staff_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    from web.server import create_app

    monkeypatch.delenv("LOANWHY_CORS_ORIGINS", raising=False)
    monkeypatch.setenv("LOANWHY_SESSION_SECRET", "web-test-secret")
    Sanic.test_mode = True
    c = Client(create_app("http://localhost:5005", name="web_security_test"))
    yield c
    c.close()


def _web_with_origins(monkeypatch: pytest.MonkeyPatch, origins: str) -> Client:
    from web.server import create_app

    monkeypatch.setenv("LOANWHY_CORS_ORIGINS", origins)
    Sanic.test_mode = True
    return Client(create_app("http://localhost:5005", name="web_security_cors"))


# item 7: folders and odd paths are 404, never 500 with a traceback


@pytest.mark.parametrize(
    "path",
    [
        "/widget/",
        "/vendor/",
        "/assets/",
        "/widget",
        "/widget/%00",
        "/widget/a%00.js",
        "/widget/%2e%2e/server.py",
        "/widget/../server.py",
        "/vendor/../../web/feedback.py",
        "/assets/nothing.css",
        "/widget//etc/passwd",
    ],
)
def test_folders_and_odd_paths_are_404_without_traceback(
    web: Client, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        resp = web.get(path)
    assert resp.status == 404, (path, resp.status)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info], caplog.text


def test_static_files_are_still_served(web: Client) -> None:
    for path, kind in [
        ("/widget/widget.js", "javascript"),
        ("/widget/widget.css", "text/css"),
        ("/vendor/socket.io.esm.min.js", "javascript"),
        ("/assets/favicon.svg", "image/svg+xml"),
    ]:
        resp = web.get(path)
        assert resp.status == 200 and kind in resp.header("content-type"), path
        assert resp.body


# item 2: CORS


def test_api_cors_defaults_to_the_pages_own_origin(web: Client) -> None:
    foreign = web.request("OPTIONS", "/api/feedback", headers={"Origin": LENDER})
    assert foreign.status == 204 and foreign.all("access-control-allow-origin") == []
    assert web.get("/api/config", headers={"Origin": LENDER}).all("access-control-allow-origin") == []
    own = web.request("OPTIONS", "/api/feedback", headers={"Origin": "http://localhost:8000"})
    assert own.all("access-control-allow-origin") == ["http://localhost:8000"]
    assert "POST" in own.header("access-control-allow-methods")


def test_assets_answer_any_site_when_no_origins_are_listed(web: Client) -> None:
    for path in ("/widget/widget.js", "/vendor/socket.io.esm.min.js"):
        assert web.get(path, headers={"Origin": LENDER}).all("access-control-allow-origin") == ["*"], path
        assert web.get(path).all("access-control-allow-origin") == ["*"], path


def test_api_cors_allowlist_from_configuration(staff_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    web = _web_with_origins(monkeypatch, f"{LENDER}, https://other.example")
    try:
        resp = web.request("OPTIONS", "/api/feedback", headers={"Origin": LENDER})
        assert resp.all("access-control-allow-origin") == [LENDER]
        assert "Origin" in resp.header("vary")
        evil = web.request("OPTIONS", "/api/feedback", headers={"Origin": "https://evil.example"})
        assert evil.all("access-control-allow-origin") == []
        asset = web.get("/widget/widget.js", headers={"Origin": LENDER})
        assert asset.all("access-control-allow-origin") == [LENDER]
        assert (
            web.get("/widget/widget.js", headers={"Origin": "https://evil.example"}).all("access-control-allow-origin")
            == []
        )
    finally:
        web.close()


@pytest.mark.parametrize("origins", ["*", "*, https://lender.example"])
def test_star_in_configuration_never_reaches_the_api(
    staff_env: Path, monkeypatch: pytest.MonkeyPatch, origins: str
) -> None:
    web = _web_with_origins(monkeypatch, origins)
    try:
        resp = web.request("OPTIONS", "/api/feedback", headers={"Origin": "https://evil.example"})
        assert resp.all("access-control-allow-origin") == []
    finally:
        web.close()


@pytest.mark.parametrize(
    "path", ["/widget/widget.js", "/api/config", "/api/feedback", "/", "/staff/login", "/health", "/nope"]
)
@pytest.mark.parametrize("origin", [LENDER, "http://localhost:8000", None])
def test_at_most_one_allow_origin_and_never_star_with_credentials(web: Client, path: str, origin: str | None) -> None:
    for method in ("GET", "OPTIONS"):
        resp = web.request(method, path, headers={"Origin": origin} if origin else {})
        allow = resp.all("access-control-allow-origin")
        assert len(allow) <= 1, (path, allow)
        if allow == ["*"]:
            assert resp.all("access-control-allow-credentials") == []


# item 4: signed session ids expire and can be revoked


def test_new_conversation_revokes_the_old_id(web: Client) -> None:
    old = session.sign()
    assert session.verify(old) == old
    resp = web.post("/api/session/revoke", json_body={"session_id": old}, headers={"Origin": "http://localhost:8000"})
    assert resp.status == 204
    assert session.verify(old) is None  # the socket.io channel now issues a new id for it
    vote = {"conversation_id": old, "message_id": "a1", "rating": "up"}
    assert web.post("/api/feedback", json_body=vote).status == 400
    assert web.post("/api/session/revoke", json_body={"session_id": old}).status == 204  # idempotent


@pytest.mark.parametrize("body", [{}, {"session_id": "forged.0123456789abcdef01234567"}, {"session_id": 3}, []])
def test_revoke_refuses_what_is_not_a_session(web: Client, body: object) -> None:
    assert web.post("/api/session/revoke", json_body=body).status == 400


def test_revoke_refuses_bad_json(web: Client) -> None:
    resp = web.request("POST", "/api/session/revoke", headers={"content-type": "application/json"})
    assert resp.status == 400


def test_widget_new_conversation_button_calls_revoke() -> None:
    chat = (Path(__file__).resolve().parents[2] / "web" / "static" / "widget" / "chat.js").read_text(encoding="utf-8")
    restart = chat[chat.index("  restart() {") :]
    restart = restart[: restart.index("\n  }\n")]
    assert "revoke" in restart
    assert "api/session/revoke" in chat
