"""Health channel: `GET /webhooks/health/` and `/webhooks/health/status`.

Rasa 3.6 hides storage failures: a tracker store it cannot save to is replaced,
conversation by conversation, with an in-memory one (one ERROR line), and a
failed read starts a blank conversation. This endpoint makes that visible to a
load balancer or a monitor: 200 when the tracker store is the configured kind
and takes a write, the action server answers and the app database takes a
write; otherwise 503 with short reasons (details go to the log as ERROR, not to
the caller, so paths and errors are not disclosed).

Anonymous callers get the status and which checks failed; the store classes and the reasons
(which name them) only with the operator token (loanwhy/access.py): they tell an attacker
what the deployment runs.

LOANWHY_TRACKER_KIND names the expected tracker store class or a base of it
(default SQLTrackerStore, which trackers.cached_sql.CachedSQLTrackerStore extends).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from loanwhy import access, ops, paths

logger = logging.getLogger(__name__)
ACTION_TIMEOUT_S = 1.0
PROBE_TIMEOUT_S = 3.0
LOG_EVERY_S = 60.0


@dataclass(frozen=True)
class Check:
    ok: bool
    reason: str = ""  # short, safe to show to anyone
    detail: str = ""  # for the log only


def unwrap(store: Any) -> tuple[Any, bool]:
    """The real store under Rasa's FailSafe/Awaitable wrappers, and whether a fallback was used."""
    fallback_used = False
    while hasattr(store, "_tracker_store"):
        fallback_used = fallback_used or getattr(store, "_fallback_tracker_store", None) is not None
        store = store._tracker_store
    return store, fallback_used


def _sql_round_trip(engine: Any) -> None:
    """A write and a read in one transaction on the tracker database (works for SQLite and PostgreSQL)."""
    import sqlalchemy as sa

    with engine.begin() as conn:
        conn.execute(sa.text("create table if not exists _probe (x integer)"))
        conn.execute(sa.text("insert into _probe (x) values (1)"))
        conn.execute(sa.text("select count(*) from _probe")).scalar()
        conn.execute(sa.text("delete from _probe"))


async def check_tracker(agent: Any) -> tuple[Check, dict[str, Any]]:
    expected = os.environ.get("LOANWHY_TRACKER_KIND", "SQLTrackerStore")
    store, fallback_used = unwrap(getattr(agent, "tracker_store", None))
    kind = type(store).__name__
    info: dict[str, Any] = {"kind": kind, "expected": expected, "fallback_used": fallback_used}
    if expected not in {cls.__name__ for cls in type(store).__mro__}:  # a subclass (our cached store) counts
        return Check(False, f"tracker store is {kind}, not {expected}", f"tracker store is {kind}"), info
    if fallback_used:
        reason = "tracker store failed a save; some conversations were kept in memory only"
        return Check(False, reason, reason), info
    engine = getattr(store, "engine", None)
    if engine is None:
        return Check(True), info
    try:
        loop = asyncio.get_running_loop()
        await asyncio.wait_for(loop.run_in_executor(None, _sql_round_trip, engine), PROBE_TIMEOUT_S)
    except Exception as exc:  # any driver error means the store cannot be used
        return Check(False, "tracker store does not take a write", f"{type(exc).__name__}: {exc}"), info
    return Check(True), info


def action_health_url(agent: Any) -> str | None:
    endpoint = getattr(agent, "action_endpoint", None)
    url = getattr(endpoint, "url", None)
    if not url:
        return None
    url = url.rstrip("/")
    return (url[: -len("/webhook")] if url.endswith("/webhook") else url) + "/health"


async def check_actions(agent: Any) -> tuple[Check, dict[str, Any]]:
    url = action_health_url(agent)
    if url is None:
        return Check(False, "no action server configured", "agent has no action endpoint"), {}
    try:
        timeout = aiohttp.ClientTimeout(total=ACTION_TIMEOUT_S)
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as resp:
            status = resp.status
    except Exception as exc:
        return Check(False, "action server not reachable", f"{url}: {type(exc).__name__}: {exc}"), {}
    if status != 200:
        return Check(False, f"action server answered {status}", f"{url}: HTTP {status}"), {}
    return Check(True), {}


async def check_app_db(path: Path) -> tuple[Check, dict[str, Any]]:
    loop = asyncio.get_running_loop()
    try:
        problem = await asyncio.wait_for(loop.run_in_executor(None, ops.check_sqlite, path), PROBE_TIMEOUT_S)
    except asyncio.TimeoutError:
        problem = f"{path}: no answer within {PROBE_TIMEOUT_S} s"
    if problem:
        return Check(False, "app database does not take a write", problem), {}
    return Check(True), {}


_LAST_LOG: dict[str, Any] = {"reasons": (), "at": 0.0}


def _log_failures(failed: dict[str, Check]) -> None:
    """One ERROR line per failing check, again when the reasons change or a minute passed."""
    reasons = tuple(sorted(f"{k}: {c.reason}" for k, c in failed.items()))
    now = time.monotonic()
    if reasons == _LAST_LOG["reasons"] and now - _LAST_LOG["at"] < LOG_EVERY_S:
        return
    _LAST_LOG.update(reasons=reasons, at=now)
    for name, check in failed.items():
        logger.error("health: %s failed: %s (%s)", name, check.reason, check.detail)


async def report(agent: Any, app_db: Path | None = None) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body) for the current state of the assistant's dependencies."""
    if agent is None:
        _log_failures({"agent": Check(False, "no model loaded", "app.ctx.agent is None")})
        return 503, {"status": "fail", "reasons": ["no model loaded"]}
    (tracker, t_info), (actions, _), (app, _) = await asyncio.gather(
        check_tracker(agent), check_actions(agent), check_app_db(app_db or paths.app_db())
    )
    checks = {"tracker_store": tracker, "action_server": actions, "app_db": app}
    failed = {k: c for k, c in checks.items() if not c.ok}
    body: dict[str, Any] = {
        "status": "fail" if failed else "ok",
        "tracker_store": {**t_info, "ok": tracker.ok},
        "lock_store": type(getattr(agent, "lock_store", None)).__name__,
        "action_server": {"ok": actions.ok},
        "app_db": {"ok": app.ok},
        "reasons": [c.reason for c in failed.values()],
    }
    if failed:
        _log_failures(failed)
        return 503, body
    return 200, body


CHECKS = ("tracker_store", "action_server", "app_db")


def public(body: dict[str, Any]) -> dict[str, Any]:
    """What anyone may see: the status and the names of the failed checks."""
    if not all(isinstance(body.get(k), dict) for k in CHECKS):  # no model loaded
        return {"status": body.get("status"), "failed": ["agent"]}
    return {"status": body.get("status"), "failed": [k for k in CHECKS if not body[k].get("ok")]}


class HealthInput(InputChannel):
    """Registered in credentials.yml as `channels.health.HealthInput:`; takes no messages."""

    @classmethod
    def name(cls) -> str:
        return "health"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("health_webhook", __name__)

        async def status(request: Request) -> HTTPResponse:
            code, body = await report(getattr(request.app.ctx, "agent", None))
            if not access.is_operator(request.headers):
                body = public(body)
            return response.json(body, status=code, headers={"Cache-Control": "no-store"})

        bp.add_route(status, "/", methods=["GET"], name="health_root")
        bp.add_route(status, "/status", methods=["GET"], name="health_status")
        return bp
