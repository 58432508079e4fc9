"""Who may reach a staff route: session cookie, CSRF on every POST, safe headers.

One request middleware guards the whole blueprint, so a new route is protected
by default; only the login page and the static files are public.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
from urllib.parse import quote

from sanic import response
from sanic.request import Request
from sanic.response import BaseHTTPResponse, HTTPResponse

from loanwhy import accounts, audit
from staff import throttle

PREFIX = "/staff"
SESSION_COOKIE = "staff_session"
LOGIN_COOKIE = "staff_login_csrf"
LOGIN_PATH = f"{PREFIX}/login"
STATIC_PREFIX = f"{PREFIX}/static/"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
LOOPBACK = {"localhost", "127.0.0.1", "::1"}
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def is_public(path: str) -> bool:
    return path.rstrip("/") == LOGIN_PATH or path.startswith(STATIC_PREFIX)


def client_ip(request: Request) -> str:
    """The client's address: the proxy's X-Forwarded-For / Forwarded only when Sanic is told to trust
    it (SANIC_PROXIES_COUNT, SANIC_REAL_IP_HEADER or SANIC_FORWARDED_SECRET), else the peer."""
    return str(request.remote_addr or request.ip or "")


TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def cookie_secure_setting(value: str | None) -> bool | None:
    """LOANWHY_COOKIE_SECURE as a flag; None when unset or not understood."""
    text = (value or "").strip().lower()
    return True if text in TRUE else False if text in FALSE else None


def loopback(host: str | None) -> bool:
    if not host:
        return False
    if host in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def secure_cookies(request: Request) -> bool:
    """LOANWHY_COOKIE_SECURE decides; unset, the flag is on unless the server listens on loopback
    only (development over plain http). The Host header, which a client chooses, plays no part."""
    setting = cookie_secure_setting(os.environ.get("LOANWHY_COOKIE_SECURE"))
    if setting is not None:
        return setting
    return not loopback(getattr(request.app.ctx, "bind_host", None))


def set_cookie(resp: HTTPResponse, request: Request, name: str, value: str, max_age: int, path: str = PREFIX) -> None:
    resp.cookies[name] = value
    cookie = resp.cookies[name]
    cookie["path"] = path
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["max-age"] = max_age
    if secure_cookies(request):
        cookie["secure"] = True


def safe_next(value: str | None) -> str:
    """Only local staff pages are valid targets after login (no open redirect)."""
    if (
        value
        and value.startswith(f"{PREFIX}/")
        and not value.startswith("//")
        and "\\" not in value
        and not value.startswith(LOGIN_PATH)
    ):
        return value
    return f"{PREFIX}/search"


def new_login_token() -> str:
    return secrets.token_urlsafe(32)


def _given_csrf(request: Request) -> str:
    header = request.headers.get("X-CSRF-Token")
    if header:
        return str(header)
    form = (
        request.form
        if (request.content_type or "").startswith(("application/x-www-form-urlencoded", "multipart/form-data"))
        else None
    )
    return str(form.get("csrf") or "") if form else ""


def forbidden(request: Request, reason: str) -> HTTPResponse:
    if request.path.startswith(f"{PREFIX}/api/") or request.method not in SAFE_METHODS:
        return response.json({"error": reason}, status=403)
    return response.text(reason, status=403)


async def guard(request: Request) -> HTTPResponse | None:
    """Request middleware: attach the session, refuse what is not allowed."""
    request.ctx.session = None
    request.ctx.staff = ""
    if request.path.startswith(STATIC_PREFIX):
        return None
    token = request.cookies.get(SESSION_COOKIE)
    sess = accounts.session(token)
    request.ctx.session = sess
    request.ctx.staff = sess.username if sess else ""
    if is_public(request.path):
        if request.method not in SAFE_METHODS:
            cookie, given = request.cookies.get(LOGIN_COOKIE) or "", _given_csrf(request)
            if not cookie or not given or not hmac.compare_digest(cookie.encode(), given.encode()):
                # anyone can send this: its database write (a commit) must not hold up the event loop
                await throttle.off_loop(audit.log, "", "csrf_rejected", request.path, ip=client_ip(request))
                return forbidden(request, "页面已过期，请刷新后重试 / form expired, reload the page")
        return None
    if sess is None:
        if request.method in SAFE_METHODS and not request.path.startswith(f"{PREFIX}/api/"):
            return response.redirect(f"{LOGIN_PATH}?next={quote(request.path)}")
        return response.json({"error": "login required"}, status=401)
    if request.method not in SAFE_METHODS and not accounts.csrf_ok(sess, _given_csrf(request)):
        audit.log(sess.username, "csrf_rejected", request.path, ip=client_ip(request))
        return forbidden(request, "页面已过期，请刷新后重试 / form expired, reload the page")
    return None


async def headers(request: Request, resp: BaseHTTPResponse) -> None:
    """Response middleware: no caching of staff data, no framing, strict content policy."""
    for name, value in HEADERS.items():
        resp.headers.setdefault(name, value)
