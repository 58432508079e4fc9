"""RASA_WORKERS=2: two Rasa worker processes on one port share conversations, locks and staff replies.

Ports 5405/5455/8405, runtime folder var/test-workers.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import websockets

from loanwhy.diagnose import find_diagnosis
from tests.live.conftest import MODEL
from tests.reliability.stack import ROOT, PortLock, Stack, http

PORTS = {"RASA_PORT": "5405", "ACTION_PORT": "5455", "WEB_PORT": "8405", "STAFF_PORT": "8408"}


@pytest.fixture(scope="module")
def two() -> Iterator[Stack]:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` (make test does it)")
    with PortLock("test-workers"):
        stack = Stack.create(ROOT / "var" / "test-workers", ports=PORTS)
        stack.env["RASA_WORKERS"] = "2"
        try:
            stack.run()
            yield stack
        finally:
            stack.stop()


def children(pid: int) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and (proc / "stat").read_text().rsplit(")", 1)[1].split()[1] == str(pid):
                found.append(int(proc.name))
        except (OSError, IndexError):
            continue
    return found


def test_two_workers_serve_the_port(two: Stack) -> None:
    pid = two.pid("rasa")
    assert pid is not None
    assert len(children(pid)) >= 2
    status, body = two.health()
    assert status == 200 and body["lock_store"] == "SQLiteLockStore", body


def test_conversations_keep_their_state_across_workers(two: Stack) -> None:
    senders = [f"w-{uuid.uuid4().hex[:8]}" for _ in range(8)]
    turns = ["我的贷款被拒了", "我给朋友做了担保", "直接告诉我结果"]

    def talk(sender: str) -> list[str]:
        for text in turns[:-1]:
            assert two.say(sender, text)[0] == 200
        status, replies, _ = two.say(sender, turns[-1])
        assert status == 200
        diagnosis = find_diagnosis([r.get("custom") for r in replies])
        assert diagnosis is not None, replies
        return list(diagnosis["signals"])

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(talk, senders))
    assert all("external_guarantee" in [s["id"] for s in signals] for signals in results)
    con = sqlite3.connect(two.var / "tracker.db")
    users = con.execute(
        "select count(*) from events where type_name = 'user' and sender_id like 'rest:w-%'"
    ).fetchone()[0]
    assert users == len(senders) * len(turns)  # every message stored once


def test_one_conversation_is_served_one_message_at_a_time(two: Stack) -> None:
    sender = f"w-{uuid.uuid4().hex[:8]}"
    texts = ["信用卡刷爆了", "最近查了十几次征信", "还有网贷没还完", "流水也少了"]
    with ThreadPoolExecutor(4) as pool:
        statuses = [s for s, _, _ in pool.map(lambda t: two.say(sender, t), texts)]
    assert statuses == [200] * 4
    con = sqlite3.connect(two.var / "tracker.db")
    kinds = [
        r[0] for r in con.execute("select type_name from events where sender_id = ? order by id", (f"rest:{sender}",))
    ]
    # with a working lock each message is followed by the bot's answer before the next one starts
    users = [i for i, k in enumerate(kinds) if k == "user"]
    assert len(users) == 4
    assert all("bot" in kinds[a:b] for a, b in zip(users, users[1:] + [len(kinds)], strict=True))


def test_websocket_works_and_long_polling_is_refused(two: Stack) -> None:
    """Engine.io v4 over a raw websocket, as the widget's client speaks it (the python-socketio
    client needs a newer aiohttp than Rasa 3.6 allows for websockets)."""
    ws_url = two.rasa.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"

    async def main() -> list[str]:
        async with websockets.connect(ws_url, open_timeout=10) as ws:
            assert str(await ws.recv()).startswith("0{")  # engine.io open
            await ws.send("40")  # socket.io connect
            assert str(await ws.recv()).startswith("40")
            await ws.send('42["session_request",{"session_id":null}]')
            frames: list[str] = []
            while not any("session_confirm" in f for f in frames):
                frames.append(str(await asyncio.wait_for(ws.recv(), 10)))
            await ws.send(
                json.dumps(["user_uttered", {"message": "我的贷款被拒了"}], ensure_ascii=False).join(["42", ""])
            )
            while not any("bot_uttered" in f for f in frames):
                frame = str(await asyncio.wait_for(ws.recv(), 30))
                if frame == "2":  # engine.io ping
                    await ws.send("3")
                frames.append(frame)
            return frames

    frames = asyncio.run(main())
    assert any("bot_uttered" in f for f in frames)
    status, _ = http("GET", two.rasa + "/socket.io/?EIO=4&transport=polling", timeout=10)
    assert status == 400
