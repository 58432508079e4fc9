"""The widget itself: keyboard use, phone layout, safe rendering."""

from __future__ import annotations

import json
from pathlib import Path

from chat_page import STORE_KEY, ChatPage
from playwright.sync_api import Page, expect
from stack import Stack

XSS = "<img src=x onerror=alert(1)>"
ACTIVE = """() => {
  const host = document.activeElement;
  const inner = host && host.shadowRoot ? host.shadowRoot.activeElement : host;
  return inner ? inner.className : null;
}"""


def test_keyboard_only(page: Page, stack: Stack) -> None:
    chat = ChatPage(page, stack.url).goto()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate(ACTIVE) == "lw-launcher":
            break
    assert page.evaluate(ACTIVE) == "lw-launcher", "the launcher is reachable with Tab"
    page.keyboard.press("Enter")
    expect(chat.window).to_be_visible()
    expect(chat.launcher).to_have_attribute("aria-expanded", "true")
    assert page.evaluate(ACTIVE) == "lw-input", "opening the chat puts the cursor in the input"
    chat.wait_connected()

    page.keyboard.type("第一行")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("第二行")
    expect(chat.input).to_have_value("第一行\n第二行")
    page.keyboard.press("Enter")
    expect(chat.log.locator(".lw-user").last).to_contain_text("第一行\n第二行")
    expect(chat.input).to_have_value("")

    page.keyboard.press("Escape")
    expect(chat.window).to_be_hidden()
    expect(chat.launcher).to_have_attribute("aria-expanded", "false")
    assert page.evaluate(ACTIVE).startswith("lw-launcher"), "closing returns focus to the launcher"


def test_a_session_id_the_server_did_not_sign_starts_a_new_conversation(page: Page, stack: Stack) -> None:
    forged = "0123456789abcdef0123456789abcdef.0123456789abcdef01234567"
    old = {"session": forged, "items": [{"id": "u1", "who": "user", "kind": "text", "text": "旧的消息"}], "ratings": {}}
    # seeded before any page script runs: the widget cannot overwrite it first (a race on a busy machine)
    page.add_init_script(
        "if (!sessionStorage.getItem('seeded')) {"
        f" localStorage.setItem({json.dumps(STORE_KEY)}, {json.dumps(json.dumps(old, ensure_ascii=False))});"
        " sessionStorage.setItem('seeded', '1'); }"
    )
    chat = ChatPage(page, stack.url).goto()
    chat.open()
    expect(chat.log.locator(".lw-user").first).to_contain_text("旧的消息")
    expect(chat.log.locator(".lw-system").last).to_have_text("之前的对话已结束，已为您开始新的对话。")
    assert chat.session_id() != forged


def test_markup_in_messages_is_shown_as_text(page: Page, stack: Stack) -> None:
    chat = ChatPage(page, stack.url).goto().open()
    chat.send(XSS)
    expect(chat.log.locator(".lw-user").last).to_have_text(f"您说：{XSS}")
    assert page.locator("#loanwhy-chat img").count() == 0
    page.reload()
    chat.open()
    expect(chat.log.locator(".lw-user").last).to_have_text(f"您说：{XSS}")
    assert page.locator("#loanwhy-chat img").count() == 0


def test_only_http_links_are_live(page: Page, stack: Stack) -> None:
    """render.js checked in the browser with hostile bot messages and a hostile card."""
    ChatPage(page, stack.url).goto()
    result = page.evaluate(
        """async (xss) => {
      const r = await import('/widget/render.js');
      const box = document.createElement('div');
      r.appendRichText(box, '见 https://example.com/a。也可以 javascript:alert(1) ' + xss
        + ' 或 http://x.cn/b), data:text/html,hi');
      const card = r.diagnosisCard({ id: 't', diagnosis: { signals: [
        { id: 'x', name: xss, severity: 'high', summary: xss,
          steps: [{ action: 'javascript:alert(1)', horizon: xss }] }] }, note: xss });
      return {
        links: [...box.querySelectorAll('a')].map(a => a.href),
        text: box.textContent,
        elements: box.querySelectorAll('*').length,
        cardImgs: card.querySelectorAll('img').length,
        cardLinks: card.querySelectorAll('a').length,
        cardName: card.querySelector('.lw-signal-name').textContent,
      };
    }""",
        XSS,
    )
    assert result["links"] == ["https://example.com/a", "http://x.cn/b"]
    assert XSS in result["text"] and "javascript:alert(1)" in result["text"]
    assert result["elements"] == 2  # the two links, nothing else
    assert result["cardImgs"] == 0 and result["cardLinks"] == 0
    assert result["cardName"] == XSS


def test_phone_layout(phone: Page, stack: Stack, artifacts: Path) -> None:
    chat = ChatPage(phone, stack.url).goto()
    phone.screenshot(path=str(artifacts / "phone-page.png"))
    chat.open()
    box = chat.window.bounding_box()
    assert box and box["width"] == 375 and box["x"] == 0, "the chat fills the phone screen"
    chat.send("我的贷款被拒了，这两个月查了十几次征信，五张卡都刷爆了")
    expect(chat.card.last).to_be_visible()
    widths = phone.evaluate(
        """() => { const log = document.querySelector('#loanwhy-chat').shadowRoot
          .querySelector('.lw-log'); return [log.scrollWidth, log.clientWidth]; }"""
    )
    assert widths[0] <= widths[1], "nothing is wider than the screen"
    send = phone.get_by_role("button", name="发送")
    send_box = send.bounding_box()
    assert send_box and send_box["x"] + send_box["width"] <= 375
    assert send_box["height"] >= 40, "touch targets are big enough"
    phone.screenshot(path=str(artifacts / "phone-diagnosis.png"))
