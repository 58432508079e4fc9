"""Shared secrets between our own processes, and the operator's token.

- LOANWHY_ACTION_TOKEN: Rasa sends it with every action call (endpoints `token:`, as the query
  parameter `token`); the action server (actions/server.py) runs nothing without it.
- LOANWHY_OPERATOR_TOKEN: sent as the `X-Operator-Token` header, it shows what anonymous callers
  are not told (Rasa's version on `/`, the store classes on the health route).

scripts/run.sh makes both once per runtime folder (var/action.token, var/operator.token, mode 0600)
unless they are set. Plain module (no Rasa, no Sanic).
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping

ACTION_ENV = "LOANWHY_ACTION_TOKEN"
OPERATOR_ENV = "LOANWHY_OPERATOR_TOKEN"
OPERATOR_HEADER = "x-operator-token"


def _env(name: str, env: Mapping[str, str] | None) -> str:
    return ((os.environ if env is None else env).get(name) or "").strip()


def action_token(env: Mapping[str, str] | None = None) -> str:
    return _env(ACTION_ENV, env)


def same(given: object, expected: str) -> bool:
    """Constant-time comparison; nothing matches an empty (unset) secret."""
    if not expected or not isinstance(given, str) or not given:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def is_operator(headers: Mapping[str, str], env: Mapping[str, str] | None = None) -> bool:
    """`headers` must be case-insensitive (Sanic's are) or have lower-case keys."""
    return same(headers.get(OPERATOR_HEADER), _env(OPERATOR_ENV, env))
