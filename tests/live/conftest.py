"""A running assistant (action server + Rasa) on test ports with its own runtime folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from loanwhy.diagnose import find_diagnosis
from loanwhy.ops import post_json

ROOT = Path(__file__).resolve().parent.parent.parent
MODEL = ROOT / "models" / "loanwhy.tar.gz"


@dataclass
class Live:
    rasa: str
    env: dict[str, str]
    var: Path

    @property
    def webhook(self) -> str:
        return self.rasa + "/webhooks/rest/webhook"

    def say(self, sender: str, text: str) -> list[dict[str, Any]]:
        replies = post_json(self.webhook, {"sender": sender, "message": text}, timeout=60)
        assert isinstance(replies, list)
        return replies

    def restart(self, *names: str) -> None:
        """Stop and start again (the conversation must survive)."""
        subprocess.run([str(ROOT / "scripts" / "stop.sh"), *names], env=self.env, check=True, cwd=ROOT)
        subprocess.run(
            [str(ROOT / "scripts" / "run.sh")], env=self.env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL
        )


@pytest.fixture(scope="session")
def live() -> Iterator[Live]:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` (make test does it)")
    var = ROOT / "var" / "test-live"
    env = {
        **os.environ,
        "RASA_PORT": "5205",
        "ACTION_PORT": "5255",
        "WEB_PORT": "8205",
        "STAFF_PORT": "8208",
        "LOANWHY_VAR": str(var),
        "LOANWHY_APP_DB": str(var / "app.sqlite"),
    }
    env.pop("LOANWHY_KB", None)
    subprocess.run([str(ROOT / "scripts" / "stop.sh")], env=env, cwd=ROOT)  # a stack left by an aborted run
    shutil.rmtree(var, ignore_errors=True)
    subprocess.run([str(ROOT / "scripts" / "run.sh")], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        yield Live("http://127.0.0.1:5205", env, var)
    finally:
        subprocess.run([str(ROOT / "scripts" / "stop.sh")], env=env, cwd=ROOT)


@pytest.fixture()
def sender() -> str:
    return f"t-{uuid.uuid4().hex[:12]}"


def signal_ids(replies: list[dict[str, Any]]) -> list[str] | None:
    found = find_diagnosis([r.get("custom") for r in replies])
    return None if found is None else [s["id"] for s in found["signals"]]
