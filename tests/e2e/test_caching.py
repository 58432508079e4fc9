"""What the browser fetches: gzipped files on a first visit; on a second one only the page
(revalidated) and /api/config, the versioned files coming from its cache."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from chat_page import ChatPage
from playwright.sync_api import BrowserContext, Page
from stack import Stack


def visit(context: BrowserContext, stack: Stack) -> list[dict[str, Any]]:
    """Every response of the web server that came over the network, with its bytes on the wire."""
    page: Page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    seen: dict[str, dict[str, Any]] = {}

    def received(event: dict[str, Any]) -> None:
        r = event["response"]
        if r["url"].startswith(stack.url) and not (r.get("fromDiskCache") or r.get("fromMemoryCache")):
            headers = {k.lower(): v for k, v in r["headers"].items()}
            seen[event["requestId"]] = {"path": urlsplit(r["url"]).path, "encoding": headers.get("content-encoding")}

    def finished(event: dict[str, Any]) -> None:
        if event["requestId"] in seen:
            seen[event["requestId"]]["bytes"] = event["encodedDataLength"]

    cdp.on("Network.responseReceived", received)
    cdp.on("Network.loadingFinished", finished)
    ChatPage(page, stack.url).goto()
    page.wait_for_function("() => document.querySelector('#loanwhy-chat').shadowRoot.querySelector('.lw-root')")
    page.wait_for_load_state("networkidle")
    page.close()
    return list(seen.values())


def test_second_visit_fetches_only_the_page_and_the_config(context: BrowserContext, stack: Stack) -> None:
    first = visit(context, stack)
    text = [r for r in first if r["path"].endswith((".js", ".css")) or r["path"] == "/"]
    assert len(text) >= 10 and all(r["encoding"] == "gzip" for r in text), first
    second = visit(context, stack)
    assert sorted(r["path"] for r in second) == ["/", "/api/config"], second
    assert sum(r.get("bytes", 0) for r in second) < 2000, second  # the page's 304, the config
