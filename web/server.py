"""The lender's demo page, the chat widget's assets and its small HTTP API.

    python -m web.server --port 8000 --rasa http://localhost:5005

The widget talks to Rasa's socket.io channel directly (the `--rasa` origin, allowed
by the page's CSP); this server only serves files, the widget's config and feedback.
It is the public server: nothing of the staff console (staff/server.py, its own port)
or of the diagnosis is loaded here.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from sanic import Sanic, response
from sanic.exceptions import NotFound
from sanic.request import Request
from sanic.response import HTTPResponse

from loanwhy import paths, session
from web import assets, feedback
from web.security import Headers

STATIC = Path(__file__).resolve().parent / "static"
SOCKET_PATH = "/socket.io/"
MAX_BODY = 64 * 1024
PUBLIC_FOLDERS = ("widget", "vendor", "assets")


def serve(request: Request, asset: assets.Asset | None) -> HTTPResponse:
    """One prepared file: gzip when the browser takes it, immutable when asked by its current `?v=`."""
    if asset is None:
        raise NotFound("not found")
    h = request.headers
    out = assets.answer(
        asset,
        asked_version=request.args.get("v"),
        accept_encoding=str(h.get("accept-encoding") or ""),
        if_none_match=h.get("if-none-match"),
        if_modified_since=h.get("if-modified-since"),
    )
    return response.raw(out.body, status=out.status, headers=out.headers, content_type=out.mime)


def _json_body(request: Request) -> Any:
    """The decoded body, or ValueError."""
    if len(request.body or b"") > MAX_BODY:
        raise ValueError("body too large")
    try:
        return json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("body must be JSON") from exc


def create_app(rasa_url: str, name: str = "loanwhy_web") -> Sanic:
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = 1024 * 1024
    app.ctx.rasa_url = rasa_url.rstrip("/")
    headers = Headers(app.ctx.rasa_url)
    catalog = assets.Catalog(STATIC, PUBLIC_FOLDERS)
    catalog.refresh()  # at start: a broken file (an import cycle) stops the server here
    app.ctx.assets = catalog

    @app.get("/<folder:widget|vendor|assets>/<name:path>")
    async def static_file(request: Request, folder: str, name: str) -> HTTPResponse:
        """The widget's files; anything else (a folder, `..`) is a plain 404."""
        return serve(request, catalog.get(f"/{folder}/{name}"))

    @app.get("/")
    async def index(request: Request) -> HTTPResponse:
        return serve(request, catalog.get("/index.html"))

    @app.get("/favicon.ico")
    async def favicon(request: Request) -> HTTPResponse:
        return serve(request, catalog.get("/assets/favicon.svg"))

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
            data: Any = _json_body(request)
        except ValueError as exc:
            return response.json({"error": str(exc)}, status=400)
        try:
            vote = feedback.parse(data)
        except feedback.FeedbackError as exc:
            return response.json({"error": str(exc)}, status=400)
        answers = feedback.answers(vote.conversation_id)
        if not answers:
            return response.json({"error": "no answer of the assistant in this conversation"}, status=404)
        try:
            feedback.record(vote, limit=answers)
        except feedback.TooManyVotes:
            return response.json({"error": "one vote per answer of the assistant"}, status=409)
        return response.json({"ok": True}, status=201)

    @app.route("/api/session/revoke", methods=["POST", "OPTIONS"])
    async def revoke_session(request: Request) -> HTTPResponse:
        """“新对话” in the widget: the old signed id no longer opens its conversation anywhere."""
        if request.method == "OPTIONS":
            return response.empty(status=204)
        try:
            data: Any = _json_body(request)
        except ValueError as exc:
            return response.json({"error": str(exc)}, status=400)
        value = data.get("session_id") if isinstance(data, dict) else None
        if not isinstance(value, str) or not session.revoke(value):
            return response.json({"error": "session_id is not a conversation of this assistant"}, status=400)
        return response.empty(status=204)

    app.register_middleware(headers.apply, "response")
    return app


def main(argv: list[str] | None = None) -> None:
    paths.private_umask()  # the app database (feedback) and logs: 0600
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
