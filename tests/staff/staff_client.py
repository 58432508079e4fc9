"""An in-process ASGI client for Sanic apps (no ports, no threads), keeping cookies like a browser.

Its own module name, not conftest: several test folders have a conftest.py and
`from conftest import` would pick whichever was imported first.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode, urlsplit

from sanic import Sanic

PASSWORD = "correct horse 42"
_names = itertools.count()


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers if k.lower() == name.lower()), "")

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


@dataclass
class Client:
    """Drives a Sanic app through its ASGI interface, keeping cookies like a browser."""

    app: Sanic
    cookies: dict[str, str] = field(default_factory=dict)
    host: str = "localhost:8000"
    ip: str = "127.0.0.1"  # the peer address the app sees

    def __post_init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._lifespan_in: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._lifespan_out: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task = self.loop.create_task(
            self.app({"type": "lifespan", "asgi": {"version": "3.0"}}, self._lifespan_in.get, self._lifespan_out.put)
        )
        self._lifespan("startup")

    def _lifespan(self, phase: str) -> None:
        async def go() -> None:
            await self._lifespan_in.put({"type": f"lifespan.{phase}"})
            getter = asyncio.ensure_future(self._lifespan_out.get())
            await asyncio.wait([getter, self._task], timeout=10, return_when=asyncio.FIRST_COMPLETED)
            if not getter.done():
                getter.cancel()
                raise RuntimeError(f"lifespan {phase} failed") from (
                    self._task.exception() if self._task.done() else None
                )
            msg = getter.result()
            assert msg["type"] == f"lifespan.{phase}.complete", msg

        self.loop.run_until_complete(go())

    def close(self) -> None:
        self._lifespan("shutdown")
        try:  # Sanic 21.12 goes on to treat the finished lifespan as a request and fails; harmless
            self.loop.run_until_complete(self._task)
        except AttributeError:
            pass
        self.loop.close()
        Sanic._app_registry.pop(self.app.name, None)  # later Sanic.get_app() calls elsewhere see no stray app

    def request(
        self,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> Response:
        url = urlsplit(path)
        query = url.query + (("&" if url.query else "") + urlencode(params) if params else "")
        hdrs = {"host": self.host, **{k.lower(): v for k, v in (headers or {}).items()}}
        body = b""
        if form is not None:
            body = urlencode(form).encode()
            hdrs["content-type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body).encode()
            hdrs["content-type"] = "application/json"
        if self.cookies:
            hdrs["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        hdrs["content-length"] = str(len(body))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": url.path,
            "raw_path": url.path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [(k.encode(), v.encode()) for k, v in hdrs.items()],
            "client": (self.ip, 50000),
            "server": ("localhost", 8000),
        }
        sent: list[dict[str, Any]] = []
        done = asyncio.Event()

        async def receive() -> dict[str, Any]:
            if not sent and not getattr(receive, "fed", False):
                receive.fed = True  # type: ignore[attr-defined]
                return {"type": "http.request", "body": body, "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                done.set()

        self.loop.run_until_complete(self.app(scope, receive, send))
        start = next(m for m in sent if m["type"] == "http.response.start")
        resp = Response(
            start["status"],
            [(k.decode(), v.decode()) for k, v in start["headers"]],
            b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"),
        )
        for raw in resp.all("set-cookie"):
            jar = SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                if morsel["max-age"] in ("0", 0) or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return resp

    def get(self, path: str, **kw: Any) -> Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Response:
        return self.request("POST", path, **kw)

    def login(self, username: str, password: str = PASSWORD) -> Response:
        page = self.get("/staff/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token, page.text
        return self.post("/staff/login", form={"username": username, "password": password, "csrf": token.group(1)})

    def csrf(self, path: str = "/staff/search") -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', self.get(path).text)
        assert found
        return found.group(1)


def make_app(host: str | None = None) -> Sanic:
    """The staff server's app (staff/server.py); `host`: the interface it would listen on."""
    from staff.server import create_app

    Sanic.test_mode = True  # several apps in one process (Sanic's touch-up would break the second one)
    return create_app("http://127.0.0.1:9", name=f"staff_test_{next(_names)}", host=host)


class FakeChannel:
    """A registered input channel as the staff bridge sees it (channels/delivery.Pushes): a name, a push."""

    def __init__(self, name: str = "socketio", fails: bool = False) -> None:
        self._name = name
        self.fails = fails
        self.pushed: list[tuple[str, str]] = []

    def name(self) -> str:
        return self._name

    async def push(self, recipient_id: str, text: str) -> bool:
        if self.fails:
            raise ConnectionError("socket gone")
        self.pushed.append((recipient_id, text))
        return True
