"""Browser test of the staff console on the real stack (scripts/run.sh), Playwright + Debian Chromium.

An applicant asks for a human in the web widget; a staff member created with the
documented command logs in, searches "征信查询", opens the signal, explains a
pasted case, claims the handoff, replies, sees the reply arrive in the
applicant's widget, and hands the conversation back.

Uses its own ports and runtime folder (var/e2e-staff) so it never touches the
developer's stack or tests/e2e's: the widget on WEB_PORT, the staff console on its
own server on STAFF_PORT (loopback, as `make run` starts it). Needs the trained
model, Chromium, and the staff bridge registered in credentials.yml.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from chat_page import ChatPage  # noqa: E402
from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402
from stack import Stack, StackError  # noqa: E402

VAR = "var/e2e-staff"
PORTS = {"RASA_PORT": "5305", "ACTION_PORT": "5355", "WEB_PORT": "8305", "STAFF_PORT": "8308"}  # e2e: 5105, live: 5205
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
STAFF, PASSWORD = "e2e_agent", "e2e pass 2024!"
REPLY = "您好，我是客服小王，已经看到您的情况，我来帮您看看。"


def _bridge_status(rasa_url: str) -> int:
    try:
        with urllib.request.urlopen(f"{rasa_url}/webhooks/staff_bridge/", timeout=5) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


@pytest.fixture(scope="module")
def staff_stack() -> Iterator[Stack]:
    if not (ROOT / "models" / "loanwhy.tar.gz").exists():
        pytest.fail("no trained model: run `make train` first")
    var = ROOT / VAR
    var.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        **PORTS,
        "LOANWHY_VAR": VAR,
        "LOANWHY_APP_DB": str(var / "app.sqlite"),
        "LOANWHY_SESSION_SECRET": secrets.token_hex(16),
        "LOANWHY_STAFF_TOKEN": secrets.token_hex(16),
    }
    env.pop("LOANWHY_RASA_URL", None)  # the staff server's --rasa URL (scripts/run.sh) is used
    env.pop("STAFF_HOST", None)  # the default: loopback
    s = Stack(
        f"http://localhost:{PORTS['WEB_PORT']}/",
        f"http://localhost:{PORTS['RASA_PORT']}",
        var / "app.sqlite",
        env,
        f"http://localhost:{PORTS['STAFF_PORT']}/",
    )
    with (var / "e2e.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        s.stop()
        for name in ("app.sqlite", "app.sqlite-wal", "app.sqlite-shm", "tracker.db"):
            (var / name).unlink(missing_ok=True)
        try:
            s.start()
        except (StackError, TimeoutError) as exc:
            s.stop()
            pytest.fail(str(exc))
        try:
            if _bridge_status(s.rasa_url) == 404:
                pytest.fail("credentials.yml does not register channels.bridge.StaffBridgeInput")
            yield s
        finally:
            s.stop()


def _page(browser: Browser) -> tuple[Any, Page, list[str]]:
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(20_000)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    return ctx, page, errors


def test_staff_console_end_to_end(staff_stack: Stack) -> None:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} missing: run tests/e2e/install_browser.sh")
    made = subprocess.run(
        [sys.executable, "-m", "staff.cli", "add-user", STAFF, "--password-stdin"],
        cwd=ROOT,
        env={**staff_stack.env, "PYTHONPATH": str(ROOT)},
        input=PASSWORD + "\n",
        text=True,
        capture_output=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    # Playwright's sync API refuses to start while another instance (tests/e2e's session browser) is
    # alive in this thread; a worker thread has its own, so both suites can run in one session.
    with ThreadPoolExecutor(1) as worker:
        worker.submit(_scenario, staff_stack).result()


def _scenario(staff_stack: Stack) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            _walk_through(staff_stack, browser)
        finally:
            browser.close()


def _walk_through(staff_stack: Stack, chromium: Browser) -> None:
    user_ctx, user, user_errors = _page(chromium)
    chat = ChatPage(user, staff_stack.url).goto().open()
    chat.send("转人工")
    assert "人工客服" in chat.last_bot_text()

    with pytest.raises(urllib.error.HTTPError) as missing:  # the public widget server has no console
        urllib.request.urlopen(staff_stack.url + "staff/login", timeout=10)
    assert missing.value.code == 404
    staff_ctx, staff, staff_errors = _page(chromium)
    staff.goto(staff_stack.staff_url)
    expect(staff).to_have_url(f"{staff_stack.staff_url}staff/login?next=/staff/")
    staff.get_by_label("用户名").fill(STAFF)
    staff.get_by_label("密码").fill(PASSWORD)
    staff.get_by_role("button", name="登录").click()
    expect(staff.get_by_role("heading", name="知识搜索")).to_be_visible()

    staff.get_by_role("textbox", name="搜索词").fill("征信查询")
    staff.get_by_role("button", name="搜索").click()
    first = staff.locator("li.hit").first
    expect(first.locator("a mark")).to_have_text("征信查询")
    first.locator("a").click()
    expect(staff.get_by_role("heading", name="征信查询过于频繁")).to_be_visible()
    expect(staff.locator("#script")).to_contain_text("征信")
    staff.get_by_role("button", name="复制话术").click()
    expect(staff.locator(".copied")).to_be_visible()

    staff.get_by_role("link", name="案例分析").click()
    staff.get_by_role("textbox", name="客户描述").fill("我最近半年申请了8次网贷，信用卡也刷爆了")
    staff.get_by_role("button", name="分析").click()
    expect(staff.locator(".report")).to_contain_text("征信查询过于频繁")
    expect(staff.locator("#diagnosis-json")).to_contain_text('"frequent_inquiries"')

    staff.get_by_role("link", name="转人工队列").click()
    staff.get_by_role("link", name="查看").first.click()
    expect(staff.locator("#transcript")).to_contain_text("转人工")
    staff.get_by_role("button", name="接手这个对话").click()
    expect(staff.get_by_role("status")).to_contain_text("已接手")
    staff.get_by_role("textbox", name="回复内容").fill(REPLY)
    staff.get_by_role("button", name="发送").click()
    expect(staff.get_by_role("status")).to_contain_text("已发送给客户")

    expect(user.locator(".lw-msg.lw-bot .lw-bubble").last).to_contain_text(REPLY)
    staff.get_by_role("button", name="交还给机器人").click()
    expect(staff.get_by_role("status")).to_contain_text("已交还给机器人")

    assert not user_errors and not staff_errors, (user_errors, staff_errors)
    user_ctx.close()
    staff_ctx.close()
