"""The lender's demo page, the chat widget's assets and its small HTTP API.

    python -m web.server --port 8000 --rasa http://localhost:5005

The widget talks to Rasa's socket.io channel directly (the `--rasa` origin, allowed
by the page's CSP); this server only serves files, the widget's config and feedback.
The staff console (staff/, built separately) is mounted when it is importable.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from web import feedback
from web.security import Headers

logger = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
SOCKET_PATH = "/socket.io/"
MAX_BODY = 64 * 1024


def create_app(rasa_url: str, name: str = "loanwhy_web") -> Sanic:
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = 1024 * 1024
    app.ctx.rasa_url = rasa_url.rstrip("/")
    headers = Headers(app.ctx.rasa_url)

    app.static("/widget", str(STATIC / "widget"), name="widget")
    app.static("/vendor", str(STATIC / "vendor"), name="vendor")
    app.static("/assets", str(STATIC / "assets"), name="assets")

    @app.get("/")
    async def index(_: Request) -> HTTPResponse:
        return await response.file(STATIC / "index.html", mime_type="text/html; charset=utf-8")

    @app.get("/favicon.ico")
    async def favicon(_: Request) -> HTTPResponse:
        return await response.file(STATIC / "assets" / "favicon.svg", mime_type="image/svg+xml")

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.get("/api/config")
    async def config(_: Request) -> HTTPResponse:
        """Where the widget finds the assistant; a lender's page may override it in its config."""
        return response.json({"socket": {"url": app.ctx.rasa_url, "path": SOCKET_PATH}})

    @app.route("/api/feedback", methods=["POST", "OPTIONS"])
    async def post_feedback(request: Request) -> HTTPResponse:
        if request.method == "OPTIONS":
            return response.empty(status=204)
        if len(request.body or b"") > MAX_BODY:
            return response.json({"error": "body too large"}, status=413)
        try:
            data: Any = json.loads(request.body or b"")
        except (ValueError, UnicodeDecodeError):
            return response.json({"error": "body must be JSON"}, status=400)
        try:
            vote = feedback.parse(data)
        except feedback.FeedbackError as exc:
            return response.json({"error": str(exc)}, status=400)
        feedback.record(vote)
        return response.json({"ok": True}, status=201)

    app.register_middleware(headers.apply, "response")
    mount_staff(app)
    return app


def mount_staff(app: Sanic) -> bool:
    """Mount the staff console (routes under /staff/) if that package is present."""
    try:
        from staff.app import register  # type: ignore[import-not-found]
    except ModuleNotFoundError as exc:
        if exc.name not in ("staff", "staff.app"):
            logger.warning("staff console not mounted: %s", exc)
        return False
    except ImportError as exc:
        logger.warning("staff console not mounted: %s", exc)
        return False
    register(app)
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m web.server", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to listen on (default: loopback only)",
    )
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--rasa",
        default="http://localhost:5005",
        help="Rasa server URL as the browser sees it",
    )
    args = parser.parse_args(argv)
    app = create_app(args.rasa)
    app.run(host=args.host, port=args.port, access_log=False, motd=False)


if __name__ == "__main__":
    main()
