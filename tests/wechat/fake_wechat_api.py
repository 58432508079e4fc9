"""A loopback stand-in for the WeChat / WeCom HTTP APIs (tokens and message sending).

Issues one access token at a time; `expire()` invalidates it (the next send is
refused with 42001, as the real API does); `fail_next` scripts errcodes for the
coming sends (48001 unverified account, 45047 over the limit, ...). Every send
is recorded with its raw body so tests can check it is unescaped UTF-8 JSON.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class FakeApi:
    sent: list[dict[str, Any]] = field(default_factory=list)
    raw_bodies: list[bytes] = field(default_factory=list)
    token_requests: list[dict[str, Any]] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)
    token: str = "TOKEN-1"
    base: str = ""
    _issued: int = 1
    _runner: web.AppRunner | None = None

    def expire(self) -> None:
        """The current token stops working (e.g. someone else forced a refresh)."""
        self._issued += 1
        self.token = f"TOKEN-{self._issued}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/cgi-bin/stable_token", self._stable_token)
        app.router.add_get("/cgi-bin/gettoken", self._gettoken)
        app.router.add_post("/cgi-bin/message/custom/send", self._send)
        app.router.add_post("/cgi-bin/message/send", self._send)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _stable_token(self, request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        self.token_requests.append(body)
        if body.get("force_refresh"):
            self.expire()
        return web.json_response({"access_token": self.token, "expires_in": 7200})

    async def _gettoken(self, request: web.Request) -> web.Response:
        self.token_requests.append(dict(request.query))
        return web.json_response({"access_token": self.token, "expires_in": 7200})

    async def _send(self, request: web.Request) -> web.Response:
        raw = await request.read()
        if request.query.get("access_token") != self.token:
            return web.json_response({"errcode": 42001, "errmsg": "access_token expired"})
        if self.fail_next:
            return web.json_response({"errcode": self.fail_next.pop(0), "errmsg": "scripted failure"})
        self.raw_bodies.append(raw)
        self.sent.append({"path": request.path, **json.loads(raw.decode("utf-8"))})
        return web.json_response({"errcode": 0, "errmsg": "ok"})


@asynccontextmanager
async def fake_api() -> AsyncIterator[FakeApi]:
    """A FakeApi listening on 127.0.0.1:<free port> for the duration of the block."""
    api = FakeApi()
    await api.start()
    try:
        yield api
    finally:
        await api.stop()
