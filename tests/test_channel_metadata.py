"""Client metadata (REST and socket.io `metadata`) is untrusted input: only the keys the
code uses survive, size-capped and masked, before it reaches the tracker store and the actions."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from rasa.core.channels.channel import UserMessage

from channels import guard
from channels.rest import GuardedRestInput
from channels.socketio import GuardedSocketIOInput
from loanwhy import rest_auth
from tests.reliability.sio import Client
from tests.wechat.wechat_harness import serve

PHONE = "13812345678"
HOSTILE = {
    "msg_id": f"m-{PHONE}",
    "phone": PHONE,
    "blob": "x" * 400_000,
    "nested": {"id_card": "110101199003074518"},
}


class Recorder:
    def __init__(self) -> None:
        self.calls: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.calls.append(message)
        await message.output_channel.send_text_message(message.sender_id, "好的")


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout=30))


@pytest.fixture(autouse=True)
def _local(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(rest_auth.TOKEN_ENV, raising=False)
    monkeypatch.setenv("LOANWHY_VAR", str(tmp_path))
    monkeypatch.delenv("LOANWHY_APP_DB", raising=False)


def client_part(metadata: dict[str, Any] | None) -> dict[str, Any]:
    """What the client sent that was kept (the channel may add its own server-side keys)."""
    return {k: v for k, v in (metadata or {}).items() if k in guard.METADATA_KEYS}


@pytest.mark.parametrize(
    "given, kept",
    [
        (HOSTILE, {"msg_id": "m-[已隐藏]"}),
        ({"msg_id": "abc-1"}, {"msg_id": "abc-1"}),
        ({"msg_id": "x" * 65}, {}),  # too long: dropped, not cut
        ({"msg_id": 12}, {}),  # not a string
        ({"source": "forged"}, {}),  # server-side keys are never taken from the client
        ("not a dict", {}),
        (None, {}),
    ],
)
def test_metadata_keeps_only_known_small_masked_values(given: Any, kept: dict[str, Any]) -> None:
    assert (guard.metadata(given) or {}) == kept


def test_rest_metadata_reaches_rasa_allowlisted_and_masked() -> None:
    bot = Recorder()

    async def go() -> None:
        async with serve(GuardedRestInput(), bot) as base, aiohttp.ClientSession() as s:  # type: ignore[arg-type]
            body = {"sender": "meta", "message": "我被拒了", "metadata": HOSTILE}
            async with s.post(base + "/webhooks/rest/webhook", data=json.dumps(body)) as resp:
                assert resp.status == 200

    run(go())
    [message] = bot.calls
    assert client_part(message.metadata) == {"msg_id": "m-[已隐藏]"}
    assert PHONE not in json.dumps(message.metadata) and len(json.dumps(message.metadata)) < 1024


def test_socketio_metadata_reaches_rasa_allowlisted_and_masked() -> None:
    bot = Recorder()

    async def go() -> None:
        async with serve(GuardedSocketIOInput(), bot) as base:  # type: ignore[arg-type]
            client = Client(base)
            await client.connect()
            try:
                await client.say({"message": "我被拒了", "metadata": HOSTILE}, timeout=10, quiet=0.3)
            finally:
                await client.close()

    run(go())
    [message] = bot.calls
    assert client_part(message.metadata) == {"msg_id": "m-[已隐藏]"}
    assert PHONE not in json.dumps(message.metadata)


@pytest.mark.parametrize(
    ("raw", "is_opening"),
    [
        (None, True),
        ("", True),
        ("  ", True),
        ("/get_started", True),
        ("/GREET", True),
        ("／start", True),
        ('/get_started{"name": "x"}', True),
        ("/restart", False),
        ("/inform", False),
        ("get_started", False),
        ("我被拒了", False),
        (123, False),
    ],
)
def test_opening_conventions_are_a_fixed_list(raw: object, is_opening: bool) -> None:
    # guards guard.opening: only these, and only as a socket session's first message, mean "say hello"
    assert guard.opening(raw) is is_opening
