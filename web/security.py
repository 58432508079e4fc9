"""Response headers: a strict CSP, no MIME sniffing, and CORS only where a lender's page needs it.

CORS: `/api/*` answers only the page's own origin and the origins listed in
LOANWHY_CORS_ORIGINS (a `*` there is ignored for the API); the public files under
/widget/, /vendor/, /assets/ carry `*` while no list is configured (module scripts
need CORS, and the files are public), else only the listed origins. Never with
credentials, always exactly one Access-Control-Allow-Origin.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from sanic.compat import Header
from sanic.request import Request
from sanic.response import BaseHTTPResponse

PUBLIC_PREFIXES = ("/widget/", "/vendor/", "/assets/")  # loaded by lenders' pages
API_PREFIX = "/api/"


def socket_origins(rasa_url: str) -> list[str]:
    """The Rasa origin for socket.io: HTTP long-polling first, then the WebSocket upgrade."""
    parts = urlsplit(rasa_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"--rasa must be an http(s) URL, not {rasa_url!r}")
    ws = "wss" if parts.scheme == "https" else "ws"
    return [f"{parts.scheme}://{parts.netloc}", f"{ws}://{parts.netloc}"]


def content_security_policy(rasa_url: str) -> str:
    connect = " ".join(["'self'", *socket_origins(rasa_url)])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src {connect}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'self'",
        ]
    )


def configured_origins(value: str | None = None) -> list[str]:
    """LOANWHY_CORS_ORIGINS as a list: `https://a.example, https://b.example` (no trailing slash)."""
    raw = os.environ.get("LOANWHY_CORS_ORIGINS", "") if value is None else value
    return [o.strip().rstrip("/") for o in raw.split(",") if o.strip()]


def own_origin(request: Request, origin: str) -> bool:
    """The page's own origin: the browser sent the Host it sends with every request of that page."""
    host = urlsplit(origin).netloc
    return bool(host) and host.lower() == str(request.host or "").lower()


def add_vary(headers: Header, name: str) -> None:
    """Add `name` to Vary, keeping what is there (Accept-Encoding of a gzipped file)."""
    present = [v.strip() for v in str(headers.get("Vary") or "").split(",") if v.strip()]
    if name.lower() not in {v.lower() for v in present}:
        headers["Vary"] = ", ".join([*present, name])


class Headers:
    def __init__(self, rasa_url: str) -> None:
        self.csp = content_security_policy(rasa_url)
        self.origins = configured_origins()
        self.api_origins = [o for o in self.origins if o != "*"]

    def api_origin(self, request: Request) -> str | None:
        """The Origin itself when it is this page's own or listed; never `*`."""
        origin = str(request.headers.get("origin") or "")
        if not origin:
            return None
        return origin if origin in self.api_origins or own_origin(request, origin) else None

    def asset_origin(self, request: Request) -> str | None:
        if not self.origins or "*" in self.origins:
            return "*"
        origin = str(request.headers.get("origin") or "")
        return origin if origin and (origin in self.origins or own_origin(request, origin)) else None

    async def apply(self, request: Request, resp: BaseHTTPResponse) -> None:
        h = resp.headers
        path = request.path
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "no-referrer")
        if "content-security-policy" not in h:
            h["Content-Security-Policy"] = self.csp
        for name in [k for k in h if k.lower().startswith("access-control-")]:
            del h[name]  # one place decides: exactly one Allow-Origin, never credentials
        if path.startswith(PUBLIC_PREFIXES):
            allow = self.asset_origin(request)
            if allow:
                h["Access-Control-Allow-Origin"] = allow
            if allow != "*":
                add_vary(h, "Origin")
            h["Cross-Origin-Resource-Policy"] = "cross-origin"
        elif path.startswith(API_PREFIX):
            origin = self.api_origin(request)
            if origin:
                h["Access-Control-Allow-Origin"] = origin
                h["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
                h["Access-Control-Allow-Headers"] = "Content-Type"
                h["Access-Control-Max-Age"] = "600"
            add_vary(h, "Origin")
            h.setdefault("Cache-Control", "no-store")
