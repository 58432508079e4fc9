"""Chat from a terminal with the assistant `make run` started (`make shell`).

Uses Rasa's own console client (what `rasa shell` uses), against the running server's REST
channel with `?stream=true`, so the conversation goes through the same channel, guard and action
server as any other. The REST token, when one is set, is sent as Rasa's client sends it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import uuid

from rasa.core.channels.console import record_messages

from loanwhy import rest_auth


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url",
        default=f"http://127.0.0.1:{os.environ.get('RASA_PORT', '5005')}",
        help="the Rasa server (default: make run's)",
    )
    parser.add_argument("--sender", default=f"shell-{uuid.uuid4().hex[:8]}", help="conversation id (REST namespace)")
    args = parser.parse_args()
    return asyncio.run(
        record_messages(sender_id=args.sender, server_url=args.url.rstrip("/"), auth_token=rest_auth.token())
    )


if __name__ == "__main__":
    raise SystemExit(0 if main() >= 0 else 1)
