"""More property tests (hypothesis): the input guard on arbitrary bytes and objects, the REST body
handling on random JSON, signed socket.io session ids, and retention on arbitrary sender ids."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import tempfile
import unicodedata
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from channels import guard, rest
from channels import socketio as sio_channel
from loanwhy import retention
from loanwhy.normalize import MAX_CHARS

MOBILE = re.compile(r"1[3-9]\d{9}")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


@given(st.binary(max_size=6000))
def test_guard_on_arbitrary_bytes(raw: bytes) -> None:
    result = guard.inbound(raw.decode("utf-8", errors="replace"))
    assert len(result.text) <= MAX_CHARS
    assert not result.text.startswith("/")
    assert not any(unicodedata.category(c) == "Cc" for c in result.text)
    assert not MOBILE.search(result.text)
    if result.empty:
        assert not any(c.isalnum() for c in result.text)


@given(json_values)
def test_guard_on_any_json_value(value: Any) -> None:
    result = guard.inbound(value)
    assert isinstance(result.text, str) and len(result.text) <= MAX_CHARS


@given(st.text(max_size=300), st.booleans())
def test_outbound_never_shows_a_mobile_number(text: str, traditional: bool) -> None:
    out = guard.outbound(text + "13812345678", traditional)
    assert out is not None and not MOBILE.search(out)


@given(json_values | st.text(max_size=200))
def test_valid_sender_is_clean_or_none(value: Any) -> None:
    sender = guard.valid_sender(value)
    if sender is not None:
        assert sender == sender.strip() and 0 < len(sender) <= guard.MAX_SENDER_CHARS
        assert not any(unicodedata.category(c)[0] == "C" for c in sender)
        assert guard.valid_sender(sender) == sender


def request_with(body: bytes) -> Any:
    # from loopback, no proxy headers: REST serves it without a token (loanwhy/rest_auth.py)
    return SimpleNamespace(
        body=body, app=SimpleNamespace(ctx=SimpleNamespace(agent=None)), headers={}, ip="127.0.0.1", args={}
    )


@given(json_values)
def test_parse_body_accepts_exactly_json_objects(value: Any) -> None:
    data, problem = rest.parse_body(request_with(json.dumps(value).encode()))
    assert (data is not None) == isinstance(value, dict)
    assert (problem == "") == isinstance(value, dict)


@given(st.binary(max_size=2000))
def test_parse_body_never_raises_on_bytes(body: bytes) -> None:
    data, problem = rest.parse_body(request_with(body))
    assert (data is None) != (problem == "")


def rest_handler() -> tuple[Any, list[Any]]:
    """The REST webhook route with a fake assistant that answers every message with one text."""
    seen: list[Any] = []

    async def on_new_message(message: Any) -> None:
        seen.append(message)
        await message.output_channel.send_text_message(message.sender_id, "ok")

    bp = rest.GuardedRestInput().blueprint(on_new_message)
    handler = next(r.handler for r in bp._future_routes if r.uri == "/webhook")
    return handler, seen


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["sender", "message", "metadata", "x"]), json_values, max_size=4))
@example({"sender": "0", "message": "0"})
@example({"sender": 0, "message": "0"})
def test_rest_webhook_on_random_json_objects(body: dict[str, Any]) -> None:
    # a random JSON object gets 200 or a 4xx with a reason, never a crash or a shared conversation
    handler, seen = rest_handler()
    response = asyncio.run(handler(request_with(json.dumps(body).encode())))
    payload = json.loads(response.body)
    sender_ok = guard.valid_sender(body.get("sender")) is not None
    message_ok = body.get("message") is None or isinstance(body.get("message"), str)
    if sender_ok and message_ok:
        assert response.status == 200 and isinstance(payload, list)
        assert all(m.sender_id == "rest:" + body["sender"].strip() for m in seen)  # REST's own namespace
    else:
        assert response.status == 400 and payload["error"] and not seen


@given(st.text(alphabet="0123456789abcdefghijklmnopqrstuvwxyz_-", min_size=1, max_size=64), st.text(max_size=120))
def test_only_server_signed_session_ids_verify(raw: str, forged: str) -> None:
    # ids as the server issues them (sign_session() signs a uuid4 hex; a raw id with '.' or over
    # 75 characters would not verify, so callers must not pass one)
    signed = sio_channel.sign_session(raw)
    assert sio_channel.verified_session(signed) == signed
    assert sio_channel.verified_session(forged) is None
    assert sio_channel.verified_session(f"{raw}.{forged}") in (None, signed)


@given(
    st.text(alphabet="0123456789abcdef", min_size=32, max_size=32),
    st.integers(min_value=0, max_value=56),
    st.sampled_from("0123456789abcdefx"),
)
def test_changing_any_character_breaks_the_signature(raw: str, position: int, char: str) -> None:
    signed = sio_channel.sign_session(raw)
    position %= len(signed)
    assume(signed[position] != char and signed[position] != ".")
    tampered = signed[:position] + char + signed[position + 1 :]
    assert sio_channel.verified_session(tampered) is None


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=12).filter(str.strip), min_size=1, max_size=6, unique=True), st.data())
def test_forget_user_removes_exactly_that_sender(senders: list[str], data: st.DataObject) -> None:
    victim = data.draw(st.sampled_from(senders))
    with tempfile.TemporaryDirectory() as tmp:
        stores = retention.Stores(tracker=Path(tmp) / "t.db", app=Path(tmp) / "a.sqlite", wechat=Path(tmp) / "w.sqlite")
        con = sqlite3.connect(stores.tracker)
        with con:
            con.execute("create table events (id integer primary key, sender_id text, type_name text, timestamp float)")
            con.executemany(
                "insert into events (sender_id, type_name, timestamp) values (?, 'user', 1)", [(s,) for s in senders]
            )
        counts = retention.forget_user(victim, stores)
        left = {r[0] for r in con.execute("select sender_id from events")}
        con.close()
    assert left == set(senders) - {victim} and counts.deleted == {"tracker.events": 1}
