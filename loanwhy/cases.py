"""The case log: every diagnosis the bot made (personal numbers masked), for staff."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from loanwhy import conversations
from loanwhy.privacy import mask
from loanwhy.store import shared_db


def record(
    sender_id: str, channel: str, signals: list[str], payload: dict[str, Any], said: str, path: Path | None = None
) -> int:
    if conversations.local_part(sender_id).startswith("__"):  # the warm-up ("rest:__warmup__") is not a case
        return 0
    db = shared_db(path)  # one kept connection: the action server records a case on every diagnosis
    row = {
        "created_at": time.time(),
        "sender_id": sender_id,
        "channel": channel,
        "signals": ",".join(signals),
        "payload": json.dumps(payload, ensure_ascii=False),
        "said": mask(said)[:2000],
    }
    return int(db.table("cases").insert(row).last_pk or 0)
