"""A lender's page embedding rasa-webchat 1.x: a static server for it and a page object.

The page (webchat/index.html) loads rasa-webchat's UMD bundle from webchat/node_modules,
installed by `make browser` (`npm ci` from the committed package-lock.json).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from playwright.sync_api import ConsoleMessage, Locator, Page, Request, Response, WebSocket, expect

HERE = Path(__file__).resolve().parent / "webchat"
BUNDLE = HERE / "node_modules" / "rasa-webchat" / "lib" / "index.js"
# rasa-webchat logs "session_confirm:<socket id> session_id:<conversation id>" when the server confirms
CONFIRMED = re.compile(r"^session_confirm:\S+ session_id:(\S+)$")
CORS_WORDS = ("CORS", "Access-Control-Allow-Origin")
REPLY_TIMEOUT_MS = 45_000  # rasa-webchat shows each bot message after a delay of 0.8-3 s
BOT = ".rw-message:not(.rw-typing-indication) .rw-response"  # not the typing dots


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(port: int) -> Iterator[str]:
    """Serve webchat/ on http://localhost:<port>/ (its own origin) while the block runs."""
    if not BUNDLE.exists():
        raise FileNotFoundError(f"{BUNDLE} missing: run `make browser` (npm ci in {HERE})")
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(_Quiet, directory=str(HERE)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{port}/"
    finally:
        server.shutdown()
        server.server_close()


class WebchatPage:
    """What a user does with rasa-webchat, and what its socket did, seen from the browser."""

    def __init__(self, page: Page, url: str, rasa_url: str) -> None:
        self.page = page
        self.url = f"{url}index.html?rasa={rasa_url}"
        self.console: list[str] = []
        self.socketio: list[Response] = []  # long-polling responses of socket.io
        self.refused: list[Request] = []  # socket.io requests the browser blocked or that failed
        self.websockets: list[WebSocket] = []
        page.on("console", self._on_console)
        page.on("response", self._on_response)
        page.on("requestfailed", self._on_failed)
        page.on("websocket", self._on_websocket)

    def _on_console(self, message: ConsoleMessage) -> None:
        self.console.append(message.text)

    def _on_response(self, response: Response) -> None:
        if "/socket.io/" in response.url:
            self.socketio.append(response)

    def _on_failed(self, request: Request) -> None:
        if "/socket.io/" in request.url:
            self.refused.append(request)

    def _on_websocket(self, websocket: WebSocket) -> None:
        self.websockets.append(websocket)

    def goto(self) -> WebchatPage:
        self.page.goto(self.url)
        return self

    @property
    def launcher(self) -> Locator:
        return self.page.locator(".rw-launcher")

    @property
    def input(self) -> Locator:
        return self.page.locator(".rw-new-message")

    @property
    def user_messages(self) -> Locator:
        return self.page.locator(".rw-client")

    @property
    def bot_messages(self) -> Locator:
        return self.page.locator(BOT)

    def sessions(self) -> list[str]:
        """Conversation ids the server confirmed on this page, in order."""
        return [m.group(1) for m in map(CONFIRMED.match, self.console) if m]

    def wait_connected(self, after: int = 0) -> str:
        """Wait for the server's session_confirm (beyond the first `after` ones); its conversation id."""
        waited = 0
        while len(self.sessions()) <= after and waited < REPLY_TIMEOUT_MS:
            self.page.wait_for_timeout(200)  # console events arrive while Playwright waits
            waited += 200
        assert len(self.sessions()) > after, f"no session_confirm; console: {self.console[-10:]}"
        return self.sessions()[-1]

    def cors_errors(self) -> list[str]:
        return [text for text in self.console if any(word in text for word in CORS_WORDS)]

    def open(self) -> WebchatPage:
        expect(self.launcher).to_be_visible()
        if not self.input.is_visible():
            self.launcher.click()
        expect(self.input).to_be_visible()
        return self

    def send(self, text: str) -> int:
        """Type a message and press Enter; returns how many bot messages were shown before."""
        before = self.bot_messages.count()
        self.input.fill(text)
        self.input.press("Enter")
        expect(self.user_messages.last).to_contain_text(text)
        return before

    def wait_reply_containing(self, text: str, before: int) -> str:
        """Wait until a bot message after the first `before` ones contains `text`; all their text."""
        self.page.wait_for_function(
            "([bot, n, text]) => [...document.querySelectorAll(bot)].slice(n).some(e => e.textContent.includes(text))",
            arg=[BOT, before, text],
            timeout=REPLY_TIMEOUT_MS,
        )
        return "\n".join(self.bot_messages.all_inner_texts()[before:])

    def settle(self, quiet_ms: int = 3_500) -> None:
        """Wait until no new bot message came for `quiet_ms` (longer than rasa-webchat's 3 s delay)."""
        count, quiet = -1, 0
        while quiet < quiet_ms:
            now = self.bot_messages.count()
            quiet = quiet + 250 if now == count else 0
            count = now
            self.page.wait_for_timeout(250)
