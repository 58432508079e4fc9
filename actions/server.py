"""The action server, started as `python -m actions.server --port N` (scripts/run.sh).

rasa-sdk's own server (3.6.2) runs any well-formed call from anyone who reaches its port, with
any content type (Sanic parses text/plain as JSON), and allows CORS from everywhere. This
entry point builds the same app (`rasa_sdk.endpoint.create_app`) without CORS and adds a request
middleware: every route but `/health` needs LOANWHY_ACTION_TOKEN, which Rasa sends as the query
parameter `token` (endpoints `action_endpoint.token`, rasa/utils/endpoints.py); a POST must be
`application/json`. Without a token configured it does not start (fail closed).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app as sdk_app
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from loanwhy import access

logger = logging.getLogger(__name__)
OPEN_PATHS = ("/health",)


def refusal(request: Request, token: str) -> HTTPResponse | None:
    """401 without the token, 415 for a POST that is not JSON; None lets the call through."""
    if request.path in OPEN_PATHS:
        return None
    if not access.same(request.args.get("token"), token):
        logger.warning("action server: call to %s without the right token refused", request.path)
        return response.json({"error": "unauthorized"}, status=401)
    if request.method == "POST":
        ctype = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            return response.json({"error": "Content-Type must be application/json"}, status=415)
    return None


def create_app(token: str, package: str = "actions") -> Sanic:
    if not token:
        sys.exit(f"{access.ACTION_ENV} is not set: the action server refuses to run without it")
    app = sdk_app(package, cors_origins="")

    @app.on_request
    async def check(request: Request) -> HTTPResponse | None:
        return refusal(request, token)

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="the action server, with the shared token")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--actions", default="actions")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    utils.update_sanic_log_level()
    app = create_app(access.action_token(), args.actions)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    host = os.environ.get("SANIC_HOST", "127.0.0.1")
    logger.info("action server on http://%s:%s", host, args.port)
    app.run(host, args.port, workers=utils.number_of_sanic_workers())


if __name__ == "__main__":
    main()
