"""The action-response validator built once behaves like Rasa's own."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from policies import speedups


def test_valid_and_invalid_responses() -> None:
    speedups.apply()
    action = RemoteAction("action_x", None)
    assert action._validate_action_result({"events": [], "responses": [{"text": "hi"}]}) is True
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": "not a list"})


def test_endpoint_requests_share_one_keep_alive_connection() -> None:
    import asyncio

    from aiohttp import web
    from rasa.utils.endpoints import ClientResponseError, EndpointConfig

    speedups.apply()
    peers: list[object] = []

    async def webhook(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername") if request.transport else None)
        return web.json_response({"echo": await request.json()})

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/webhook", webhook)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        try:
            for n in range(3):
                assert await endpoint.request(json={"n": n}) == {"echo": {"n": n}}
            with pytest.raises(ClientResponseError) as err:
                await EndpointConfig(f"http://127.0.0.1:{port}/missing").request(json={})
            assert err.value.status == 404
        finally:
            await runner.cleanup()

    asyncio.run(main())
    assert len(peers) == 3 and len(set(peers)) == 1  # one connection for three calls
