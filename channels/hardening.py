"""Server-wide settings the Rasa server needs before any channel sees a request.

Registered in credentials.yml as `channels.hardening.HardeningInput:` (it takes no messages);
its blueprint, when Rasa registers it, changes the app itself:

- Sanic reads a body up to REQUEST_MAX_SIZE (100 MB by default) before a channel's own cap can
  refuse it; here it is 1 MB (SANIC_REQUEST_MAX_SIZE in the environment still wins), so a larger
  body gets 413 without being read. The channels' caps (512 KB REST, 64 KB WeChat) stay.
- Rasa's `/` answers "Hello from Rasa: <version>"; anonymous callers get "ok" (monitors and
  `loanwhy.cli wait-ready` only need the 200), an operator (loanwhy/access.py) the original.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from loanwhy import access

REQUEST_MAX_BYTES = 1024 * 1024
VERSION_ROUTES = ("/", "/version")  # `/version` exists only with --enable-api


async def hide_version(request: Request) -> HTTPResponse | None:
    """Request middleware of the whole app."""
    if request.path in VERSION_ROUTES and request.method == "GET" and not access.is_operator(request.headers):
        return response.text("ok") if request.path == "/" else response.json({"error": "not found"}, status=404)
    return None


class HardenedBlueprint(Blueprint):
    """Applies the settings to the app it is registered on (as Rasa's SocketBlueprint attaches socket.io)."""

    def register(self, app: Sanic, options: dict[str, Any]) -> Any:
        if not os.environ.get("SANIC_REQUEST_MAX_SIZE"):
            app.config.REQUEST_MAX_SIZE = min(int(app.config.REQUEST_MAX_SIZE), REQUEST_MAX_BYTES)
        app.register_middleware(hide_version, "request")
        return super().register(app, options)


class HardeningInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "hardening"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return HardenedBlueprint("hardening", __name__)
