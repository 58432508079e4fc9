"""Fixtures: the running assistant (once per session) and a fresh browser profile per test.

Needs the trained model (models/loanwhy.tar.gz) and Debian's Chromium
(tests/e2e/install_browser.sh); Playwright drives it, it downloads nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Page,
    Playwright,
    sync_playwright,
)
from stack import ROOT, Stack, StackError, exclusive

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}
SIZES: dict[str, dict[str, object]] = {
    "desktop": {"viewport": DESKTOP},
    "phone": {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True},
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: needs the running assistant and Chromium (slow)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that use the stack are `e2e`: `pytest -m "not e2e"` keeps only the fast ones.

    They run after all others: from the first browser test to the end of the session
    Playwright's sync API keeps an event loop running in this thread, and the in-process
    ASGI client of tests/staff (staff_client.py) cannot run its own loop beside it."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.path)).parents and "stack" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.e2e)
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)  # stable: order kept otherwise


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    if not (ROOT / "models" / "loanwhy.tar.gz").exists():
        pytest.fail("no trained model: run `make train` first")
    s = Stack.for_tests()
    with exclusive():
        s.stop()  # leftovers of an interrupted run
        try:
            s.start()
        except (StackError, TimeoutError) as exc:
            s.stop()
            pytest.fail(str(exc))
        yield s
        s.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} missing: run tests/e2e/install_browser.sh")
    b = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
    yield b
    b.close()


def _context(browser: Browser, **options: object) -> Iterator[BrowserContext]:
    ctx = browser.new_context(locale="zh-CN", **options)  # type: ignore[arg-type]
    ctx.set_default_timeout(20_000)
    yield ctx
    ctx.close()


@pytest.fixture()
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh desktop browser profile: empty localStorage, so a new conversation."""
    yield from _context(browser, **SIZES["desktop"])


@pytest.fixture()
def phone_context(browser: Browser) -> Iterator[BrowserContext]:
    yield from _context(browser, **SIZES["phone"])


def _watch(p: Page) -> list[str]:
    """Collect what must never happen: script errors, alert dialogs, CSP violations."""
    errors: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        errors.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            errors.append(message.text)

    p.on("pageerror", lambda exc: errors.append(str(exc)))
    p.on("dialog", on_dialog)
    p.on("console", on_console)
    return errors


@pytest.fixture()
def page(context: BrowserContext, stack: Stack) -> Iterator[Page]:
    p = context.new_page()
    errors = _watch(p)
    yield p
    assert not errors, f"page errors: {errors}"


@pytest.fixture()
def phone(phone_context: BrowserContext, stack: Stack) -> Iterator[Page]:
    p = phone_context.new_page()
    errors = _watch(p)
    yield p
    assert not errors, f"page errors: {errors}"


@pytest.fixture(params=list(SIZES))
def audit_page(browser: Browser, stack: Stack, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A desktop and a phone page for axe-core, with the page's CSP bypassed: two axe rules
    (css-orientation-lock, no-autoplay-audio) add inline styles, which the CSP rightly blocks.
    Every other test runs under the CSP and fails on any violation of it."""
    for ctx in _context(browser, bypass_csp=True, **SIZES[request.param]):
        p = ctx.new_page()
        errors = _watch(p)
        yield p
        assert not errors, f"page errors: {errors}"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
