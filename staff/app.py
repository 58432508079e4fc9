"""The staff console as a Sanic blueprint: `register(app)` mounts it under /staff/."""

from __future__ import annotations

from sanic import Blueprint, Sanic

from staff import security, views_auth, views_cases, views_handoffs, views_knowledge


def blueprint() -> Blueprint:
    bp = Blueprint("staff", url_prefix=security.PREFIX, strict_slashes=False)
    bp.middleware(security.guard, "request")
    bp.middleware(security.headers, "response")
    for views in (views_auth, views_knowledge, views_cases, views_handoffs):
        views.add_routes(bp)
    return bp


def register(app: Sanic) -> None:
    """Called by the web server (web/server.py); every route needs a staff login except /staff/login."""
    app.blueprint(blueprint())
