"""Handoff queue in the console: transcript from the tracker store, claim, reply through the bridge, hand back."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from staff_client import PASSWORD, Client

from loanwhy import accounts, audit, handoff
from staff import rasa_client, transcript


def _tracker(var: Path, sender: str) -> None:
    db = sqlite3.connect(var / "tracker.db")
    db.execute(
        "create table events (id integer primary key, sender_id text, type_name text, timestamp real, "
        "intent_name text, action_name text, data text)"
    )
    events = [
        ("user", {"text": "我的贷款被拒了 <b>急</b>，电话13812345678"}),
        ("action", {"name": "action_listen"}),
        ("bot", {"text": "请说说您的情况"}),
        ("bot", {"text": None, "data": {"custom": {"diagnosis": {}}}}),
        ("user", {"text": "我要人工"}),
        ("bot", {"text": "您好，我是客服", "metadata": {"staff": "agent1"}}),
    ]
    for i, (kind, data) in enumerate(events):
        db.execute(
            "insert into events (sender_id, type_name, timestamp, data) values (?, ?, ?, ?)",
            (sender, kind, 1_700_000_000 + i, json.dumps(data, ensure_ascii=False)),
        )
    db.execute(
        "insert into events (sender_id, type_name, timestamp, data) values ('other', 'user', 1, '{\"text\": \"x\"}')"
    )
    db.commit()


@pytest.fixture()
def queue(staff_env: Path, tmp_path: Path) -> dict[str, Any]:
    _tracker(tmp_path / "var", "web-1")
    return handoff.request("web-1", "我的贷款被拒了 | 我要人工 || signals: card_overdraft", "socketio")


@pytest.fixture()
def bridge_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    calls: list[tuple[str, str, str]] = []

    async def fake(sender_id: str, text: str, staff: str, base: str | None = None) -> rasa_client.Delivery:
        calls.append((sender_id, text, staff))
        return rasa_client.Delivery(True, True)

    monkeypatch.setattr(rasa_client, "send_reply", fake)
    return calls


def test_transcript_reads_user_bot_and_staff_masked(queue: dict[str, Any], tmp_path: Path) -> None:
    msgs = transcript.read("web-1")
    assert [m["who"] for m in msgs] == ["user", "bot", "bot", "user", "staff"]
    assert "13812345678" not in msgs[0]["text"] and msgs[2]["text"] == "[诊断结果]" and msgs[4]["staff"] == "agent1"
    assert transcript.read("nobody") == []
    assert transcript.read("web-1", store=tmp_path / "missing.db") == []


def test_queue_and_detail_pages(logged_in: Client, queue: dict[str, Any]) -> None:
    page = logged_in.get("/staff/handoffs")
    assert f"/staff/handoffs/{queue['id']}" in page.text and "等待中" in page.text
    detail = logged_in.get(f"/staff/handoffs/{queue['id']}")
    assert "我的贷款被拒了 &lt;b&gt;急&lt;/b&gt;" in detail.text and "13812345678" not in detail.text
    assert "接手这个对话" in detail.text and "交还给机器人" not in detail.text
    assert audit.recent(1)[0]["action"] == "view_transcript"
    assert logged_in.get("/staff/handoffs/999").status == 404
    api = logged_in.get(f"/staff/api/handoffs/{queue['id']}/transcript").json()
    assert len(api["messages"]) == 5 and api["status"] == "pending"


def test_claim_reply_hand_back(logged_in: Client, queue: dict[str, Any], bridge_calls: list[Any]) -> None:
    hid = queue["id"]
    csrf = logged_in.csrf()
    resp = logged_in.post(f"/staff/handoffs/{hid}/reply", form={"csrf": csrf, "text": "您好"})
    assert resp.header("location").endswith("msg=claim_first") and bridge_calls == []
    resp = logged_in.post(f"/staff/handoffs/{hid}/claim", form={"csrf": csrf})
    assert resp.header("location").endswith("msg=claimed")
    assert handoff.open_request("web-1")["claimed_by"] == "agent1"  # type: ignore[index]
    resp = logged_in.post(f"/staff/handoffs/{hid}/reply", form={"csrf": csrf, "text": "您好，我来帮您看看"})
    assert resp.header("location").endswith("msg=sent")
    assert bridge_calls == [("web-1", "您好，我来帮您看看", "agent1")]
    assert "已发送给客户" in logged_in.get(resp.header("location")).text
    resp = logged_in.post(f"/staff/handoffs/{hid}/release", form={"csrf": csrf, "text": "再见"})
    assert resp.header("location") == "/staff/handoffs?msg=released"
    assert not handoff.is_handed_off("web-1") and bridge_calls[-1][1] == "再见"
    assert [e["action"] for e in audit.recent(10, staff="agent1")][:4] == [
        "hand_back",
        "view_transcript",
        "reply",
        "claim",
    ]


def test_someone_elses_claim_is_respected(logged_in: Client, queue: dict[str, Any], bridge_calls: list[Any]) -> None:
    handoff.set_status(queue["id"], handoff.CLAIMED, "agent2")
    csrf = logged_in.csrf()
    for action in ("claim", "release"):
        resp = logged_in.post(f"/staff/handoffs/{queue['id']}/{action}", form={"csrf": csrf, "text": "x"})
        assert resp.header("location").endswith("msg=taken")
    assert handoff.open_request("web-1")["claimed_by"] == "agent2"  # type: ignore[index]
    assert bridge_calls == []


def test_failed_delivery_is_reported(logged_in: Client, queue: dict[str, Any]) -> None:
    # LOANWHY_RASA_URL points at a closed port: the real client reports the failure
    csrf = logged_in.csrf()
    logged_in.post(f"/staff/handoffs/{queue['id']}/claim", form={"csrf": csrf})
    resp = logged_in.post(f"/staff/handoffs/{queue['id']}/reply", form={"csrf": csrf, "text": "您好"})
    assert resp.header("location").endswith("msg=send_failed")
    assert "发送失败" in logged_in.get(resp.header("location")).text
    assert handoff.is_handed_off("web-1")


def test_two_staff_members(client: Client, queue: dict[str, Any], bridge_calls: list[Any]) -> None:
    accounts.add_user("agent2", PASSWORD)
    assert client.login("agent2").status == 302
    client.post(f"/staff/handoffs/{queue['id']}/claim", form={"csrf": client.csrf()})
    page = client.get(f"/staff/handoffs/{queue['id']}")
    assert "agent2 处理中" in page.text and "交还给机器人" in page.text
