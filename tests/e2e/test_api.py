"""The web server's HTTP side: health, security headers, the feedback endpoint."""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from stack import ROOT, VAR, WEBCHAT_ORIGIN, Stack


def call(
    stack: Stack, path: str, body: bytes | None = None, method: str | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(stack.url + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def signed(stack: Stack, raw: str) -> str:
    """An id as loanwhy.session issues it: `<raw>-<expiry>.<mac>`."""
    secret = stack.env["LOANWHY_SESSION_SECRET"].encode()
    body = f"{raw}-{int(time.time()) + 3600}"
    return f"{body}.{hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()[:24]}"


def post(stack: Stack, data: Any) -> int:
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    return call(stack, "api/feedback", body, headers={"Content-Type": "application/json"})[0]


def test_health_and_security_headers(stack: Stack) -> None:
    status, headers, body = call(stack, "health")
    assert status == 200 and json.loads(body) == {"status": "ok"}
    status, headers, _ = call(stack, "")
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "object-src 'none'" in csp
    assert "ws://localhost:5105" in csp and "http://localhost:5105" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-type"].startswith("text/html")


def test_widget_assets_can_be_embedded_by_the_listed_sites(stack: Stack) -> None:
    # the stack lists a lender's site in LOANWHY_CORS_ORIGINS (stack.py); with no list, assets answer
    # any site with "*" (tests/staff/test_web_server_security.py)
    for path in ("widget/widget.js", "widget/widget.css", "vendor/socket.io.esm.min.js"):
        status, headers, _ = call(stack, path, headers={"Origin": WEBCHAT_ORIGIN})
        assert status == 200, path
        assert headers["access-control-allow-origin"] == WEBCHAT_ORIGIN
        unlisted = call(stack, path, headers={"Origin": "https://lender.example"})[1]
        assert "access-control-allow-origin" not in unlisted, path
    status, headers, _ = call(
        stack,
        "api/feedback",
        method="OPTIONS",
        headers={"Origin": stack.url.rstrip("/"), "Access-Control-Request-Method": "POST"},
    )
    assert status == 204 and "POST" in headers["access-control-allow-methods"]
    # the API answers other sites only when LOANWHY_CORS_ORIGINS lists them
    status, headers, _ = call(
        stack,
        "api/feedback",
        method="OPTIONS",
        headers={"Origin": WEBCHAT_ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert status == 204 and headers["access-control-allow-origin"] == WEBCHAT_ORIGIN
    status, headers, _ = call(
        stack,
        "api/feedback",
        method="OPTIONS",
        headers={"Origin": "https://lender.example", "Access-Control-Request-Method": "POST"},
    )
    assert status == 204 and "access-control-allow-origin" not in headers


@pytest.mark.parametrize("path", ["widget/../server.py", "widget/%2e%2e/feedback.py", "vendor/../../feedback.py"])
def test_no_files_outside_static(stack: Stack, path: str) -> None:
    assert call(stack, path)[0] == 404


def test_config_tells_the_widget_where_rasa_is(stack: Stack) -> None:
    status, _, body = call(stack, "api/config")
    assert status == 200 and json.loads(body)["socket"]["url"] == stack.rasa_url


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe",
        b"[]",
        {"message_id": "a1", "rating": "up"},
        {"conversation_id": "someone-else", "message_id": "a1", "rating": "up"},
        {"conversation_id": "abc.0123456789abcdef01234567", "message_id": "a1", "rating": "up"},
        {"conversation_id": "SIGNED", "message_id": "a1", "rating": "meh"},
        {"conversation_id": "SIGNED", "rating": "up"},
        {"conversation_id": "SIGNED", "message_id": "<script>", "rating": "up"},
        {"conversation_id": "SIGNED", "index": -1, "rating": "down"},
        {"conversation_id": "SIGNED", "index": True, "rating": "down"},
        {"conversation_id": "SIGNED", "message_id": "a1", "rating": "up", "text": 5},
    ],
)
def test_feedback_rejects_bad_requests(stack: Stack, body: Any) -> None:
    if isinstance(body, dict) and body.get("conversation_id") == "SIGNED":
        body = {**body, "conversation_id": signed(stack, "bad0requests")}
    assert post(stack, body) == 400


def answer_in(conversation: str) -> None:
    """One answer of the assistant in the stack's tracker store, as Rasa writes it."""
    with sqlite3.connect(ROOT / VAR / "tracker.db") as db:
        db.execute(
            "insert into events (sender_id, type_name, timestamp, data) values (?, 'bot', ?, ?)",
            [conversation, time.time(), json.dumps({"event": "bot", "text": "您好"})],
        )


def test_feedback_on_a_conversation_without_answers_is_refused(stack: Stack) -> None:
    assert post(stack, {"conversation_id": signed(stack, "no0answers"), "index": 0, "rating": "down"}) == 404


def test_feedback_by_index_is_stored_and_a_second_vote_replaces_the_first(stack: Stack) -> None:
    conversation = signed(stack, "api0test")
    answer_in(conversation)
    assert (
        post(stack, {"conversation_id": conversation, "index": 3, "rating": "up", "text": "我的手机号是13812345678"})
        == 201
    )
    assert post(stack, {"conversation_id": conversation, "index": 3, "rating": "down"}) == 201
    with sqlite3.connect(stack.app_db) as db:
        rows = db.execute(
            "select message_id, rating from feedback where conversation_id = ?", [conversation]
        ).fetchall()
    assert rows == [("3", "down")]
