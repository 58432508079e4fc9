"""web.assets without a server (milliseconds): versioned URLs, gzip choice, revalidation."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from web import assets
from web.assets import Catalog

MAIN = 'import { b } from "./b.js";\nimport "../lib/c.js";\nconst css = new URL("w.css", import.meta.url);\n'
SERVER = 'const server = new URL("..", import.meta.url);\nimport x from "https://cdn.example/x.js";\n'


def site(root: Path) -> Path:
    (root / "w").mkdir()
    (root / "lib").mkdir()
    (root / "index.html").write_text(
        '<link href="/w/w.css"><script type="module" src="/w/a.js"></script><a href="#top">x</a>'
    )
    (root / "w" / "a.js").write_text(MAIN + SERVER)
    (root / "w" / "b.js").write_text('import { c } from "../lib/c.js";\nexport const b = c;\n')
    (root / "lib" / "c.js").write_text("export const c = 1;\n" + "// padding\n" * 50)
    (root / "w" / "w.css").write_text(".x { color: red; }\n")
    (root / "w" / ".a.js.swp").write_text("editor junk")
    return root


def catalog(root: Path) -> Catalog:
    return Catalog(root, ["w", "lib"], recheck_seconds=0)


def text(cat: Catalog, url: str) -> str:
    found = cat.get(url)
    assert found is not None, url
    return found.body.decode()


def version(cat: Catalog, url: str) -> str:
    found = cat.get(url)
    assert found is not None, url
    return found.version


def test_imports_urls_and_page_references_carry_the_version_of_what_they_name(tmp_path: Path) -> None:
    cat = catalog(site(tmp_path))
    a = text(cat, "/w/a.js")
    assert f'from "./b.js?v={version(cat, "/w/b.js")}"' in a
    assert f'import "../lib/c.js?v={version(cat, "/lib/c.js")}"' in a
    assert f'new URL("w.css?v={version(cat, "/w/w.css")}", import.meta.url)' in a
    assert SERVER in a, "a folder and another site's URL are left as written"
    page = text(cat, "/index.html")
    assert f'src="/w/a.js?v={version(cat, "/w/a.js")}"' in page
    assert f'href="/w/w.css?v={version(cat, "/w/w.css")}"' in page
    assert 'href="#top"' in page
    assert cat.get("/w/.a.js.swp") is None and cat.get("/w/../index.html") is None


def test_a_change_deep_down_gives_every_file_above_a_new_version(tmp_path: Path) -> None:
    root = site(tmp_path)
    cat = catalog(root)
    before = {url: version(cat, url) for url in ("/index.html", "/w/a.js", "/w/b.js", "/lib/c.js", "/w/w.css")}
    c = root / "lib" / "c.js"
    c.write_text("export const c = 2;\n")
    os.utime(c, (1, 1))  # a different stamp even within the file system's time resolution
    after = {url: version(cat, url) for url in before}
    assert [url for url in before if before[url] != after[url]] == ["/index.html", "/w/a.js", "/w/b.js", "/lib/c.js"]


def test_an_import_cycle_is_an_error_at_start(tmp_path: Path) -> None:
    root = site(tmp_path)
    (root / "lib" / "c.js").write_text('import { a } from "../w/a.js";\n')
    with pytest.raises(assets.AssetError, match="cycle"):
        catalog(root).refresh()


def test_files_broken_while_running_leave_the_last_good_ones_served(tmp_path: Path) -> None:
    root = site(tmp_path)
    cat = catalog(root)
    good = text(cat, "/lib/c.js")
    (root / "lib" / "c.js").write_text('import { a } from "../w/a.js";\n')
    assert text(cat, "/lib/c.js") == good
    (root / "lib" / "c.js").write_text("export const c = 3;\n")
    assert text(cat, "/lib/c.js") == "export const c = 3;\n"


def test_gzip_only_where_it_pays(tmp_path: Path) -> None:
    cat = catalog(site(tmp_path))
    c = cat.get("/lib/c.js")
    assert c is not None and c.gzipped is not None and gzip.decompress(c.gzipped) == c.body
    assert len(c.gzipped) < len(c.body)
    tiny = cat.get("/w/w.css")
    assert tiny is not None and tiny.gzipped is None  # saves less than its headers cost


@pytest.mark.parametrize(
    ("header", "gzip_ok"),
    [
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.8", True),
        ("GZIP", True),
        ("x-gzip", True),
        ("*", True),
        ("gzip;q=0", False),
        ("*, gzip;q=0", False),
        ("gzip;q=zero", False),
        ("identity", False),
        ("br", False),
        ("", False),
    ],
)
def test_accept_encoding(header: str, gzip_ok: bool) -> None:
    assert assets.accepts_gzip(header) is gzip_ok


@pytest.mark.parametrize(
    ("none_match", "since", "fresh"),
    [
        ('"v1"', None, True),
        ('W/"v1"', None, True),
        ('"v0", "v1"', None, True),
        ("*", None, True),
        ('"v0"', "Thu, 01 Jan 2099 00:00:00 GMT", False),  # If-None-Match decides when present
        (None, "Thu, 01 Jan 1970 00:16:40 GMT", True),  # 1000 s
        (None, "Thu, 01 Jan 1970 00:16:39 GMT", False),
        (None, "yesterday", False),
        (None, None, False),
    ],
)
def test_not_modified(none_match: str | None, since: str | None, fresh: bool) -> None:
    assert assets.not_modified(none_match, since, '"v1"', 1000.5) is fresh


def test_answer_current_version_immutable_anything_else_revalidates(tmp_path: Path) -> None:
    c = catalog(site(tmp_path)).get("/lib/c.js")
    assert c is not None
    current = assets.answer(c, asked_version=c.version, accept_encoding="gzip")
    assert current.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert current.headers["Content-Encoding"] == "gzip" and current.body == c.gzipped
    for asked in (None, "0ld0ld0ld0ld"):
        plain = assets.answer(c, asked_version=asked)
        assert plain.headers["Cache-Control"] == "no-cache" and plain.body == c.body
        assert "Content-Encoding" not in plain.headers and plain.headers["Vary"] == "Accept-Encoding"
    again = assets.answer(c, accept_encoding="gzip", if_none_match=current.headers["ETag"])
    assert (again.status, again.body) == (304, b"")
    other_encoding = assets.answer(c, if_none_match=current.headers["ETag"])
    assert other_encoding.status == 200, "the gzip ETag does not validate the identity body"
