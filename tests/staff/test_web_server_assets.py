"""The web server's files over HTTP (in process): gzip, versioned URLs cached for a year, the page
and unversioned URLs revalidated, CORS and CSP headers kept."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sanic import Sanic
from staff_client import Client, Response

IMMUTABLE = "public, max-age=31536000, immutable"
GZIP = {"Accept-Encoding": "gzip, deflate, br"}
VERSIONED = re.compile(r"""["']([^"']+\?v=[0-9a-f]{12})["']""")


@pytest.fixture()
def web(staff_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    from web.server import create_app

    monkeypatch.delenv("LOANWHY_CORS_ORIGINS", raising=False)
    Sanic.test_mode = True
    c = Client(create_app("http://localhost:5005", name="web_assets_test"))
    yield c
    c.close()


def absolute(base: str, ref: str) -> str:
    from posixpath import dirname, join, normpath

    path, _, query = ref.partition("?")
    return normpath(join(dirname(base), path)) + "?" + query


def vary(resp: Response) -> set[str]:
    return {v.strip().lower() for v in resp.header("vary").split(",") if v.strip()}


@pytest.mark.parametrize("path", ["/", "/widget/widget.js", "/widget/chat.js", "/widget/widget.css"])
def test_text_is_gzipped_when_the_browser_takes_it(web: Client, path: str) -> None:
    plain = web.get(path)
    packed = web.get(path, headers=GZIP)
    assert plain.status == packed.status == 200
    assert packed.header("content-encoding") == "gzip" and plain.header("content-encoding") == ""
    assert len(packed.body) < len(plain.body) * 0.7, (len(packed.body), len(plain.body))
    assert gzip.decompress(packed.body) == plain.body
    assert "accept-encoding" in vary(plain) and "accept-encoding" in vary(packed)
    assert packed.header("content-type") == plain.header("content-type")


def test_page_and_modules_name_every_file_by_its_version_and_those_urls_are_immutable(web: Client) -> None:
    seen: set[str] = set()
    todo = ["/", "/widget/widget.js"]
    while todo:
        path = todo.pop()
        resp = web.get(path, headers=GZIP)
        assert resp.status == 200, path
        body = gzip.decompress(resp.body) if resp.header("content-encoding") == "gzip" else resp.body
        for ref in VERSIONED.findall(body.decode()):
            url = absolute(path, ref)
            if url not in seen:
                seen.add(url)
                todo.append(url)
    names = {url.partition("?")[0] for url in seen}
    assert {
        "/assets/page.css",
        "/widget/widget.js",
        "/widget/chat.js",
        "/widget/strings.js",
        "/widget/widget.css",
        "/vendor/socket.io.esm.min.js",
    } <= names, names
    for url in seen:
        resp = web.get(url)
        assert resp.header("cache-control") == IMMUTABLE, url
        assert resp.header("etag"), url


@pytest.mark.parametrize("path", ["/", "/widget/widget.js", "/widget/chat.js?v=000000000000", "/favicon.ico"])
def test_the_page_and_unversioned_urls_revalidate(web: Client, path: str) -> None:
    first = web.get(path, headers=GZIP)
    assert first.header("cache-control") == "no-cache"
    assert first.header("etag") and first.header("last-modified")
    again = web.get(path, headers={**GZIP, "If-None-Match": first.header("etag")})
    assert again.status == 304 and again.body == b""
    since = web.get(path, headers={"If-Modified-Since": first.header("last-modified")})
    assert since.status == 304
    changed = web.get(path, headers={**GZIP, "If-None-Match": '"an-older-deploy"'})
    assert changed.status == 200 and changed.body == first.body


def test_security_headers_and_cors_stay_on_prepared_files(web: Client) -> None:
    page = web.get("/", headers=GZIP)
    assert "script-src 'self'" in page.header("content-security-policy")
    assert page.header("x-content-type-options") == "nosniff"
    asset = web.get("/widget/widget.js", headers={**GZIP, "Origin": "https://lender.example"})
    assert asset.all("access-control-allow-origin") == ["*"]


def test_vary_names_both_origin_and_encoding_when_origins_are_listed(
    staff_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from web.server import create_app

    monkeypatch.setenv("LOANWHY_CORS_ORIGINS", "https://lender.example")
    Sanic.test_mode = True
    web = Client(create_app("http://localhost:5005", name="web_assets_cors"))
    try:
        resp = web.get("/widget/widget.js", headers={**GZIP, "Origin": "https://lender.example"})
        assert resp.all("access-control-allow-origin") == ["https://lender.example"]
        assert vary(resp) == {"origin", "accept-encoding"}
        assert len(resp.all("vary")) == 1
    finally:
        web.close()
