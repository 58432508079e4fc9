"""Talks to the Rasa server's staff bridge (channels/bridge.py) to deliver staff replies."""

from __future__ import annotations

import os
from dataclasses import dataclass

import aiohttp

DEFAULT_URL = "http://127.0.0.1:5005"  # where `make run` starts Rasa; also the staff server's `--rasa` default
TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Delivery:
    ok: bool  # stored in the conversation
    delivered: bool  # pushed to the user's screen
    error: str = ""


def rasa_url(server_default: str | None = None) -> str:
    """LOANWHY_RASA_URL, else the Rasa URL the staff server was started with (`--rasa`), else the default."""
    return (os.environ.get("LOANWHY_RASA_URL") or server_default or DEFAULT_URL).rstrip("/")


async def send_reply(sender_id: str, text: str, staff: str, base: str | None = None) -> Delivery:
    token = os.environ.get("LOANWHY_STAFF_TOKEN", "")
    if not token:
        return Delivery(False, False, "LOANWHY_STAFF_TOKEN is not set")
    url = f"{(base or rasa_url())}/webhooks/staff_bridge/reply"
    body = {"sender_id": sender_id, "text": text, "staff": staff}
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_S)) as session,
            session.post(url, json=body, headers={"X-Staff-Token": token}) as resp,
        ):
            data = await resp.json(content_type=None)
            if resp.status != 200:
                return Delivery(False, False, f"{resp.status}: {(data or {}).get('error', '')}")
            return Delivery(True, bool(data.get("delivered")))
    except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
        return Delivery(False, False, f"{type(exc).__name__}: {exc}")
