"""The whole assistant (actions, Rasa, web page) on its own ports and runtime folder, and a browser.

The stack is started once per test session with scripts/run.sh and stopped with
scripts/stop.sh; it needs the trained model (models/loanwhy.tar.gz) and Debian's
Chromium (tests/e2e/install_browser.sh).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    sync_playwright,
)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PORTS = {"RASA_PORT": "5105", "ACTION_PORT": "5155", "WEB_PORT": "8105"}
VAR = "var/e2e"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    if not (ROOT / "models" / "loanwhy.tar.gz").exists():
        pytest.fail("no trained model: run `make train` first")
    env = {
        **os.environ,
        **PORTS,
        "LOANWHY_VAR": VAR,
        "LOANWHY_APP_DB": str(ROOT / VAR / "app.sqlite"),
        # the same secret across the Rasa restart in test_reconnect, as a deployment would keep it
        "LOANWHY_SESSION_SECRET": secrets.token_hex(16),
    }
    s = Stack(
        f"http://localhost:{PORTS['WEB_PORT']}/",
        f"http://localhost:{PORTS['RASA_PORT']}",
        ROOT / VAR / "app.sqlite",
        env,
    )
    s.run("stop.sh", timeout=60)  # leftovers of an interrupted run
    started = s.run("run.sh")
    if started.returncode != 0:
        s.run("stop.sh", timeout=60)
        pytest.fail(f"scripts/run.sh failed:\n{started.stdout}\n{started.stderr}")
    try:
        _wait_http(s.url + "health", 30)
        yield s
    finally:
        s.run("stop.sh", timeout=60)


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


@pytest.fixture()
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (empty localStorage: a new conversation) per test."""
    ctx = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    ctx.set_default_timeout(20_000)
    yield ctx
    ctx.close()


@pytest.fixture()
def page(context: BrowserContext, stack: Stack) -> Iterator[Page]:
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    p.on("dialog", lambda d: (errors.append(f"dialog: {d.message}"), d.dismiss()))
    p.on(
        "console",
        lambda m: (
            errors.append(m.text) if "Content Security Policy" in m.text else None
        ),
    )
    yield p
    assert not errors, f"page errors: {errors}"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
