"""Measured speed-ups for Rasa 3.6.21, patched in by the Rasa server when it starts.

Registered in credentials.yml as `channels.speedups.SpeedupsInput:` (it takes no messages): its
blueprint calls `apply()` before the server starts and `close_sessions()` after it stops. Nothing
is patched at import. `apply()` replaces two Rasa methods only on the Rasa version(s) they were
copied from (WRITTEN_FOR); on any other it logs a warning and leaves Rasa as it is, so an upgrade
runs stock Rasa until this module is checked against the new code. `undo()` restores Rasa's own.

1. Rasa checks every action-server response with `jsonschema.validate()`, which
   re-validates the schema itself on every call: about 20 ms per call under load
   and a third of the Rasa process's CPU in `make bench`. Here the validator is
   built once; a bad response still raises the same ValidationError.
2. `EndpointConfig.request` opens a new aiohttp session, so a new TCP connection,
   for every action call (6 % of the Rasa process's CPU at 16 conversations in
   flight). Here each endpoint keeps one session per event loop with keep-alive
   connections; idle connections are dropped after 2 s, before the action
   server's own 5 s keep-alive limit, so a reused connection is never one the
   server is closing. The tracker sent with each call is encoded with ujson (the
   stdlib encoder was 4 % of the process). Status errors and timeouts behave as before.
   The sessions are closed by `close_sessions()` on the loop that opened them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import rasa
import ujson
from jsonschema import ValidationError, validators
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.exceptions import FileNotFoundException
from rasa.utils import endpoints
from rasa.utils.endpoints import ClientResponseError, EndpointConfig, concat_url
from sanic import Blueprint, Sanic

logger = logging.getLogger(__name__)

# Rasa versions whose RemoteAction._validate_action_result and EndpointConfig.request these replace
WRITTEN_FOR = ("3.6.21",)
KEEP_ALIVE_S = 2.0

_VALIDATOR: dict[str, Any] = {}
# (loop, url, headers, basic auth) -> session; the loop itself, not its id, which a later loop may reuse
_SESSIONS: dict[tuple[Any, ...], aiohttp.ClientSession] = {}
_ORIGINALS: dict[str, Any] = {}


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    validator = _VALIDATOR.get("v")
    if validator is None:
        schema = self.action_response_format_spec()
        cls = validators.validator_for(schema)
        cls.check_schema(schema)
        validator = _VALIDATOR.setdefault("v", cls(schema))
    error: ValidationError | None = best_match(validator.iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def _shared_session(config: EndpointConfig) -> aiohttp.ClientSession:
    auth_key = tuple(sorted((config.basic_auth or {}).items()))
    loop = asyncio.get_running_loop()
    key = (loop, config.url, tuple(sorted((config.headers or {}).items())), auth_key)
    session = _SESSIONS.get(key)
    if session is None or session.closed:
        auth = (
            aiohttp.BasicAuth(config.basic_auth["username"], config.basic_auth["password"])
            if config.basic_auth
            else None
        )
        session = aiohttp.ClientSession(
            headers=config.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=endpoints.DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEP_ALIVE_S),
            json_serialize=ujson.dumps,
        )
        _SESSIONS[key] = session
    return session


async def _request(
    self: EndpointConfig,
    method: str = "post",
    subpath: str | None = None,
    content_type: str | None = "application/json",
    compress: bool = False,
    **kwargs: Any,
) -> Any:
    headers = {"Content-Type": content_type} if content_type else {}
    headers.update(kwargs.pop("headers", None) or {})
    headers.update(self.headers or {})
    sslcontext = None
    if self.cafile:
        if not os.path.exists(self.cafile):
            raise FileNotFoundException(f"Failed to find certificate file '{os.path.abspath(self.cafile)}'.")
        sslcontext = ssl.create_default_context(cafile=self.cafile)
    params = self.combine_parameters(kwargs)
    async with _shared_session(self).request(
        method,
        concat_url(self.url, subpath),
        headers=headers,
        params=params,
        compress=compress,
        ssl=sslcontext,
        **kwargs,
    ) as response:
        if response.status >= 400:
            raise ClientResponseError(response.status, response.reason, await response.content.read())
        try:
            return await response.json(loads=ujson.loads)
        except aiohttp.ContentTypeError:
            return None


def is_applied() -> bool:
    return RemoteAction._validate_action_result is _validate_action_result and EndpointConfig.request is _request


def apply() -> bool:
    """Patch Rasa if it is a version these were written for; True when the speed-ups are in place.

    Idempotent: a second call changes nothing.
    """
    if is_applied():
        return True
    version = str(getattr(rasa, "__version__", "unknown"))
    if version not in WRITTEN_FOR:
        logger.warning(
            "Rasa speed-ups not applied: written for Rasa %s, this is Rasa %s; running Rasa's own "
            "action-response check and HTTP requests (check channels/speedups.py against this version)",
            " / ".join(WRITTEN_FOR),
            version,
        )
        return False
    _ORIGINALS.setdefault("validate", RemoteAction._validate_action_result)
    _ORIGINALS.setdefault("request", EndpointConfig.request)
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    EndpointConfig.request = _request  # type: ignore[method-assign]
    logger.info("Rasa speed-ups applied (written for and running on Rasa %s)", version)
    return True


def undo() -> None:
    """Rasa's own methods back (sessions are closed separately, on their loop)."""
    if "validate" in _ORIGINALS:
        RemoteAction._validate_action_result = _ORIGINALS["validate"]  # type: ignore[method-assign]
    if "request" in _ORIGINALS:
        EndpointConfig.request = _ORIGINALS["request"]  # type: ignore[method-assign]


def open_sessions() -> int:
    """Sessions opened by the patched requests and not closed yet (on any loop)."""
    return sum(1 for session in _SESSIONS.values() if not session.closed)


async def close_sessions() -> None:
    """Close the sessions opened on the running loop (each loop's before it ends)."""
    loop = asyncio.get_running_loop()
    mine = [key for key in _SESSIONS if key[0] is loop]
    for key in mine:
        await _SESSIONS.pop(key).close()


async def _on_start(app: Sanic, loop: Any) -> None:
    apply()


async def _on_stop(app: Sanic, loop: Any) -> None:
    await close_sessions()


class SpeedupsInput(InputChannel):
    """Applies the patch when the server starts and closes its sessions when it stops (in every worker)."""

    @classmethod
    def name(cls) -> str:
        return "speedups"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("speedups", __name__)
        bp.listener("before_server_start")(_on_start)
        bp.listener("after_server_stop")(_on_stop)
        return bp
