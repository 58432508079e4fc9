"""What the servers tell and accept before any channel looks at a request (issue 11):
bodies are capped by Sanic itself, Rasa's version and the store classes are shown to operators
only, and the action server runs nothing without the shared token and a JSON body."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
import rasa
from rasa.server import add_root_route
from sanic import Sanic
from sanic import response as sanic_response

from actions import server as action_server
from channels import hardening, health
from channels.socketio import allowed_origins
from loanwhy import access

OPERATOR = "op-" + "7" * 40
ACTION = "act-" + "5" * 40


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout=30))


@asynccontextmanager
async def served(app: Sanic) -> AsyncIterator[str]:
    Sanic.test_mode = True
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
    assert server is not None
    await server.startup()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()
        Sanic._app_registry.pop(app.name, None)


def rasa_like_app() -> Sanic:
    """Rasa's app without the HTTP API (rasa.core.run._create_app_without_api) and our channels."""
    Sanic.test_mode = True
    app = Sanic(f"hardening_{time.time_ns()}", configure_logging=False)
    add_root_route(app)
    app.ctx.agent = None  # health answers 503 "no model loaded": enough to see what it names
    noop = lambda m: asyncio.sleep(0)  # noqa: E731
    app.blueprint(hardening.HardeningInput().blueprint(noop), url_prefix="/webhooks/hardening")
    app.blueprint(health.HealthInput().blueprint(noop), url_prefix="/webhooks/health")
    return app


@pytest.fixture(autouse=True)
def _tokens(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(access.OPERATOR_ENV, OPERATOR)
    monkeypatch.setenv(access.ACTION_ENV, ACTION)
    monkeypatch.delenv("SANIC_REQUEST_MAX_SIZE", raising=False)
    monkeypatch.setenv("LOANWHY_APP_DB", str(tmp_path / "app.sqlite"))


async def get(s: aiohttp.ClientSession, url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    async with s.get(url, headers=headers or {}) as resp:
        return resp.status, await resp.text()


def test_rasa_root_hides_the_version_unless_an_operator_asks() -> None:
    async def go() -> None:
        async with served(rasa_like_app()) as base, aiohttp.ClientSession() as s:
            status, text = await get(s, base + "/")
            assert status == 200 and rasa.__version__ not in text and "Rasa" not in text
            status, text = await get(s, base + "/", {access.OPERATOR_HEADER: "wrong"})
            assert rasa.__version__ not in text
            status, text = await get(s, base + "/", {access.OPERATOR_HEADER: OPERATOR})
            assert status == 200 and rasa.__version__ in text

    run(go())


def test_health_names_no_classes_unless_an_operator_asks(monkeypatch: pytest.MonkeyPatch) -> None:
    store = SimpleNamespace()  # an object of a class an attacker should not learn
    agent = SimpleNamespace(tracker_store=store, lock_store=SimpleNamespace(), action_endpoint=None)

    async def go() -> None:
        app = rasa_like_app()
        app.ctx.agent = agent
        async with served(app) as base, aiohttp.ClientSession() as s:
            status, text = await get(s, base + "/webhooks/health/status")
            assert status == 503 and json.loads(text)["status"] == "fail"
            assert "SimpleNamespace" not in text and "TrackerStore" not in text
            status, text = await get(s, base + "/webhooks/health/status", {access.OPERATOR_HEADER: OPERATOR})
            body = json.loads(text)
            assert body["tracker_store"]["kind"] == "SimpleNamespace" and body["lock_store"] == "SimpleNamespace"

    run(go())


def test_sanic_refuses_a_body_over_the_cap_before_reading_it() -> None:
    app = rasa_like_app()

    @app.post("/echo")  # a route with no cap of its own
    async def echo(request: Any) -> Any:
        return sanic_response.text(str(len(request.body)))

    async def go() -> None:
        async with served(app) as base, aiohttp.ClientSession() as s:
            async with s.post(base + "/echo", data=b"x" * (900 * 1024)) as resp:
                assert resp.status == 200
            async with s.post(base + "/echo", data=b"x" * (2 * 1024 * 1024)) as resp:
                assert resp.status == 413

    run(go())
    assert hardening.REQUEST_MAX_BYTES <= 1024 * 1024


# -- the action server ---------------------------------------------------------------------------

CALL = {"next_action": "action_that_does_not_exist", "sender_id": "x", "tracker": {}, "domain": {}, "version": "3.6.2"}


async def post(s: aiohttp.ClientSession, url: str, body: bytes, ctype: str) -> int:
    async with s.post(url, data=body, headers={"Content-Type": ctype}) as resp:
        return resp.status


def test_action_server_runs_nothing_without_the_token_or_a_json_body() -> None:
    async def go() -> None:
        app = action_server.create_app(ACTION)
        async with served(app) as base, aiohttp.ClientSession() as s:
            body = json.dumps(CALL).encode()
            assert await post(s, base + "/webhook", body, "application/json") == 401
            assert await post(s, base + "/webhook?token=wrong", body, "application/json") == 401
            assert await post(s, f"{base}/webhook?token={ACTION}", body, "text/plain") == 415
            assert await post(s, f"{base}/webhook?token={ACTION}", body, "application/x-www-form-urlencoded") == 415
            # past the checks: the executor answers (unknown action)
            assert await post(s, f"{base}/webhook?token={ACTION}", body, "application/json; charset=utf-8") == 404
            assert (await get(s, base + "/actions"))[0] == 401
            assert (await get(s, base + "/health"))[0] == 200  # for wait-ready and the health channel

    run(go())


def test_action_server_will_not_start_without_a_token() -> None:
    with pytest.raises(SystemExit):
        action_server.create_app("")


@pytest.mark.parametrize(
    ("setting", "origins"),
    [
        (None, None),  # unset: python-socketio's same-origin rule (scripts/run.sh lists the widget page)
        ("", None),
        ("https://bank.example", ["https://bank.example"]),
        ("https://a.example, https://b.example", ["https://a.example", "https://b.example"]),
        ("*", "*"),  # any origin only when an operator asks for exactly that
        ("https://a.example,*", ["https://a.example"]),
    ],
)
def test_socket_origins_follow_the_setting(setting: str | None, origins: object) -> None:
    # guards channels/socketio.allowed_origins: the default was "*" (any page could open the socket)
    assert allowed_origins(setting) == origins
