"""A refused applicant chats in the browser: self-check, diagnosis card, history, feedback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from chat_page import ChatPage
from expected import response_text, signal_name
from playwright.sync_api import Page, expect
from stack import Stack

DESCRIBED = "我的贷款被拒了，这两个月查了十几次征信，五张卡都刷爆了"
DESCRIBED_SIGNALS = ["frequent_inquiries", "card_overdraft"]


def card_signal_ids(chat: ChatPage) -> list[str]:
    return chat.card.last.locator(".lw-signal").evaluate_all("nodes => nodes.map(n => n.dataset.signal)")


def test_selfcheck_by_buttons_and_free_text_ends_in_card(page: Page, stack: Stack) -> None:
    chat = ChatPage(page, stack.url).goto().open()
    chat.send("我的贷款被拒了")
    expect(chat.page.locator(".lw-reply").first).to_be_visible()

    chat.reply("有逾期")  # button
    expect(chat.log.locator(".lw-user").last).to_have_text("您说：有逾期")
    expect(chat.page.locator(".lw-reply").first).to_be_visible()  # the next topic, with its own buttons
    chat.send("这两个月查了十几次，信用卡也基本刷满了")  # free text
    if not chat.card.count():
        chat.send("直接告诉我结果")

    expect(chat.card.last).to_be_visible()
    ids = card_signal_ids(chat)
    said = "\n".join(chat.log.locator(".lw-msg").all_inner_texts())
    assert ids[:1] == ["overdue_record"], said
    assert set(ids) >= {"overdue_record", "frequent_inquiries", "card_overdraft"}, said
    for sid in ids:
        expect(chat.card.last).to_contain_text(signal_name(sid))


def test_quick_replies_show_as_the_users_answer(page: Page, stack: Stack) -> None:
    chat = ChatPage(page, stack.url).goto().open()
    chat.send("我的贷款被拒了")
    buttons = chat.page.locator(".lw-reply")
    expect(buttons.first).to_be_visible()
    title = buttons.first.inner_text()
    chat.reply(title)
    expect(chat.log.locator(".lw-user").last).to_have_text(f"您说：{title}")
    expect(buttons.first).not_to_have_text(title)  # the next question, with its own buttons


def test_described_refusal_shows_the_diagnosis_card(page: Page, stack: Stack, artifacts: Path) -> None:
    chat = ChatPage(page, stack.url).goto().open()
    chat.send(DESCRIBED)
    card = chat.card.last
    expect(card).to_be_visible()
    assert card_signal_ids(chat) == DESCRIBED_SIGNALS

    for sid in DESCRIBED_SIGNALS:
        block = card.locator(f'.lw-signal[data-signal="{sid}"]')
        expect(block.locator(".lw-signal-name")).to_have_text(signal_name(sid))
        expect(block.locator(".lw-badge").first).to_have_text("影响大")
        expect(block.locator(".lw-summary")).not_to_be_empty()
        steps = block.locator(".lw-steps li")
        assert steps.count() >= 2
        expect(steps.first.locator(".lw-horizon")).not_to_be_empty()
        why = block.locator("details.lw-why")
        expect(why.locator("p").first).to_be_hidden()
        why.locator("summary").click()
        expect(why.locator("p").first).to_be_visible()

    # the honesty note from the text replies is the card's footer, not a separate bubble
    honesty = response_text("utter_report_honesty")
    expect(card.locator(".lw-honesty")).to_have_text(honesty)
    bubbles = chat.log.locator(".lw-bubble").all_inner_texts()
    assert not any(honesty in b for b in bubbles)
    # the ranked report texts say what the card says: folded into it
    assert not any(signal_name(DESCRIBED_SIGNALS[0]) in b for b in bubbles)

    card.evaluate("node => node.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(artifacts / "desktop-diagnosis.png"))


def test_history_survives_reload_and_conversation_continues(page: Page, stack: Stack) -> None:
    chat = ChatPage(page, stack.url).goto().open()
    chat.send("我的贷款被拒了，这两个月查了十几次征信")
    expect(chat.card.last).to_be_visible()
    session = chat.session_id()

    page.reload()
    chat.open()
    expect(chat.log.locator(".lw-user").first).to_contain_text("查了十几次征信")
    expect(chat.card.last).to_contain_text(signal_name("frequent_inquiries"))
    assert chat.session_id() == session

    # the server still knows the conversation: a follow-up is about the same signal
    chat.send("要等多久才能再申请？")
    assert signal_name("frequent_inquiries") in chat.last_bot_text()
    assert chat.session_id() == session


def test_thumbs_up_is_stored_with_the_conversation(page: Page, stack: Stack) -> None:
    chat = ChatPage(page, stack.url).goto().open()
    chat.send(DESCRIBED)
    expect(chat.card.last).to_be_visible()
    bar = chat.page.locator(".lw-rate").last
    bar.get_by_role("button", name="有帮助").click()
    expect(bar.locator(".lw-rate-status")).to_have_text("谢谢您的反馈！")
    expect(bar.get_by_role("button", name="有帮助")).to_have_attribute("aria-pressed", "true")

    session = chat.session_id()
    answer = bar.get_attribute("data-answer")
    with sqlite3.connect(stack.app_db) as db:
        rows = db.execute(
            "select message_id, rating, text from feedback where conversation_id = ?",
            [session],
        ).fetchall()
    assert [(r[0], r[1]) for r in rows] == [(answer, "up")]
    assert signal_name("frequent_inquiries") in rows[0][2]
