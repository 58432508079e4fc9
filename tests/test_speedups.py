"""The Rasa speed-ups: Rasa's behaviour kept, applied only on the Rasa version they were written for,
applied once by the server at start, and no HTTP session left open after use or after the server stops."""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import socket
import time
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
import rasa
from aiohttp import web
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import register
from rasa.utils.endpoints import ClientResponseError, EndpointConfig
from sanic import Sanic

from channels import speedups

RASA_VALIDATE = RemoteAction._validate_action_result
RASA_REQUEST = EndpointConfig.request


@pytest.fixture(autouse=True)
def stock_rasa() -> Iterator[None]:
    """Every test starts and ends with Rasa's own methods and no open session."""
    speedups.undo()
    yield
    speedups.undo()
    assert speedups.open_sessions() == 0
    assert RemoteAction._validate_action_result is RASA_VALIDATE and EndpointConfig.request is RASA_REQUEST


def test_nothing_is_patched_at_import() -> None:
    import policies.handoff  # it used to patch Rasa when the model loaded it

    importlib.reload(policies.handoff)
    assert not speedups.is_applied()
    assert RemoteAction._validate_action_result is RASA_VALIDATE and EndpointConfig.request is RASA_REQUEST


def test_applies_on_the_pinned_version_and_twice_changes_nothing() -> None:
    assert rasa.__version__ in speedups.WRITTEN_FOR  # requirements.lock pins what the patch was written for
    assert speedups.apply() is True
    assert RemoteAction._validate_action_result is speedups._validate_action_result
    assert EndpointConfig.request is speedups._request
    assert speedups.apply() is True
    assert EndpointConfig.request is speedups._request
    speedups.undo()  # the originals kept by the first call, not the patch seen by the second
    assert RemoteAction._validate_action_result is RASA_VALIDATE and EndpointConfig.request is RASA_REQUEST


@pytest.mark.parametrize("version", ["3.6.20", "3.7.0", "3.6.21rc1", "unknown"])
def test_refuses_another_rasa_version(
    version: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(rasa, "__version__", version)
    with caplog.at_level(logging.WARNING, logger="channels.speedups"):
        assert speedups.apply() is False
    assert RemoteAction._validate_action_result is RASA_VALIDATE and EndpointConfig.request is RASA_REQUEST
    assert f"this is Rasa {version}" in caplog.text and "3.6.21" in caplog.text


def test_valid_and_invalid_responses() -> None:
    assert speedups.apply()
    action = RemoteAction("action_x", None)
    assert action._validate_action_result({"events": [], "responses": [{"text": "hi"}]}) is True
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": "not a list"})


async def _echo_server(peers: list[object]) -> tuple[web.AppRunner, int]:
    async def webhook(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername") if request.transport else None)
        return web.json_response({"echo": await request.json()})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


def test_endpoint_requests_share_one_keep_alive_connection_and_close_it() -> None:
    assert speedups.apply()
    peers: list[object] = []

    async def main() -> None:
        runner, port = await _echo_server(peers)
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        try:
            for n in range(3):
                assert await endpoint.request(json={"n": n}) == {"echo": {"n": n}}
            with pytest.raises(ClientResponseError) as err:
                await EndpointConfig(f"http://127.0.0.1:{port}/missing").request(json={})
            assert err.value.status == 404
            assert speedups.open_sessions() == 2  # one per endpoint
        finally:
            await speedups.close_sessions()
            await runner.cleanup()

    asyncio.run(main())
    assert len(peers) == 3 and len(set(peers)) == 1  # one connection for three calls
    assert speedups.open_sessions() == 0


def test_sessions_are_kept_per_loop_object_not_per_id() -> None:
    """A finished loop's id() can be reused by the next loop: its sessions must never be handed out there."""
    assert speedups.apply()
    keys: list[Any] = []

    async def call() -> None:
        runner, port = await _echo_server([])
        try:
            assert await EndpointConfig(f"http://127.0.0.1:{port}/webhook").request(json={}) == {"echo": {}}
            keys.extend(key[0] is asyncio.get_running_loop() for key in speedups._SESSIONS)
        finally:
            await speedups.close_sessions()
            await runner.cleanup()

    asyncio.run(call())
    assert keys == [True]


def test_the_server_applies_at_start_and_closes_sessions_at_stop() -> None:
    """As `rasa run` registers the channels of credentials.yml; in a fresh process Rasa is stock until then."""
    Sanic.test_mode = True
    app = Sanic(f"speedups_{time.time_ns()}", configure_logging=False)
    register([speedups.SpeedupsInput()], app, route="/webhooks/")
    assert not speedups.is_applied()  # registering patches nothing; starting does
    seen: dict[str, Any] = {}

    async def main() -> None:
        runner, port = await _echo_server([])
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
        assert server is not None
        try:
            await server.startup()
            await server.before_start()
            seen["applied"] = speedups.is_applied()
            await EndpointConfig(f"http://127.0.0.1:{port}/webhook").request(json={"a": 1})
            seen["open while serving"] = speedups.open_sessions()
            server.close()
            await server.wait_closed()
            await server.after_stop()
            seen["open after stop"] = speedups.open_sessions()
        finally:
            await runner.cleanup()
            Sanic._app_registry.pop(app.name, None)

    asyncio.run(main())
    assert seen == {"applied": True, "open while serving": 1, "open after stop": 0}


def test_no_unclosed_session_is_left_for_the_garbage_collector() -> None:
    """What the staff-bridge tests used to see after this file: 'Unclosed client session' at collection."""
    assert speedups.apply()

    async def main() -> None:
        runner, port = await _echo_server([])
        try:
            await EndpointConfig(f"http://127.0.0.1:{port}/webhook").request(json={})
        finally:
            await speedups.close_sessions()
            await runner.cleanup()

    asyncio.run(main())
    speedups.undo()
    speedups._SESSIONS.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gc.collect()
    assert [str(w.message) for w in caught if "Unclosed" in str(w.message)] == []
