"""Where runtime files live: one git-ignored folder, `var/` unless LOANWHY_VAR says otherwise."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def var_dir() -> Path:
    path = Path(os.environ.get("LOANWHY_VAR", "var"))
    return path if path.is_absolute() else ROOT / path


def app_db() -> Path:
    """Handoffs, case log, feedback, staff accounts."""
    return Path(os.environ.get("LOANWHY_APP_DB", var_dir() / "app.sqlite"))


def wechat_db() -> Path:
    """WeChat message ids and pending replies: WECHAT_DB, else wechat.sqlite beside the others."""
    env = os.environ.get("WECHAT_DB")
    return Path(env) if env else var_dir() / "wechat.sqlite"


def tracker_db() -> Path:
    return var_dir() / "tracker.db"
