"""The staff console's own server, apart from the public widget server (web/server.py).

    python -m staff.server --port 8001 --rasa http://127.0.0.1:5005

It listens on loopback unless told otherwise (`--host`, STAFF_HOST; `--port`,
STAFF_PORT): the console can be firewalled, or published only on the staff
network, without touching the widget. `scripts/run.sh` starts it beside the others.
"""

from __future__ import annotations

import argparse
import os

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from loanwhy import paths
from staff import security
from staff.app import register
from staff.rasa_client import DEFAULT_URL as DEFAULT_RASA

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001


def create_app(rasa_url: str = DEFAULT_RASA, name: str = "loanwhy_staff", host: str | None = None) -> Sanic:
    """`host`: the interface it will listen on; loopback means development (session cookies
    without the Secure flag unless LOANWHY_COOKIE_SECURE says otherwise, staff/security.py).
    `rasa_url`: where this server reaches Rasa's staff bridge (LOANWHY_RASA_URL overrides it)."""
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = 1024 * 1024
    app.ctx.bind_host = host
    app.ctx.rasa_url = rasa_url.rstrip("/")
    register(app)

    @app.get("/")
    async def index(_: Request) -> HTTPResponse:
        return response.redirect(f"{security.PREFIX}/")

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    # the console's strict headers on every answer of this server, its 404s and redirects too
    app.register_middleware(security.headers, "response")
    return app


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Options, defaulting to STAFF_HOST and STAFF_PORT (scripts/run.sh passes both)."""
    parser = argparse.ArgumentParser(prog="python -m staff.server", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--host",
        default=os.environ.get("STAFF_HOST") or DEFAULT_HOST,
        help=f"interface to listen on (STAFF_HOST; default {DEFAULT_HOST}, this machine only)",
    )
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("STAFF_PORT") or DEFAULT_PORT), help="STAFF_PORT"
    )
    parser.add_argument(
        "--rasa",
        default=DEFAULT_RASA,
        help="Rasa server URL as this server reaches it, for staff replies (LOANWHY_RASA_URL overrides it)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    paths.private_umask()  # the app database (password hashes, sessions, audit log) and logs: 0600
    args = parse_args(argv)
    app = create_app(args.rasa, host=args.host)
    app.run(host=args.host, port=args.port, access_log=False, motd=False)


if __name__ == "__main__":
    main()
