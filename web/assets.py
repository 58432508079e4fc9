"""The page and the public files, prepared once: versioned URLs, gzip, cache validators.

Every relative ES-module import and `new URL("x.css", import.meta.url)` of a script, and every
`src`/`href` of an HTML page naming a public file, gets `?v=<hash>`. A file's hash covers its
text after that rewrite, so it changes whenever anything it loads changes (a new strings.js
gives render.js, chat.js, widget.js and the page new versions too). The current `?v=` is
answered with a year-long immutable cache; anything else (the page, the unversioned widget.js a
lender's site embeds, a version no longer current) must be revalidated with its ETag or
Last-Modified on every use, so a new deploy is picked up at once and costs a 304 otherwise.

Plain Python, no Sanic: web/server.py turns an `Answer` into a response. The files are read
again when one changes size or modification time (checked at most once a second), so an edit
shows on the next reload without restarting the server; files that cannot be prepared (a deploy
half copied, an import cycle) stop the server at start and leave the last good ones served later.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import mimetypes
import posixpath
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

logger = logging.getLogger(__name__)
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".html": "text/html",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".md": "text/plain",
}
COMPRESSIBLE = ("text/", "image/svg+xml", "application/json")
GZIP_MIN_SAVING = 64  # bytes: less does not pay for Content-Encoding and Vary (the 168-byte favicon)
# import … from "./x.js", import "./x.js", export … from "../y.js", import("./x.js"): relative only
MODULE_REF = re.compile(r"""(\b(?:from|import)\s*\(?\s*)(["'])(\.{1,2}/[^"'?#\s]+)\2""")
URL_REF = re.compile(r"""(\bnew\s+URL\(\s*)(["'])([^"'?#\s:]+)\2(?=\s*,\s*import\.meta\.url\s*\))""")
PAGE_REF = re.compile(r"""(\b(?:src|href)=)(["'])([^"'?#\s:]+)\2""")


class AssetError(RuntimeError):
    """The files cannot be versioned (an import cycle, a file that is not UTF-8)."""


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes | None  # None when gzip would save too little
    mime: str
    version: str  # hash of `body`, the `?v=` of its URL
    modified: float  # newest modification time of the file and of everything it loads


@dataclass(frozen=True)
class Answer:
    status: int  # 200 or 304
    headers: dict[str, str]
    body: bytes
    mime: str


def mime_type(name: str) -> str:
    kind = TYPES.get(posixpath.splitext(name)[1]) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith("text/") else kind


def accepts_gzip(accept_encoding: str) -> bool:
    """Accept-Encoding names gzip (or `*` without naming gzip) with a weight above 0."""
    weights: dict[str, float] = {}
    for part in accept_encoding.split(","):
        name, _, params = part.partition(";")
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if name.strip():
            weights[name.strip().lower()] = weight
    for name in ("gzip", "x-gzip", "*"):
        if name in weights:
            return weights[name] > 0
    return False


def not_modified(if_none_match: str | None, if_modified_since: str | None, etag: str, modified: float) -> bool:
    """RFC 9110 13.2.2: If-None-Match decides when present, else If-Modified-Since."""
    if if_none_match is not None:
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in tags or etag in tags
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since).timestamp()
        except (TypeError, ValueError):
            return False
        return int(modified) <= since
    return False


def answer(
    asset: Asset,
    asked_version: str | None = None,
    accept_encoding: str = "",
    if_none_match: str | None = None,
    if_modified_since: str | None = None,
) -> Answer:
    """What to send for one request of `asset`: encoding, cache policy, validators, 304."""
    zipped = asset.gzipped is not None and accepts_gzip(accept_encoding)
    etag = f'"{asset.version}-gz"' if zipped else f'"{asset.version}"'
    headers = {
        "Cache-Control": IMMUTABLE if asked_version == asset.version else REVALIDATE,
        "ETag": etag,
        "Last-Modified": formatdate(asset.modified, usegmt=True),
    }
    if asset.gzipped is not None:
        headers["Vary"] = "Accept-Encoding"
    if not_modified(if_none_match, if_modified_since, etag, asset.modified):
        return Answer(304, headers, b"", asset.mime)
    if zipped:
        headers["Content-Encoding"] = "gzip"
        return Answer(200, headers, asset.gzipped or b"", asset.mime)
    return Answer(200, headers, asset.body, asset.mime)


def _compress(body: bytes, mime: str) -> bytes | None:
    if not mime.startswith(COMPRESSIBLE):
        return None
    packed = gzip.compress(body, compresslevel=9, mtime=0)
    return packed if len(body) - len(packed) >= GZIP_MIN_SAVING else None


@dataclass
class _Builder:
    sources: dict[str, Path]  # URL path -> file
    done: dict[str, Asset] = field(default_factory=dict)

    def asset(self, url: str, trail: tuple[str, ...] = ()) -> Asset:
        if url in self.done:
            return self.done[url]
        if url in trail:
            raise AssetError("import cycle: " + " -> ".join((*trail, url)))
        path = self.sources[url]
        body = path.read_bytes()
        modified = [path.stat().st_mtime]
        mime = mime_type(path.name)
        patterns = (MODULE_REF, URL_REF) if path.suffix == ".js" else (PAGE_REF,) if path.suffix == ".html" else ()
        if patterns:
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise AssetError(f"{path} is not UTF-8") from exc
            for pattern in patterns:
                text = pattern.sub(self._versioner(url, (*trail, url), modified), text)
            body = text.encode("utf-8")
        version = hashlib.sha256(body).hexdigest()[:12]
        made = Asset(body, _compress(body, mime), mime, version, max(modified))
        self.done[url] = made
        return made

    def _versioner(self, url: str, trail: tuple[str, ...], modified: list[float]) -> Callable[[re.Match[str]], str]:
        def versioned(match: re.Match[str]) -> str:
            lead, quote, ref = match.group(1), match.group(2), match.group(3)
            target = posixpath.normpath(posixpath.join(posixpath.dirname(url), ref))
            if target not in self.sources:
                return match.group(0)  # a folder ("..") or not a public file: left as written
            used = self.asset(target, trail)
            modified.append(used.modified)
            return f"{lead}{quote}{ref}?v={used.version}{quote}"

        return versioned


class Catalog:
    """URL path -> prepared `Asset`: `/index.html` (the page) and `/<folder>/<name>` for each public file."""

    def __init__(
        self, static: Path, folders: Sequence[str], page: str = "index.html", recheck_seconds: float = 1.0
    ) -> None:
        self.static = static
        self.folders = tuple(folders)
        self.page = page
        self.recheck_seconds = recheck_seconds
        self._assets: dict[str, Asset] = {}
        self._stamp: tuple[tuple[str, int, int], ...] | None = None
        self._checked = float("-inf")

    def get(self, url: str) -> Asset | None:
        self.refresh()
        return self._assets.get(url)

    def refresh(self) -> None:
        """Prepare every file again if one was added, removed or changed (at most once a `recheck_seconds`)."""
        now = time.monotonic()
        if now - self._checked < self.recheck_seconds:
            return
        self._checked = now
        try:
            sources = self._sources()
            stamp = tuple(sorted((url, p.stat().st_mtime_ns, p.stat().st_size) for url, p in sources.items()))
            if stamp == self._stamp:
                return
            builder = _Builder(sources)
            self._assets = {url: builder.asset(url) for url in sorted(sources)}
            self._stamp = stamp
        except (OSError, AssetError) as exc:
            if self._stamp is None:
                raise  # at start: the server does not come up with broken files
            # a deploy half copied, or an edit that breaks the files: keep serving the last good ones
            logger.warning("static files not reloaded, serving the previous ones: %s", exc)

    def _sources(self) -> dict[str, Path]:
        """Regular files of the public folders (no dot files, nothing linked from outside) and the page."""
        found: dict[str, Path] = {}
        page = self.static / self.page
        if page.is_file():
            found[f"/{self.page}"] = page
        for folder in self.folders:
            root = (self.static / folder).resolve()
            for path in root.rglob("*"):
                if path.name.startswith(".") or not path.is_file() or root not in path.resolve().parents:
                    continue
                found[f"/{folder}/{path.relative_to(root).as_posix()}"] = path
        return found
