"""Rasa's own clients against the running stack's REST channel (issue 12 item 4)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from rasa.core.channels.console import _send_message_receive_stream

from tests.reliability.stack import Stack

TEXT = "我这两个月查了十几次征信，贷款被拒了"


async def streamed(url: str, sender: str, text: str) -> list[dict[str, Any]]:
    return [m async for m in _send_message_receive_stream(url, "", sender, text)]


def test_rasa_console_client_streams_the_same_replies(rel: Stack) -> None:
    # guards channels/rest.reply: `?stream=true` was ignored (one JSON list), and `rasa shell`
    # pointed at the server showed nothing
    got = asyncio.run(streamed(rel.rasa, f"stream-{uuid.uuid4().hex[:8]}", TEXT))
    status, plain, _ = rel.say(f"plain-{uuid.uuid4().hex[:8]}", TEXT)
    assert status == 200 and len(got) == len(plain) >= 2
    assert [m.get("text") for m in got] == [m.get("text") for m in plain]
    assert any("征信查询" in (m.get("text") or "") for m in got)
