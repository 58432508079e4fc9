"""Login, logout, the start page and the static files."""

from __future__ import annotations

from pathlib import Path

from sanic import Blueprint, response
from sanic.exceptions import NotFound
from sanic.request import Request
from sanic.response import HTTPResponse

from loanwhy import accounts, audit
from staff import security as sec
from staff import throttle
from staff.render import page

STATIC = Path(__file__).resolve().parent / "static"
STATIC_FILES = {"staff.css": "text/css; charset=utf-8", "staff.js": "text/javascript; charset=utf-8"}


def _login_page(request: Request, error: str = "", status: int = 200) -> HTTPResponse:
    token = sec.new_login_token()
    resp = page(
        request,
        "login.html",
        status=status,
        error=error,
        login_csrf=token,
        next=sec.safe_next(request.args.get("next") or request.form.get("next")),
    )
    sec.set_cookie(resp, request, sec.LOGIN_COOKIE, token, 3600, path=sec.LOGIN_PATH)
    return resp


def add_routes(bp: Blueprint) -> None:
    limiter = throttle.LoginLimiter()  # one per mounted console: the staff server is one process

    @bp.get("/")
    async def index(request: Request) -> HTTPResponse:
        return response.redirect(f"{sec.PREFIX}/search")

    @bp.get("/login")
    async def login_form(request: Request) -> HTTPResponse:
        if request.ctx.session:
            return response.redirect(sec.safe_next(request.args.get("next")))
        return _login_page(request)

    @bp.post("/login")
    async def login_submit(request: Request) -> HTTPResponse:
        username = str(request.form.get("username") or "").strip()
        password = str(request.form.get("password") or "")
        ip = sec.client_ip(request)
        wait = limiter.refuse(ip)
        if wait:
            if limiter.report(ip):
                await throttle.off_loop(audit.log, username, "login_throttled", ip=ip)
            resp = _login_page(request, "throttled", status=429)
            resp.headers["Retry-After"] = str(int(wait + 0.999))
            return resp
        # scrypt and every database write off the event loop; the account's slowdown awaited without a thread
        try:
            delay = await throttle.off_loop(accounts.login_delay, username)
            if delay:
                await throttle.sleep(delay)
            sess = await throttle.off_loop(accounts.login, username, password, ip=ip)
        except accounts.LoginLocked:
            await throttle.off_loop(audit.log, username, "login_locked", ip=ip)
            return _login_page(request, "locked", status=429)
        except accounts.LoginFailed:
            await throttle.off_loop(audit.log, username, "login_failed", ip=ip)
            return _login_page(request, "failed", status=401)
        await throttle.off_loop(audit.log, sess.username, "login", ip=ip)
        resp = response.redirect(sec.safe_next(request.form.get("next")))
        sec.set_cookie(resp, request, sec.SESSION_COOKIE, sess.token, accounts.SESSION_TTL_S)
        sec.set_cookie(resp, request, sec.LOGIN_COOKIE, "", 0, path=sec.LOGIN_PATH)
        return resp

    @bp.post("/logout")
    async def logout(request: Request) -> HTTPResponse:
        accounts.logout(request.cookies.get(sec.SESSION_COOKIE))
        audit.log(request.ctx.staff, "logout", ip=sec.client_ip(request))
        resp = response.redirect(sec.LOGIN_PATH)
        sec.set_cookie(resp, request, sec.SESSION_COOKIE, "", 0)
        return resp

    @bp.get("/static/<name:str>")
    async def static(request: Request, name: str) -> HTTPResponse:
        if name not in STATIC_FILES:
            raise NotFound("not found")
        return response.text((STATIC / name).read_text(encoding="utf-8"), content_type=STATIC_FILES[name])

    @bp.get("/audit")
    async def audit_log(request: Request) -> HTTPResponse:
        staff = request.args.get("staff") or None
        return page(request, "audit.html", entries=audit.recent(300, staff=staff), who=staff or "")
