"""The staff console as a Sanic blueprint: `register(app)` mounts it under /staff/ (staff/server.py)."""

from __future__ import annotations

from sanic import Blueprint, Sanic

from loanwhy.store import open_db
from staff import security, views_auth, views_cases, views_handoffs, views_knowledge


def blueprint() -> Blueprint:
    bp = Blueprint("staff", url_prefix=security.PREFIX, strict_slashes=False)
    bp.middleware(security.guard, "request")
    bp.middleware(security.headers, "response")
    for views in (views_auth, views_knowledge, views_cases, views_handoffs):
        views.add_routes(bp)
    return bp


async def _create_tables(app: Sanic, _: object) -> None:
    """The app database migrated before the first request (logins write from a thread pool,
    staff/throttle.py), not by whichever request comes first."""
    open_db().close()


def register(app: Sanic) -> None:
    """Called by the staff server (staff/server.py); every route needs a staff login except /staff/login."""
    app.blueprint(blueprint())
    app.register_listener(_create_tables, "before_server_start")
