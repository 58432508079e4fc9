"""Anonymous flooding (issue 11): message rates per sender and per address, open handoffs per
address, and audit rows for anonymous noise are all bounded."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from rasa.core.channels.channel import UserMessage
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionHandoff
from channels.rest import GuardedRestInput
from channels.socketio import GuardedSocketIOInput
from loanwhy import audit, handoff, ratelimit, rest_auth
from tests.reliability.sio import Client
from tests.wechat.wechat_harness import serve


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout=30))


class Recorder:
    def __init__(self) -> None:
        self.calls: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.calls.append(message)
        await message.output_channel.send_text_message(message.sender_id, "好的")


# -- the token bucket ----------------------------------------------------------------------------


def test_bucket_allows_a_burst_then_the_refill_rate() -> None:
    limiter = ratelimit.Limiter(capacity=3, per_s=0.5)
    assert [limiter.allow("a", now=100.0) for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b", now=100.0)  # another key has its own bucket
    assert not limiter.allow("a", now=101.0)  # half a token
    assert limiter.allow("a", now=102.0) and not limiter.allow("a", now=102.0)


def test_limiter_memory_is_bounded() -> None:
    limiter = ratelimit.Limiter(capacity=1, per_s=0.001, max_keys=100)
    for i in range(1000):
        limiter.allow(f"k{i}", now=1.0)
    assert len(limiter) <= 100


@pytest.mark.parametrize(
    "value, expected",
    [("", (20, 0.5)), ("5,1", (5, 1.0)), ("5", (20, 0.5)), ("x,y", (20, 0.5)), ("0,1", (20, 0.5))],
)
def test_limits_from_the_environment(value: str, expected: tuple[int, float]) -> None:
    assert ratelimit.setting(value, (20, 0.5)) == expected


@pytest.mark.parametrize(
    "peer, headers, address, local",
    [
        ("127.0.0.1", {}, "127.0.0.1", True),
        ("127.0.0.1", {"x-forwarded-for": "198.51.100.7, 203.0.113.9"}, "203.0.113.9", False),  # nginx appends
        ("203.0.113.5", {"x-forwarded-for": "10.0.0.1"}, "203.0.113.5", False),  # not from our proxy: ignored
        ("127.0.0.1", {"x-forwarded-for": "127.0.0.1"}, "127.0.0.1", True),  # a local tool through nginx
        ("203.0.113.5", {}, "203.0.113.5", False),
    ],
)
def test_client_address(peer: str, headers: dict[str, str], address: str, local: bool) -> None:
    assert ratelimit.client_address(peer, headers) == (address, local)


# -- REST and socket.io ----------------------------------------------------------------------------


async def rest(base: str, sender: str, headers: dict[str, str] | None = None) -> int:
    async with (
        aiohttp.ClientSession() as s,
        s.post(
            base + "/webhooks/rest/webhook",
            data=json.dumps({"sender": sender, "message": "转人工"}),
            headers=headers or {},
        ) as resp,
    ):
        return resp.status


def test_rest_limits_each_sender(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(rest_auth.TOKEN_ENV, raising=False)
    monkeypatch.setenv("LOANWHY_VAR", str(tmp_path))
    monkeypatch.setenv(ratelimit.SENDER_ENV, "3,0.01")
    bot = Recorder()

    async def go() -> list[int]:
        async with serve(GuardedRestInput(), bot) as base:  # type: ignore[arg-type]
            return [await rest(base, "one") for _ in range(5)] + [await rest(base, "two")]

    assert run(go()) == [200, 200, 200, 429, 429, 200]
    assert len(bot.calls) == 4


def test_rest_limits_each_address_behind_the_proxy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(rest_auth.TOKEN_ENV, "t0ken")
    monkeypatch.setenv("LOANWHY_VAR", str(tmp_path))
    monkeypatch.setenv(ratelimit.ADDRESS_ENV, "4,0.01")
    bot = Recorder()
    auth = {"Authorization": "Bearer t0ken"}

    async def go() -> list[int]:
        async with serve(GuardedRestInput(), bot) as base:  # type: ignore[arg-type]
            flood = [await rest(base, f"s{i}", {**auth, "X-Forwarded-For": "203.0.113.9"}) for i in range(6)]
            other = await rest(base, "s-other", {**auth, "X-Forwarded-For": "198.51.100.1"})
            return flood + [other]

    assert run(go()) == [200] * 4 + [429, 429, 200]


def test_socketio_limits_each_session(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LOANWHY_VAR", str(tmp_path))
    monkeypatch.setenv(ratelimit.SENDER_ENV, "2,0.01")
    bot = Recorder()

    async def go() -> list[list[tuple[str, Any]]]:
        async with serve(GuardedSocketIOInput(), bot) as base:  # type: ignore[arg-type]
            client = Client(base)
            await client.connect()
            try:
                return [await client.say({"message": f"第{i}条"}, timeout=10, quiet=0.3) for i in range(3)]
            finally:
                await client.close()

    answers = run(go())
    assert len(bot.calls) == 2
    assert answers[2][0][0] == "error_message" and "too many" in answers[2][0][1]["error"]


def test_channels_tell_the_actions_where_a_message_came_from(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(rest_auth.TOKEN_ENV, raising=False)
    monkeypatch.setenv("LOANWHY_VAR", str(tmp_path))
    bot = Recorder()

    async def go() -> None:
        async with serve(GuardedRestInput(), bot) as base:  # type: ignore[arg-type]
            async with aiohttp.ClientSession() as s:
                body = {"sender": "a", "message": "转人工", "metadata": {"source": "forged"}}
                async with s.post(base + "/webhooks/rest/webhook", data=json.dumps(body)) as resp:
                    assert resp.status == 200

    run(go())
    source = bot.calls[0].metadata["source"]  # type: ignore[index]
    assert source != "forged" and source == ratelimit.source_id("127.0.0.1")
    assert "127.0.0.1" not in source  # a keyed digest, not the address


# -- handoffs -----------------------------------------------------------------------------------


def handoff_tracker(sender: str, source: str | None) -> Tracker:
    metadata = {"source": source} if source else {}
    return Tracker(
        sender_id=sender,
        slots={},
        latest_message={
            "text": "转人工",
            "metadata": metadata,
            "intent": {"name": "request_handoff", "confidence": 0.9},
        },
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def test_one_address_cannot_open_handoffs_without_end(app_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(handoff.PER_SOURCE_ENV, raising=False)
    said = []
    for i in range(10):
        dispatcher = CollectingDispatcher()
        asyncio.run(ActionHandoff().run(dispatcher, handoff_tracker(f"rest:flood-{i}", "src-a"), {}))
        said.append(dispatcher.messages[0]["response"])
    assert said[: handoff.MAX_OPEN_PER_SOURCE] == ["utter_handoff"] * handoff.MAX_OPEN_PER_SOURCE
    assert set(said[handoff.MAX_OPEN_PER_SOURCE :]) == {"utter_handoff_busy"}
    assert len(handoff.pending(app_db)) == handoff.MAX_OPEN_PER_SOURCE
    # another address, and a channel that names no address (WeChat: the platform vouches), are not affected
    for sender, source in (("rest:other", "src-b"), ("wechat:o1", None)):
        dispatcher = CollectingDispatcher()
        asyncio.run(ActionHandoff().run(dispatcher, handoff_tracker(sender, source), {}))
        assert dispatcher.messages[0]["response"] == "utter_handoff"


def test_closed_and_old_handoffs_do_not_count(app_db: Path) -> None:
    rows = [handoff.request(f"s{i}", "x", "rest", app_db, source="src") for i in range(handoff.MAX_OPEN_PER_SOURCE)]
    with pytest.raises(handoff.TooManyHandoffs):
        handoff.request("s-next", "x", "rest", app_db, source="src")
    handoff.set_status(rows[0]["id"], handoff.CLOSED, "amy", app_db)
    assert handoff.request("s-next", "x", "rest", app_db, source="src")["status"] == handoff.PENDING


# -- audit --------------------------------------------------------------------------------------


def test_anonymous_noise_is_one_row_per_source_and_minute(app_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # one clock minute (a slow machine could otherwise cross into the next one mid-loop, which rightly
    # allows new rows)
    monkeypatch.setattr(audit, "time", SimpleNamespace(time=lambda: 1_796_000_010.0))
    audit.log("amy", "login", ip="10.0.0.2")
    for _ in range(2000):  # the report: 9,300 rows in 8 s
        audit.log("", "csrf_rejected", "/staff/login", ip="203.0.113.9")
    for i in range(300):
        audit.log(f"guess{i}", "login_failed", ip="198.51.100.1")
    rows = audit.recent(1000)
    assert len(rows) <= 2 * (audit.NOISE_ROWS_PER_MINUTE + 1) + 1
    assert any(r["action"] == "login" and r["staff"] == "amy" for r in rows)  # the real entry stays in view
    counted = {a: sum(r["count"] for r in rows if r["action"] == a) for a in ("csrf_rejected", "login_failed")}
    assert counted == {"csrf_rejected": 2000, "login_failed": 300}


def test_a_few_failed_logins_stay_separate_rows(app_db: Path) -> None:
    for _ in range(5):
        audit.log("amy", "login_failed", ip="10.0.0.2")
    assert [r["action"] for r in audit.recent(10, staff="amy")].count("login_failed") == 5
