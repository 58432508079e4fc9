"""Who may use the REST webhook (`/webhooks/rest/webhook`).

REST is a tool for the operator (evaluation, load tests, integrations), not a
public read path: it shares the Rasa port with the web widget and WeChat.

- LOANWHY_REST_TOKEN set: every request must carry ``Authorization: Bearer <token>``, or
  ``?token=<token>`` as Rasa's own console client sends it (compared in constant time), from
  any address.
- not set: only requests from a loopback peer that came through no proxy
  (no X-Forwarded-For, X-Real-IP, Forwarded or Via header) are served, so
  `make run`, `make eval`, `make soak` and the tests work on one machine while
  nothing reaching Rasa through a reverse proxy or from another machine is.

Plain module (no Rasa): the channel decides with `check`, clients add `client_headers`.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Mapping

TOKEN_ENV = "LOANWHY_REST_TOKEN"
PROXY_HEADERS = ("x-forwarded-for", "x-real-ip", "forwarded", "via", "x-forwarded-host")


def token(env: Mapping[str, str] | None = None) -> str:
    return ((os.environ if env is None else env).get(TOKEN_ENV) or "").strip()


def client_headers(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Headers a local tool sends to the REST webhook: the bearer token when one is configured."""
    value = token(env)
    return {"Authorization": f"Bearer {value}"} if value else {}


def is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address((address or "").strip("[]")).is_loopback
    except ValueError:
        return False


def check(
    headers: Mapping[str, str], peer: str | None, env: Mapping[str, str] | None = None, query_token: str | None = None
) -> str | None:
    """None when the request may use REST, else why not (for the log and the 403 answer).

    `headers` must be case-insensitive (Sanic's are) or have lower-case keys; `query_token` is the
    request's `token` argument (`rasa shell` and Rasa's console client send the token that way)."""
    expected = token(env)
    if expected:
        given = headers.get("authorization") or ""
        scheme, _, value = given.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            if not query_token:
                return "missing bearer token"
            value = query_token
        if not hmac.compare_digest(value.strip().encode(), expected.encode()):
            return "wrong bearer token"
        return None
    if not is_loopback(peer):
        return f"{TOKEN_ENV} is not set and the request is not from loopback"
    if any(headers.get(h) for h in PROXY_HEADERS):
        return f"{TOKEN_ENV} is not set and the request came through a proxy"
    return None
