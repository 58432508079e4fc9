"""Faults on a running assistant: action server killed or hung, Rasa killed, tracker store broken.

Each test names the protection it guards; without that protection it fails.
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.reliability.stack import BASE, ROOT, VAR_NAME, Stack, record, signal_ids, texts

FEW_SECONDS = 5.0  # "an apology and a retry hint within a few seconds" for a dead action server
HUNG_LIMIT_S = 12.0  # channels/rest.py REPLY_TIMEOUT_S (10 s) plus slack on a busy machine


def response_text(name: str) -> str:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return str(domain["responses"][name][0]["text"])


def test_action_server_killed_mid_conversation(rel: Stack, sender: str) -> None:
    # guards: the empty-reply apology in channels/rest.py (Rasa 3.6 answers 200 [] when an action
    # fails: the user would see nothing) and the SQL tracker store (facts survive).
    _, first, _ = rel.say(sender, "我给朋友做了担保")
    assert signal_ids(first) == ["external_guarantee"]
    rel.kill("actions")
    try:
        status, replies, took = rel.say(sender, "另外我这两个月查了十几次征信")
        record("dead_action_server_reply_s", round(took, 2))
        assert took < FEW_SECONDS
        assert status in (200, 503) and texts(replies) == response_text("utter_server_error")
    finally:
        rel.run()  # starts the action server again (Rasa is still running)
    _, after, _ = rel.say(sender, "另外我这两个月查了十几次征信")
    assert {"external_guarantee", "frequent_inquiries"} <= set(signal_ids(after) or [])


def test_hung_action_server_gets_an_apology_and_blocks_nobody(rel: Stack, sender: str) -> None:
    # guards: REPLY_TIMEOUT_S in channels/rest.py (Rasa itself waits 300 s for an action)
    _, first, _ = rel.say(sender, "我给朋友做了担保")
    assert signal_ids(first) == ["external_guarantee"]
    pid = rel.pid("actions")
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)  # accepts connections, never answers
    other: dict[str, Any] = {}
    try:
        # thanks needs no action (a typed greeting now runs action_greet on the hung server)
        t = threading.Thread(target=lambda: other.update(r=rel.say(sender + "-other", "谢谢")))
        t.start()
        status, replies, took = rel.say(sender, "另外我这两个月查了十几次征信")
        t.join()
    finally:
        os.kill(pid, signal.SIGCONT)
    record("hung_action_server_reply_s", round(took, 2))
    assert took < HUNG_LIMIT_S and texts(replies) == response_text("utter_server_error")
    assert other["r"][0] == 200 and texts(other["r"][1]) and other["r"][2] < 5.0
    _, after, _ = rel.say(sender, "另外我这两个月查了十几次征信")
    assert {"external_guarantee", "frequent_inquiries"} <= set(signal_ids(after) or [])


def test_rasa_killed_mid_conversation_continues(rel: Stack, sender: str) -> None:
    # guards: the SQL tracker store in endpoints.yml (with Rasa's default in-memory store the
    # conversation would restart blank)
    rel.say(sender, "我给朋友做了担保")
    rel.kill("rasa")
    started = time.monotonic()
    rel.run()
    record("rasa_restart_s", round(time.monotonic() - started, 1))
    _, replies, _ = rel.say(sender, "另外我这两个月查了十几次征信")
    assert {"external_guarantee", "frequent_inquiries"} <= set(signal_ids(replies) or [])


@pytest.mark.parametrize("breakage", ["directory", "not a database", "under a file"])
def test_run_refuses_to_start_on_an_unusable_store(tmp_path: Path, breakage: str) -> None:
    # guards: `loanwhy.cli check-stores` in scripts/run.sh (Rasa would start and keep
    # conversations in memory only)
    var = ROOT / "var" / f"{VAR_NAME}-bad"
    ports = {
        "RASA_PORT": str(BASE + 1),
        "ACTION_PORT": str(BASE + 51),
        "WEB_PORT": str(BASE + 3001),
        "STAFF_PORT": str(BASE + 3011),
    }
    bad = Stack.create(var, ports=ports)
    if breakage == "directory":
        (var / "tracker.db").mkdir(parents=True)
    elif breakage == "not a database":
        var.mkdir(parents=True)
        (var / "tracker.db").write_bytes(b"this is not sqlite" * 100)
    else:
        blocker = tmp_path / "a-file"
        blocker.write_text("x")
        bad = bad.with_var(blocker / "var")
    try:
        result = bad.run(check=False)
        assert result.returncode != 0
        assert bad.pid("rasa") is None and bad.pid("actions") is None
        if breakage != "under a file":
            assert "refusing to start" in result.stderr
    finally:
        bad.stop()
        shutil.rmtree(var, ignore_errors=True)


def test_tracker_store_broken_at_run_time_is_reported(rel: Stack, sender: str) -> None:
    # guards: channels/health.py (Rasa only logs one ERROR and carries on in memory)
    status, body = rel.health()
    assert status == 200, body
    db = rel.var / "tracker.db"
    saved = rel.var / "tracker.db.saved"
    db.rename(saved)
    db.mkdir()  # cannot be opened, even by root
    try:
        status, body = rel.health()
        assert status == 503 and "tracker store does not take a write" in body["reasons"]
        rel.say(sender, "我信用卡刷爆了")  # Rasa falls back to memory for this conversation
        status, body = rel.health()
        assert status == 503 and body["tracker_store"]["fallback_used"] is True
        assert "ERROR" in rel.logs() and "health: tracker_store failed" in rel.logs()
    finally:
        db.rmdir()
        saved.rename(db)
        rel.stop("rasa")  # a fresh process forgets the fallback
        rel.run()
    assert rel.health()[0] == 200
