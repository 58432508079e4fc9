"""web.feedback and web.server without a running stack (milliseconds)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.snippet import run_snippet
from web import feedback
from web.security import content_security_policy, socket_origins
from web.server import create_app

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


def test_app_has_its_routes_and_no_staff_console() -> None:
    app = create_app("http://localhost:5005", name="loanwhy_web_unit")
    paths = {route.path for route in app.router.routes}
    assert {"", "health", "api/feedback", "api/config"} <= paths
    assert not [p for p in paths if p.startswith("staff")]  # the console has its own server (staff/server.py)


# what the public server must never load: the staff console, the diagnosis (spaCy, jieba, the
# classifiers) and the action server (issue #13: it held 637 MB after one staff explanation)
HEAVY = (
    "staff",
    "actions",
    "rasa",
    "rasa_sdk",
    "spacy",
    "jieba",
    "sklearn",
    "channels",
    "nlu",
    "loanwhy.diagnose",
    "loanwhy.detect",
    "loanwhy.nlp",
    "loanwhy.report",
    "loanwhy.kb",
)


def test_web_server_loads_no_staff_console_and_no_diagnosis(tmp_path: Path) -> None:

    root = Path(__file__).resolve().parents[2]
    code = (
        "import sys\n"
        "from web.server import create_app\n"
        "create_app('http://localhost:5005')\n"
        f"heavy = {HEAVY!r}\n"
        "print(sorted(m for m in sys.modules if any(m == h or m.startswith(h + '.') for h in heavy)))\n"
    )
    done = run_snippet(code, root, LOANWHY_VAR=str(tmp_path / "var"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_a_vote_needs_an_answer_in_the_conversation(tmp_path: Path) -> None:
    import json
    import sqlite3

    db = tmp_path / "tracker.db"
    with sqlite3.connect(db) as conn:
        conn.execute(
            "create table events (id integer primary key, sender_id text, type_name text, timestamp real, data text)"
        )
        conn.execute(
            "insert into events (sender_id, type_name, timestamp, data) values ('a', 'user', 1, ?)",
            [json.dumps({"event": "user", "text": "你好"})],
        )
        conn.execute(
            "insert into events (sender_id, type_name, timestamp, data) values ('b', 'bot', 1, ?)",
            [json.dumps({"event": "bot", "text": "您好"})],
        )
    assert not feedback.answered("a", db)  # only the user spoke
    assert feedback.answered("b", db)
    assert not feedback.answered("nobody", db)


def _tracker(path: Path, sender: str, kinds: list[str]) -> Path:
    """A tracker store with these user/bot events in order, for one conversation."""
    import json
    import sqlite3

    with sqlite3.connect(path) as conn:
        conn.execute(
            "create table if not exists events (id integer primary key, sender_id text, type_name text, "
            "timestamp real, data text)"
        )
        for i, kind in enumerate(kinds):
            conn.execute(
                "insert into events (sender_id, type_name, timestamp, data) values (?, ?, ?, ?)",
                [sender, kind, i, json.dumps({"event": kind, "text": "你好" if kind == "user" else "您好"})],
            )
    return path


def test_answers_counts_each_run_of_assistant_messages(tmp_path: Path) -> None:
    # the widget gives one rating bar to the bot messages between two user messages (the welcome too)
    db = _tracker(tmp_path / "tracker.db", "c", ["bot", "user", "bot", "bot", "user", "user", "bot"])
    assert feedback.answers("c", db) == 3
    assert feedback.answers("nobody", db) == 0


def test_votes_of_a_conversation_are_capped_by_its_answers(tmp_path: Path) -> None:
    """Issue 11 re-run: one answered conversation took any number of distinct message ids, each a
    new 👎 in the weekly figures. Now at most one vote per answer; changing a vote stays possible."""
    db = tmp_path / "app.sqlite"
    feedback.record(feedback.parse({**GOOD, "message_id": "a1"}), db, limit=2)
    feedback.record(feedback.parse({**GOOD, "message_id": "a2", "rating": "down"}), db, limit=2)
    with pytest.raises(feedback.TooManyVotes):
        feedback.record(feedback.parse({**GOOD, "message_id": "forged-3", "rating": "down"}), db, limit=2)
    feedback.record(feedback.parse({**GOOD, "message_id": "a1", "rating": "down"}), db, limit=2)  # a change
    rows = feedback.for_conversation(GOOD["conversation_id"], db)
    assert sorted((r["message_id"], r["rating"]) for r in rows) == [("a1", "down"), ("a2", "down")]


def test_the_server_takes_no_more_votes_than_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio
    import json
    from types import SimpleNamespace

    var = tmp_path / "var"
    var.mkdir()
    monkeypatch.setenv("LOANWHY_VAR", str(var))
    monkeypatch.delenv("LOANWHY_APP_DB", raising=False)
    monkeypatch.delenv("LOANWHY_TRACKER_URL", raising=False)
    _tracker(var / "tracker.db", GOOD["conversation_id"], ["user", "bot"])  # one answer
    app = create_app("http://localhost:5005", name="feedback_cap_test")
    handler = app.router.routes_all[("api", "feedback")].handler

    def post(message_id: str) -> int:
        body = json.dumps({**GOOD, "message_id": message_id, "rating": "down"}).encode()
        return int(asyncio.run(handler(SimpleNamespace(method="POST", body=body))).status)

    assert post("a1") == 201
    assert post("a1") == 201  # the same answer again: the vote is replaced
    assert [post(f"forged-{i}") for i in range(3)] == [409, 409, 409]
    assert len(feedback.for_conversation(GOOD["conversation_id"], var / "app.sqlite")) == 1
