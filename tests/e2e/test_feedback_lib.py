"""web.feedback and web.server without a running stack (milliseconds)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from web import feedback
from web.security import content_security_policy, socket_origins
from web.server import create_app, mount_staff

GOOD = {"conversation_id": "0a1b.0123456789abcdef01234567", "message_id": "amx0gj-1", "rating": "up"}


@pytest.fixture(autouse=True)
def no_secret(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("LOANWHY_SESSION_SECRET", raising=False)
    monkeypatch.setenv("LOANWHY_VAR", str(tmp_path / "var"))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rating": "UP"}, "rating"),
        ({"rating": None}, "rating"),
        ({"conversation_id": ""}, "conversation_id"),
        ({"conversation_id": "x" * 80 + ".0123456789abcdef01234567"}, "conversation_id"),
        ({"conversation_id": "no-signature"}, "conversation_id"),
        ({"message_id": ""}, "message_id"),
        ({"message_id": "a b"}, "message_id"),
        ({"message_id": "a" * 65}, "message_id"),
        ({"message_id": None, "index": "3"}, "message_id"),
        ({"text": ["x"]}, "text"),
    ],
)
def test_parse_names_the_wrong_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(feedback.FeedbackError, match=field):
        feedback.parse({**GOOD, **change})


def test_parse_accepts_index_and_masks_personal_numbers() -> None:
    vote = feedback.parse({**GOOD, "message_id": None, "index": 0, "text": "卡号6222020200112233445"})
    assert vote.message_id == "0"
    assert "6222020200112233445" not in vote.text


def test_signature_is_checked_when_the_secret_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOANWHY_SESSION_SECRET", "s3cret")
    with pytest.raises(feedback.FeedbackError):
        feedback.parse(GOOD)


def test_signature_is_checked_with_the_key_file_of_the_runtime_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from loanwhy import session

    monkeypatch.setattr(session, "_CACHE", {})  # the key is cached per process

    key = tmp_path / "var" / "session.key"
    key.parent.mkdir()
    key.write_text("k" * 64)
    good = session.sign("0a1b")  # signs with the same key file, as the Rasa channel does
    assert feedback.parse({**GOOD, "conversation_id": good}).conversation_id == good
    with pytest.raises(feedback.FeedbackError):
        feedback.parse(GOOD)


def test_record_upserts_one_row_per_answer(tmp_path: Path) -> None:
    db = tmp_path / "app.sqlite"
    feedback.record(feedback.parse(GOOD), db)
    feedback.record(feedback.parse({**GOOD, "rating": "down"}), db)
    feedback.record(feedback.parse({**GOOD, "message_id": "other"}), db)
    rows = feedback.for_conversation(GOOD["conversation_id"], db)
    assert sorted((r["message_id"], r["rating"]) for r in rows) == [("amx0gj-1", "down"), ("other", "up")]
    assert feedback.for_conversation("nobody.0123456789abcdef01234567", db) == []


def test_csp_allows_only_self_and_the_rasa_origin() -> None:
    assert socket_origins("https://bot.example.com:8443/") == [
        "https://bot.example.com:8443",
        "wss://bot.example.com:8443",
    ]
    csp = content_security_policy("http://localhost:5005")
    assert "connect-src 'self' http://localhost:5005 ws://localhost:5005" in csp
    assert "unsafe" not in csp
    with pytest.raises(ValueError):
        socket_origins("javascript:alert(1)")


def test_app_has_its_routes_and_mounts_the_staff_console_if_present() -> None:
    import importlib.util

    app = create_app("http://localhost:5005", name="loanwhy_web_unit")
    paths = {route.path for route in app.router.routes}
    assert {"", "health", "api/feedback", "api/config"} <= paths
    staff_present = importlib.util.find_spec("staff") is not None
    assert any(p.startswith("staff") for p in paths) == staff_present


def test_missing_staff_console_is_tolerated(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    for name in ("staff", "staff.app"):
        monkeypatch.setitem(sys.modules, name, None)  # import -> ModuleNotFoundError
    app = create_app("http://localhost:5005", name="loanwhy_web_nostaff")
    assert mount_staff(app) is False


def test_a_vote_needs_an_answer_in_the_conversation(tmp_path: Path) -> None:
    import json
    import sqlite3

    db = tmp_path / "tracker.db"
    with sqlite3.connect(db) as conn:
        conn.execute("create table events (id integer primary key, sender_id text, type_name text, "
                     "timestamp real, data text)")
        conn.execute("insert into events (sender_id, type_name, timestamp, data) values ('a', 'user', 1, ?)",
                     [json.dumps({"event": "user", "text": "你好"})])
        conn.execute("insert into events (sender_id, type_name, timestamp, data) values ('b', 'bot', 1, ?)",
                     [json.dumps({"event": "bot", "text": "您好"})])
    assert not feedback.answered("a", db)  # only the user spoke
    assert feedback.answered("b", db)
    assert not feedback.answered("nobody", db)
