"""axe-core in the real browser: no serious or critical violation with the chat open and a
diagnosis shown, on desktop and phone; inputs large enough that iOS does not zoom on focus.

axe-core comes from the npm registry, pinned with its integrity hash in
tests/e2e/webchat/package-lock.json (`make browser`). It is injected as an init script
(the page's CSP allows no inline script); its page bypasses the CSP because two axe rules
add inline styles (tests/e2e/conftest.py, `audit_page`).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
from chat_page import ChatPage
from playwright.sync_api import Page, expect
from stack import ROOT, Stack

AXE = ROOT / "tests" / "e2e" / "webchat" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
DESCRIBED = "我的贷款被拒了，这两个月查了十几次征信，五张卡都刷爆了"  # a diagnosis with two signals
# experimental rules are off by default; label-content-name-mismatch (WCAG 2.5.3) is one of them
RUN_AXE = """async () => {
  const experimental = axe.getRules(["experimental"]).map((r) => r.ruleId);
  const rules = Object.fromEntries(experimental.map((id) => [id, { enabled: true }]));
  const result = await axe.run(document, { rules, resultTypes: ["violations"] });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary, html: n.html.slice(0, 200) })),
  }));
}"""
INPUT_FONT_PX = """() => {
  const root = document.querySelector('#loanwhy-chat').shadowRoot;
  return [...root.querySelectorAll('textarea, input, select')].map(
    (n) => [n.className, parseFloat(getComputedStyle(n).fontSize)]);
}"""


@cache
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE} missing: run `make browser`")
    return AXE.read_text(encoding="utf-8")


def blocking(page: Page) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(RUN_AXE)
    return [v for v in found if v["impact"] in BLOCKING]


def report(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['impact']} {v['id']}: {v['help']}")
        lines += [f"    {n['target']}: {n['summary']}\n      {n['html']}" for n in v["nodes"]]
    return "\n".join(lines)


def test_no_serious_axe_violation_with_the_chat_open_and_a_diagnosis(audit_page: Page, stack: Stack) -> None:
    p = audit_page  # desktop and phone
    size = p.viewport_size
    p.add_init_script(axe_source())
    chat = ChatPage(p, stack.url).goto()
    closed = blocking(p)
    assert not closed, f"closed widget ({size}):\n{report(closed)}"

    chat.open()
    expect(chat.page.locator(".lw-reply").first).to_be_visible()  # welcome and starter buttons
    opened = blocking(p)
    assert not opened, f"open widget ({size}):\n{report(opened)}"

    chat.send(DESCRIBED)
    expect(chat.card.last).to_be_visible()
    chat.card.last.locator("summary").first.click()  # one "为什么" section open
    diagnosed = blocking(p)
    assert not diagnosed, f"diagnosis shown ({size}):\n{report(diagnosed)}"


def test_axe_reports_a_planted_violation(audit_page: Page, stack: Stack) -> None:
    """The check can fail: a button whose name hides its visible text is reported."""
    page = audit_page
    page.add_init_script(axe_source())
    ChatPage(page, stack.url).goto()
    page.evaluate(
        "() => { const b = document.createElement('button'); b.textContent = '新对话';"
        " b.setAttribute('aria-label', '清空记录'); document.body.append(b); }"
    )
    assert "label-content-name-mismatch" in {v["id"] for v in blocking(page)}


@pytest.mark.parametrize("size", ["page", "phone"])
def test_inputs_are_at_least_16px_so_phones_do_not_zoom(
    request: pytest.FixtureRequest, stack: Stack, size: str
) -> None:
    p: Page = request.getfixturevalue(size)
    ChatPage(p, stack.url).goto().open()
    sizes = p.evaluate(INPUT_FONT_PX)
    assert sizes, "no input found in the widget"
    assert all(px >= 16 for _, px in sizes), sizes
