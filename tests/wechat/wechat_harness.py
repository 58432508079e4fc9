"""Serve a WeChat/WeCom channel on loopback with a fake assistant behind it.

`FakeBot` stands in for Rasa's `on_new_message`: it records every message that
reached "the assistant" (so tests can assert that refused requests reached
nothing) and answers through the channel's output like Rasa would, after an
optional delay (to test the passive-reply deadline).
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage  # type: ignore[import-untyped]
from sanic import Sanic

TOKEN = "wechat-test-token"
APPID = "wx0000000000000001"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
OLD_AES_KEY = "A" * 43
# WeCom: the official sample's token, key and CorpID
WECOM_TOKEN = "QDG6eK"
WECOM_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
CORPID = "wx5823bf96d3bd56c7"
AGENT_ID = "1000002"

# Test stand-ins for the domain responses the channel reads at run time.
RESPONSES: dict[str, list[dict[str, Any]]] = {
    "utter_wechat_text_only": [{"text": "抱歉，我目前只能看懂文字消息，请用文字描述您的情况。"}],
    "utter_wechat_welcome": [{"text": "感谢关注！隐私提示：请不要发送身份证号、银行卡号或手机号。"}],
    "utter_wechat_answer_coming": [{"text": "正在为您分析，请稍后发送任意消息查看结果。"}],
    "utter_empty_message": [{"text": "您好像发了一条空消息。"}],
    "utter_message_truncated": [{"text": "您的消息太长，我只读了前面一部分。"}],
    "utter_server_error": [{"text": "抱歉，系统暂时出了点问题。"}],
}

Answer = Callable[[str], list[dict[str, Any]]]


def echo(text: str) -> list[dict[str, Any]]:
    return [{"text": f"收到：{text}"}]


@dataclass
class FakeBot:
    """Records messages and answers them (after `delay_s`) the way Rasa's agent would."""

    answer: Answer = echo
    delay_s: float = 0.0
    calls: list[UserMessage] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return [m.text for m in self.calls]

    async def __call__(self, message: UserMessage) -> None:
        self.calls.append(message)
        await asyncio.sleep(self.delay_s)
        out = message.output_channel
        for m in self.answer(message.text):
            if m.get("buttons"):
                await out.send_text_with_buttons(message.sender_id, m.get("text", ""), m["buttons"])
            elif m.get("custom"):
                await out.send_custom_json(message.sender_id, m["custom"])
            else:
                await out.send_text_message(message.sender_id, m["text"])


@asynccontextmanager
async def serve(
    channel: InputChannel, bot: FakeBot, responses: dict[str, list[dict[str, Any]]] | None = None
) -> AsyncIterator[str]:
    """The channel's blueprint in a Sanic app on 127.0.0.1:<free port>; yields the base URL."""
    Sanic.test_mode = True  # lets Sanic start several apps in one process (TouchUp keeps the originals)
    app = Sanic(f"wechat_test_{uuid.uuid4().hex[:12]}", configure_logging=False)
    app.ctx.agent = SimpleNamespace(domain=SimpleNamespace(responses=RESPONSES if responses is None else responses))
    app.blueprint(channel.blueprint(bot), url_prefix=f"/webhooks/{channel.name()}")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
    assert server is not None
    await server.startup()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        engine = getattr(channel, "engine", None)
        if engine is not None:
            await asyncio.wait_for(engine.wait_idle(), timeout=10)
        server.close()
        await server.wait_closed()
        Sanic._app_registry.pop(app.name, None)
