"""The staff console as a Sanic blueprint: `register(app)` mounts it under /staff/ (staff/server.py)."""

from __future__ import annotations

from sanic import Blueprint, Sanic

from loanwhy import accounts, audit
from staff import security, views_auth, views_cases, views_handoffs, views_knowledge


def blueprint() -> Blueprint:
    bp = Blueprint("staff", url_prefix=security.PREFIX, strict_slashes=False)
    bp.middleware(security.guard, "request")
    bp.middleware(security.headers, "response")
    for views in (views_auth, views_knowledge, views_cases, views_handoffs):
        views.add_routes(bp)
    return bp


async def _create_tables(app: Sanic, _: object) -> None:
    """Accounts and audit tables before the first request: logins write from a thread pool
    (staff/throttle.py), and two threads creating the same table at once hit 'database is locked'."""
    accounts._db().close()
    audit._db().close()


def register(app: Sanic) -> None:
    """Called by the staff server (staff/server.py); every route needs a staff login except /staff/login."""
    app.blueprint(blueprint())
    app.register_listener(_create_tables, "before_server_start")
