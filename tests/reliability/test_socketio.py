"""Bad input and session theft over socket.io (the web widget's channel), against the running stack."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import yaml

from tests.reliability.sio import Client, bot_texts, diagnosis_ids
from tests.reliability.stack import ROOT, Stack, signal_ids

EMPTY = object()  # emit("user_uttered") with no data at all

# (payload, what must come back) -- each on a fresh session, so earlier cases cannot
# tip the conversation into a handoff (the bot hands over after repeated misunderstandings)
BATTERY: list[tuple[str, Any, str]] = [
    ("empty", {"message": ""}, "answer"),
    ("whitespace", {"message": " \t\n　"}, "answer"),
    ("NUL and control characters", {"message": "\x00\x01\x02\x1b[2J"}, "answer"),
    ("zero-width only", {"message": "\u200b\u200b"}, "answer"),
    ("emoji only", {"message": "😂🙏🙏"}, "answer"),
    ("slash restart", {"message": "/restart"}, "answer"),
    ("slash inform", {"message": '/inform{"facts": {"overdue_record": {"state": "raised"}}}'}, "answer"),
    ("full-width slash", {"message": "／request_handoff"}, "answer"),
    ("message is a number", {"message": 123}, "error"),
    ("message is a list", {"message": ["a"]}, "error"),
    ("message is an object", {"message": {"text": "hi"}}, "error"),
    ("message is bytes", {"message": b"\xff\xfe\x00"}, "error"),
    ("data is a string", "我被拒了", "answer"),
    ("data is null", None, "answer"),
    ("no data at all", EMPTY, "answer"),
    ("metadata of the wrong type", {"message": "我被拒了", "customData": "x"}, "answer"),
    ("100 KB message", {"message": "我信用卡刷爆了" + "a" * 100_000}, "answer"),
]


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(coro)  # type: ignore[arg-type]


async def one_case(url: str, payload: Any) -> list[tuple[str, Any]]:
    client = Client(url)
    await client.connect()
    try:
        if payload is EMPTY:
            await client.sio.emit("user_uttered")
            return [await client.next(30)]
        return await client.say(payload)
    finally:
        await client.close()


@pytest.mark.parametrize("name, payload, expect", BATTERY, ids=[b[0] for b in BATTERY])
def test_bad_input_gets_a_clear_answer_or_error(rel: Stack, name: str, payload: Any, expect: str) -> None:
    # guards: channels/guard.py (empty, control characters, slash commands, cap) and the type checks and
    # default arguments of the handlers in channels/socketio.py (a missing argument raises in the
    # socket.io task and the user waits for ever; a 100 KB frame over max_http_buffer_size disconnects)
    pid = rel.pid("rasa")
    events = run(one_case(rel.rasa, payload))
    names = [n for n, _ in events]
    assert "disconnect" not in names, events
    if expect == "error":
        assert names[0] == "error_message" and events[0][1].get("error"), events
    else:
        assert bot_texts(events), events
        assert not diagnosis_ids(events) or name == "100 KB message"  # slash commands set no facts
    assert rel.pid("rasa") == pid and rel.health()[0] == 200  # nothing crashed


def test_message_without_session_request_gets_an_error_event(rel: Stack) -> None:
    # guards: the session check in handle_message (no conversation without a server-issued id)
    async def go() -> list[tuple[str, Any]]:
        client = Client(rel.rasa)
        await client.connect(request_session=False)
        try:
            return await client.say({"message": "我被拒了", "session_id": "anything"})
        finally:
            await client.close()

    events = run(go())
    assert events[0][0] == "error_message" and "session_request" in events[0][1]["error"]


def test_other_users_are_unaffected_by_the_battery(rel: Stack) -> None:
    # guards: per-conversation isolation: junk from many clients at once neither blocks nor mixes into
    # a normal conversation
    async def go() -> tuple[list[str], float]:
        user = Client(rel.rasa)
        await user.connect()
        await user.say({"message": "我给朋友做了担保"})
        junk = [one_case(rel.rasa, p) for _, p, _ in BATTERY if p is not EMPTY]
        started = asyncio.get_running_loop().time()
        results = await asyncio.gather(user.say({"message": "另外我这两个月查了十几次征信"}), *junk)
        took = asyncio.get_running_loop().time() - started
        await user.close()
        return diagnosis_ids(results[0]), took

    ids, took = run(go())
    assert {"external_guarantee", "frequent_inquiries"} <= set(ids)
    assert took < 30


Attack = Callable[[str], Any]


def unsigned(victim: str) -> str:
    return victim


def tampered_raw(victim: str) -> str:
    raw, mac = (victim.split(".") + [""])[:2]
    return f"{raw}x.{mac}" if mac else f"{victim}.{'0' * 24}"


def forged_mac(victim: str) -> str:
    return f"{victim.split('.')[0]}.{'0' * 24}"


def non_ascii_mac(victim: str) -> str:
    return f"{victim}.\x80é"  # hmac.compare_digest raises TypeError on non-ASCII str


@pytest.mark.parametrize("attack", [unsigned, tampered_raw, forged_mac, non_ascii_mac])
def test_a_chosen_session_id_does_not_join_another_conversation(rel: Stack, attack: Attack) -> None:
    # guards: verified_session() in channels/socketio.py (only ids signed by the server are honoured);
    # without it the attacker would continue the victim's conversation and see their diagnosis; a
    # non-ASCII signature must be refused, not raise (the client would wait for ever for its session)
    victim = f"victim-{uuid.uuid4().hex[:10]}"
    _, replies, _ = rel.say(victim, "我给朋友做了担保")  # a conversation under a known id
    assert signal_ids(replies) == ["external_guarantee"]

    async def go() -> tuple[str | None, list[tuple[str, Any]]]:
        attacker = Client(rel.rasa)
        got = await attacker.connect(session_id=attack(victim))
        try:
            return got, await attacker.say({"message": "直接告诉我结果", "session_id": victim})
        finally:
            await attacker.close()

    session, events = run(go())
    assert session and victim not in session
    assert "external_guarantee" not in diagnosis_ids(events)


def test_a_stolen_socket_session_is_not_reachable_by_changing_the_raw_part(rel: Stack) -> None:
    # guards: the MAC covers the whole raw id (a tab cannot step from its own id to a neighbour's)
    async def go() -> tuple[str | None, str | None, list[tuple[str, Any]]]:
        victim = Client(rel.rasa)
        victim_id = await victim.connect()
        await victim.say({"message": "我给朋友做了担保"})
        attacker = Client(rel.rasa)
        assert victim_id is not None
        got = await attacker.connect(session_id=tampered_raw(victim_id))
        events = await attacker.say({"message": "直接告诉我结果", "session_id": victim_id})
        late = [e async for e in drain(victim, 1.0)]
        await attacker.close()
        await victim.close()
        assert not late  # the victim's tab got nothing of the attacker's turn
        return victim_id, got, events

    victim_id, got, events = run(go())
    assert got != victim_id and "external_guarantee" not in diagnosis_ids(events)


async def drain(client: Client, seconds: float) -> Any:
    while True:
        try:
            yield await client.next(seconds)
        except asyncio.TimeoutError:
            return


def test_a_new_conversation_on_the_same_socket_stops_the_old_ones_replies(rel: Stack) -> None:
    # "新对话" asks for a new session on the same socket: it must leave the old conversation's room
    async def case() -> tuple[str | None, str | None, Any]:
        first = Client(rel.rasa)
        old = await first.connect()
        await first.sio.emit("session_request", {"session_id": None})
        name, value = await first.next(10)
        assert name == "session_confirm", (name, value)
        new = value if isinstance(value, str) else (value or {}).get("session_id")
        second = Client(rel.rasa)
        try:
            await second.connect(old)
            await second.say({"message": "你好"})
            try:
                stray = await first.next(3)
            except asyncio.TimeoutError:
                stray = None
        finally:
            await first.close()
            await second.close()
        return old, new, stray

    old, new, stray = run(case())
    assert old and new and old != new
    assert stray is None, stray  # the old conversation's replies went to its own socket only


def greeting() -> str:
    return str(yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]["utter_greet"][0]["text"])


@pytest.mark.parametrize("opening", ["/get_started", "/greet", "/start", '/get_started{"x": 1}', "", None])
def test_a_widgets_opening_message_gets_the_welcome(rel: Stack, opening: Any) -> None:
    # guards guard.opening in channels/socketio.py: rasa-webchat opens with its initPayload or an empty
    # message; they got the goodbye, out-of-scope or empty-message reply
    async def go() -> tuple[list[str], list[str]]:
        client = Client(rel.rasa)
        await client.connect()
        try:
            first = bot_texts(await client.say({"message": opening}))
            second = bot_texts(await client.say({"message": ""}))
            return first, second
        finally:
            await client.close()

    first, second = run(go())
    assert greeting() in first, first
    # an empty message later is not an opening: the empty-message reply
    assert second and greeting() not in second, second


def test_the_custom_payload_has_the_same_shape_and_script_on_socketio_and_rest(rel: Stack) -> None:
    # guards GuardedSocketIOOutput.send_custom_json and guard.outbound_payload: socket.io sent the bare
    # payload while REST wraps it in "custom", and Traditional writers got Simplified signal names
    text = "我這兩個月查了十幾次徵信，信用卡五張都刷爆了，貸款被拒了"

    async def over_socket() -> list[tuple[str, Any]]:
        client = Client(rel.rasa)
        await client.connect()
        try:
            await client.say({"message": "你好"})  # a typed greeting starts the self-check
            said = await client.say({"message": text})
            return said + await client.say({"message": "直接告訴我結果"})  # written in Traditional too
        finally:
            await client.close()

    events = run(over_socket())
    sio_custom = [
        v["custom"]
        for n, v in events
        if n == "bot_uttered" and isinstance(v, dict) and "diagnosis" in (v.get("custom") or {})
    ]
    status, replies, _ = rel.say(f"tw-{uuid.uuid4().hex[:8]}", text)
    rest_custom = [m["custom"] for m in replies if "diagnosis" in (m.get("custom") or {})]
    assert status == 200 and sio_custom and rest_custom
    for custom in (sio_custom[0], rest_custom[0]):
        signals = custom["diagnosis"]["signals"]
        assert {s["id"] for s in signals} >= {"frequent_inquiries"}
        names = "".join(s["name"] for s in signals)
        assert "詢" in names and "询" not in names, names  # 征信查询过于频繁 in Traditional
    assert sio_custom[0]["diagnosis"]["signals"] == rest_custom[0]["diagnosis"]["signals"]
