"""rasa-webchat 1.x embedded on a lender's page of another origin, against the whole stack.

A lender who does not use our widget puts rasa-webchat on its own site with `socketUrl` = the
Rasa server, its defaults otherwise (socket.io long-polling first, then websocket). Its site must
be listed in LOANWHY_CORS_ORIGINS (stack.py lists WEBCHAT_ORIGIN); any other site is refused.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from stack import UNLISTED_PORT, WEBCHAT_ORIGIN, WEBCHAT_PORT, Stack
from webchat_page import BOT, WebchatPage, serve

SITUATION = "我这两个月查了十几次征信，贷款被拒了"
DIAGNOSIS = "征信查询过于频繁"  # the signal's name (knowledge/signals/frequent_inquiries.yml) in utter_report_signal
WELCOME = "我不是放款机构"  # utter_greet
NOT_WELCOME = ("空消息", "祝您顺利", "帮不上忙")  # the empty-message, goodbye and out-of-scope replies


@pytest.fixture(scope="module")
def lender_site() -> Iterator[str]:
    with serve(WEBCHAT_PORT) as url:
        assert url.rstrip("/") == WEBCHAT_ORIGIN
        yield url


@pytest.fixture(scope="module")
def unlisted_site() -> Iterator[str]:
    with serve(UNLISTED_PORT) as url:
        yield url


@pytest.fixture()
def webchat(page: Page, stack: Stack, lender_site: str) -> WebchatPage:
    return WebchatPage(page, lender_site, stack.rasa_url)


def allow_origin(chat: WebchatPage) -> list[list[str]]:
    """The Access-Control-Allow-Origin headers of every long-polling response, one list per response."""
    return [
        [h["value"] for h in r.headers_array() if h["name"].lower() == "access-control-allow-origin"]
        for r in chat.socketio
    ]


def test_launcher_appears_and_connects_by_polling_then_websocket(webchat: WebchatPage) -> None:
    chat = webchat.goto()
    expect(chat.launcher).to_be_visible()
    chat.wait_connected()
    assert chat.socketio, "no long-polling request reached the Rasa server"
    first = chat.socketio[0]
    assert "transport=polling" in first.url and first.status == 200, (first.url, first.status)
    # python-socketio alone answers CORS on its path: one Allow-Origin, the page's (two are refused)
    assert allow_origin(chat) == [[WEBCHAT_ORIGIN]] * len(chat.socketio)
    chat.page.wait_for_function("() => true")
    for _ in range(50):
        if any("transport=websocket" in ws.url for ws in chat.websockets):
            break
        chat.page.wait_for_timeout(200)
    upgraded = [ws for ws in chat.websockets if "transport=websocket" in ws.url]
    assert upgraded and not upgraded[-1].is_closed(), "the socket was not upgraded to websocket"
    assert not chat.cors_errors(), chat.cors_errors()


def test_a_situation_gets_the_diagnosis(webchat: WebchatPage, artifacts: Path) -> None:
    chat = webchat.goto()
    chat.wait_connected()
    chat.open()
    # rasa-webchat opens with its default initPayload "/get_started": the welcome, nothing else
    chat.wait_reply_containing(WELCOME, 0)
    chat.settle()
    assert not any(word in text for text in chat.bot_messages.all_inner_texts() for word in NOT_WELCOME)
    before = chat.send(SITUATION)
    reply = chat.wait_reply_containing(DIAGNOSIS, before)
    assert DIAGNOSIS in reply
    chat.settle()  # the report's remaining messages, shown one after another
    shown = "\n".join(chat.bot_messages.all_inner_texts()[before:])
    lines = [line.strip() for line in shown.splitlines() if line.strip()]
    # as rendered (Markdown): the rank with the name, the summary, "建议：" and each step on lines of their own
    rank = next(i for i, line in enumerate(lines) if DIAGNOSIS in line)
    assert lines[rank].startswith("原因1"), lines
    advice = lines.index("建议：", rank)
    assert advice >= rank + 2, lines  # the summary between them, not run into either
    steps = [line for line in lines[advice + 1 : advice + 4] if "（" in line or "(" in line]
    assert len(steps) >= 2, lines  # each step (with its time horizon) on a line of its own
    lists = chat.page.locator(f"{BOT} ol, {BOT} h1, {BOT} h2")
    assert lists.count() == 0, "a reply rendered as a numbered list or a heading"
    chat.user_messages.last.evaluate("e => e.scrollIntoView({block: 'start'})")
    chat.page.locator(".rw-widget-container").screenshot(path=str(artifacts / "rasa-webchat.png"))
    assert not chat.cors_errors(), chat.cors_errors()


def test_a_reload_shows_the_conversation_and_continues_it(webchat: WebchatPage) -> None:
    chat = webchat.goto()
    session = chat.wait_connected()
    chat.open()
    before = chat.send(SITUATION)
    chat.wait_reply_containing(DIAGNOSIS, before)

    confirmed = len(chat.sessions())
    chat.page.reload()
    assert chat.wait_connected(after=confirmed) == session, "the server confirmed another conversation"
    chat.open()
    expect(chat.user_messages.filter(has_text=SITUATION)).to_have_count(1)
    expect(chat.bot_messages.filter(has_text=DIAGNOSIS).first).to_be_visible()
    # the server still holds the diagnosis of this conversation: "how long" answers for its signals
    before = chat.send("要等多久？")
    assert DIAGNOSIS in chat.wait_reply_containing(DIAGNOSIS, before)


def handshake(stack: Stack, origin: str) -> int:
    """Status of a socket.io long-polling handshake sent with this Origin."""
    req = urllib.request.Request(f"{stack.rasa_url}/socket.io/?EIO=4&transport=polling", headers={"Origin": origin})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_page_on_an_unlisted_origin_cannot_connect(page: Page, stack: Stack, unlisted_site: str) -> None:
    unlisted = unlisted_site.rstrip("/")
    assert handshake(stack, WEBCHAT_ORIGIN) == 200
    assert handshake(stack, unlisted) == 400
    chat = WebchatPage(page, unlisted_site, stack.rasa_url).goto()
    for _ in range(50):
        if len(chat.refused) >= 2:  # socket.io-client retries
            break
        page.wait_for_timeout(200)
    assert chat.refused and "transport=polling" in chat.refused[0].url, "rasa-webchat did not try to connect"
    assert not chat.socketio, [(r.url, r.status) for r in chat.socketio]
    assert any(unlisted in text for text in chat.cors_errors()), chat.console[-10:]
    # the websocket transport refuses this origin too (a client that skips long-polling)
    ws = f"ws{stack.rasa_url.removeprefix('http')}/socket.io/?EIO=4&transport=websocket"
    opened = page.evaluate(
        """url => new Promise(done => {
          const ws = new WebSocket(url);
          ws.onopen = () => { ws.close(); done(true); };
          ws.onerror = () => done(false);
        })""",
        ws,
    )
    assert opened is False
    assert not chat.sessions() and not chat.launcher.is_visible()
