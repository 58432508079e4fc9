"""What a user does with the widget, as a page object for the tests."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Locator, Page, expect

STORE_KEY = "loanwhy-chat:v1"


class ChatPage:
    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.url = url

    def goto(self) -> ChatPage:
        self.page.goto(self.url)
        expect(self.launcher).to_be_visible()
        return self

    @property
    def launcher(self) -> Locator:
        return self.page.locator(".lw-launcher")

    @property
    def window(self) -> Locator:
        return self.page.get_by_role("dialog", name="贷款被拒原因助手")

    @property
    def input(self) -> Locator:
        return self.page.get_by_role("textbox", name="输入您的问题")

    @property
    def log(self) -> Locator:
        return self.page.get_by_role("log")

    @property
    def card(self) -> Locator:
        return self.page.locator(".lw-card")

    @property
    def banner(self) -> Locator:
        return self.page.locator(".lw-banner")

    def open(self) -> ChatPage:
        if not self.window.is_visible():
            self.launcher.click()
        expect(self.window).to_be_visible()
        self.wait_connected()
        return self

    def wait_connected(self) -> None:
        self.page.wait_for_function(
            "() => { const h = document.querySelector('#loanwhy-chat');"
            " const r = h && h.shadowRoot.querySelector('.lw-root');"
            " return r && ['online', 'reconnected'].includes(r.dataset.status); }"
        )

    def bot_count(self) -> int:
        return self.page.locator(".lw-msg.lw-bot:not(.lw-typing)").count()

    def send(self, text: str) -> None:
        """Type a message and press Enter; wait until the assistant has answered."""
        before = self.bot_count()
        self.input.fill(text)
        self.input.press("Enter")
        self.wait_answer(before)

    def reply(self, title: str) -> None:
        """Click a quick-reply button; wait until the assistant has answered."""
        before = self.bot_count()
        self.page.locator(".lw-reply", has_text=title).last.click()
        self.wait_answer(before)

    def wait_answer(self, before: int) -> None:
        self.page.wait_for_function(
            "n => document.querySelector('#loanwhy-chat').shadowRoot"
            ".querySelectorAll('.lw-msg.lw-bot:not(.lw-typing)').length > n",
            arg=before,
        )
        # an answer is several messages sent back to back: wait until they stop coming
        self.page.wait_for_timeout(800)

    def last_bot_text(self) -> str:
        return self.page.locator(".lw-msg.lw-bot .lw-bubble").last.inner_text()

    def stored(self) -> dict[str, Any]:
        return self.page.evaluate(f"() => JSON.parse(localStorage.getItem('{STORE_KEY}') || 'null')")

    def session_id(self) -> str:
        data = self.stored()
        assert data and data.get("session"), "no session id stored"
        return str(data["session"])
