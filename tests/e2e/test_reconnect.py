"""The conversation survives a server restart: the widget says it is reconnecting, then goes on."""

from __future__ import annotations

from chat_page import ChatPage
from expected import signal_name
from playwright.sync_api import Page, expect
from stack import Stack


def test_reconnects_after_rasa_restart_in_the_same_conversation(page: Page, stack: Stack) -> None:
    chat = ChatPage(page, stack.url).goto().open()
    chat.send("我的贷款被拒了，这两个月查了十几次征信")
    expect(chat.card.last).to_contain_text(signal_name("frequent_inquiries"))
    session = chat.session_id()

    stack.kill("rasa")
    expect(chat.banner).to_be_visible()
    expect(chat.banner).to_have_text("连接中断，正在重连…")

    stack.start()  # run.sh starts only what is not running: Rasa
    expect(chat.banner).to_be_hidden(timeout=60_000)
    assert chat.session_id() == session

    chat.send("要等多久才能再申请？")
    assert signal_name("frequent_inquiries") in chat.last_bot_text()
    assert chat.session_id() == session
