"""Operational checks used by scripts/run.sh: usable storage, readiness, warm-up."""

from __future__ import annotations

import json
import sqlite3
import time
import urllib.error
import urllib.request
from pathlib import Path

from loanwhy import endpoints, rest_auth, store

WARMUP_SENDER = "__warmup__"  # not recorded in the case log (conversation "rest:__warmup__")


def check_sqlite(path: Path) -> str | None:
    """None if the file can be created, written and read; else the reason."""
    try:
        con = store.connect(path)  # created 0600 before Rasa opens it: its -wal and -shm follow
        try:
            con.execute("create table if not exists _probe (x integer)")
            con.execute("insert into _probe values (1)")
            con.execute("delete from _probe")
            con.commit()
        finally:
            con.close()
    except (OSError, sqlite3.Error) as exc:
        return f"{path}: {exc}"
    return None


def check_stores(var: Path) -> list[str]:
    """Why the runtime folder's databases are not usable (empty: they are): the app database, and
    the tracker store of the endpoints file when it is an SQLite file (LOANWHY_VAR there is `var`)."""
    try:
        tracker = endpoints.tracker_store(env={"LOANWHY_VAR": str(var)})
    except endpoints.EndpointsError as exc:
        return [f"tracker store: {exc}"]
    files = [tracker] if isinstance(tracker, Path) else []  # a database server is not ours to check
    return [p for p in (check_sqlite(f) for f in [*files, var / "app.sqlite"]) if p]


def _get(url: str, timeout: float = 2.0) -> int:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return int(resp.status)


def post_json(url: str, body: dict, timeout: float = 30.0) -> object:  # type: ignore[type-arg]
    """POST JSON; the REST token (LOANWHY_REST_TOKEN) goes along when one is configured."""
    headers = {"Content-Type": "application/json", **rest_auth.client_headers()}
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.loads(resp.read().decode())


def wait_ready(rasa: str, actions: str, timeout: float = 180.0) -> float:
    """Wait for both servers, then warm Rasa up with one message; seconds taken."""
    started = time.time()
    while True:
        try:
            if _get(actions + "/health") == 200 and _get(rasa + "/") == 200:
                break
        except (urllib.error.URLError, OSError):
            pass
        if time.time() - started > timeout:
            raise TimeoutError("servers did not come up")
        time.sleep(0.5)
    while True:
        try:
            replies = post_json(rasa + "/webhooks/rest/webhook", {"sender": WARMUP_SENDER, "message": "你好"})
            if isinstance(replies, list) and replies:
                # a diagnosis loads the spaCy quantity pipeline and the knowledge base in the action server
                post_json(
                    rasa + "/webhooks/rest/webhook", {"sender": WARMUP_SENDER, "message": "信用卡额度5万欠了4万8"}
                )
                return time.time() - started
        except (urllib.error.URLError, OSError, ValueError):
            pass
        if time.time() - started > timeout:
            raise TimeoutError("no answer to the warm-up message")
        time.sleep(0.5)
