"""Response headers: a strict CSP, no MIME sniffing, and CORS only where a lender's page needs it."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from sanic.request import Request
from sanic.response import BaseHTTPResponse

PUBLIC_PREFIXES = ("/widget/", "/vendor/", "/assets/")  # loaded by lenders' pages
API_PREFIX = "/api/"
OWN_POLICY_PREFIX = "/staff"


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


class Headers:
    def __init__(self, rasa_url: str) -> None:
        self.csp = content_security_policy(rasa_url)
        allowed = os.environ.get("LOANWHY_CORS_ORIGINS", "")
        self.api_origins = [o.strip() for o in allowed.split(",") if o.strip()]

    def api_origin(self, request: Request) -> str | None:
        if not self.api_origins:
            return "*"
        origin = request.headers.get("origin")
        return origin if origin in self.api_origins else None

    async def apply(self, request: Request, resp: BaseHTTPResponse) -> None:
        h = resp.headers
        path = request.path
        staff = path == OWN_POLICY_PREFIX or path.startswith(OWN_POLICY_PREFIX + "/")
        if staff and getattr(request, "route", None) is not None:
            return  # a staff console route: its own middleware sets stricter headers
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "no-referrer")
        if "content-security-policy" not in h:
            h["Content-Security-Policy"] = self.csp
        if path.startswith(PUBLIC_PREFIXES):
            h["Access-Control-Allow-Origin"] = "*"
            h["Cross-Origin-Resource-Policy"] = "cross-origin"
        elif path.startswith(API_PREFIX):
            origin = self.api_origin(request)
            if origin:
                h["Access-Control-Allow-Origin"] = origin
                h["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
                h["Access-Control-Allow-Headers"] = "Content-Type"
                h["Access-Control-Max-Age"] = "600"
            h["Vary"] = "Origin"
            h.setdefault("Cache-Control", "no-store")
