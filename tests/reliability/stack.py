"""A stack of our own (ports 5505/5555/8505, staff 8515, var/test-rel) that the fault tests may kill and break.

Started and stopped through scripts/run.sh and scripts/stop.sh like `make run`.
Until credentials.yml registers `channels.health.HealthInput`, the stack runs
from a shadow tree under var/ (symlinks to this checkout, its own
credentials.yml with the health channel added) so the health endpoint can be
tested; once the channel is registered the real tree is used.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loanwhy import rest_auth
from tests.live.conftest import signal_ids as live_signal_ids

ROOT = Path(__file__).resolve().parent.parent.parent
HEALTH_CHANNEL = "channels.health.HealthInput"
BASE = int(os.environ.get("LOANWHY_REL_PORT", "5505"))  # another value runs a second copy beside this one
PORTS = {
    "RASA_PORT": str(BASE),
    "ACTION_PORT": str(BASE + 50),
    "WEB_PORT": str(BASE + 3000),
    "STAFF_PORT": str(BASE + 3010),
}
ALLOWED_ORIGIN = "http://chat.example"  # the stack's LOANWHY_CORS_ORIGINS
VAR_NAME = "test-rel" if BASE == 5505 else f"test-rel-{BASE}"
SHADOW_ENTRIES = [
    ".venv",
    ".python-version",
    "actions",
    "channels",
    "loanwhy",
    "models",
    "nlu",
    "policies",
    "scripts",
    "staff",
    "trackers",
    "endpoints.yml",
    "domain.yml",
    "config.yml",
    "knowledge",
]


def shadow_tree(var: Path) -> Path:
    """The checkout as run.sh sees it; a shadow with the health channel if credentials.yml lacks it."""
    credentials = (ROOT / "credentials.yml").read_text(encoding="utf-8")
    if HEALTH_CHANNEL in credentials:
        return ROOT
    tree = var.parent / f"{var.name}-tree"
    tree.mkdir(parents=True, exist_ok=True)  # kept: running processes have it as their working folder
    for name in SHADOW_ENTRIES:
        link = tree / name
        if link.is_symlink() and link.readlink() == ROOT / name:
            continue
        if link.is_dir() and not link.is_symlink():
            shutil.rmtree(link)
        elif link.exists() or link.is_symlink():
            link.unlink()
        if (ROOT / name).exists():
            link.symlink_to(ROOT / name)  # always this checkout: never a stale copy
    (tree / "credentials.yml").write_text(credentials.rstrip() + f"\n\n{HEALTH_CHANNEL}:\n", encoding="utf-8")
    return tree


class PortLock:
    """Serialises test sessions that would use the same ports (several developers share a machine)."""

    def __init__(self, name: str) -> None:
        self.path = ROOT / "var" / f"{name}.lock"

    def __enter__(self) -> PortLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX)  # waits for the other session to finish
        return self

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def http(
    method: str, url: str, body: object = None, timeout: float = 60.0, extra: dict[str, str] | None = None
) -> tuple[int, Any]:
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    headers = {
        "Content-Type": "application/json",
        **rest_auth.client_headers(),
        **(extra or {}),
    }  # REST token if configured
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read().decode()
            status = int(resp.status)
    except urllib.error.HTTPError as err:
        raw, status = err.read().decode(), err.code
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw


@dataclass
class Stack:
    var: Path
    tree: Path = ROOT
    env: dict[str, str] = field(default_factory=dict)

    @property
    def rasa(self) -> str:
        return f"http://127.0.0.1:{self.env['RASA_PORT']}"

    @property
    def actions(self) -> str:
        return f"http://127.0.0.1:{self.env['ACTION_PORT']}"

    @classmethod
    def create(cls, var: Path, ports: dict[str, str] | None = None, fresh: bool = True) -> Stack:
        """A stack on `ports` with runtime folder `var` (emptied first unless fresh=False)."""
        env = {
            **os.environ,
            **(ports or PORTS),
            "LOANWHY_VAR": str(var),
            "LOANWHY_APP_DB": str(var / "app.sqlite"),
            "LOANWHY_CORS_ORIGINS": ALLOWED_ORIGIN,
            "RASA_TELEMETRY_ENABLED": "false",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "TF_CPP_MIN_LOG_LEVEL": "2",
        }
        env.pop("LOANWHY_KB", None)
        stack = cls(var=var, tree=shadow_tree(var) if var.parent.is_dir() else ROOT, env=env)
        if fresh:
            stack.stop()  # a stack left running by an interrupted session
            shutil.rmtree(var, ignore_errors=True)
        return stack

    def env_ports(self) -> dict[str, str]:
        return {k: self.env[k] for k in PORTS}

    def with_var(self, var: Path) -> Stack:
        """The same tree and ports with another runtime folder (not created)."""
        return Stack(
            var=var,
            tree=self.tree,
            env={**self.env, "LOANWHY_VAR": str(var), "LOANWHY_APP_DB": str(var / "app.sqlite")},
        )

    def run(self, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.tree / "scripts" / "run.sh")],
            env=self.env,
            cwd=self.tree,
            check=check,
            capture_output=True,
            text=True,
            timeout=400,
        )

    def stop(self, *names: str) -> None:
        subprocess.run(
            [str(self.tree / "scripts" / "stop.sh"), *names],
            env=self.env,
            cwd=self.tree,
            capture_output=True,
            timeout=60,
        )

    def pid(self, name: str) -> int | None:
        path = self.var / "run" / f"{name}.pid"
        return int(path.read_text()) if path.exists() else None

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Kill a process as a crash would (no clean shutdown), and wait until it is gone."""
        pid = self.pid(name)
        assert pid is not None, f"{name} is not running"
        os.kill(pid, sig)
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def say(self, sender: str, text: object, timeout: float = 60.0) -> tuple[int, Any, float]:
        """(status, replies, seconds) for one message over REST."""
        started = time.monotonic()
        status, replies = http(
            "POST", self.rasa + "/webhooks/rest/webhook", {"sender": sender, "message": text}, timeout
        )
        return status, replies, time.monotonic() - started

    def health(self) -> tuple[int, Any]:
        """The operator's view (store classes, reasons): with the token run.sh made (var/operator.token)."""
        token = self.env.get("LOANWHY_OPERATOR_TOKEN") or (self.var / "operator.token").read_text().strip()
        return http("GET", self.rasa + "/webhooks/health/status", timeout=10, extra={"X-Operator-Token": token})

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted((self.var / "log").glob("*.log")))


def record(name: str, value: object) -> None:
    """Keep a measurement for the report (var/test-rel-measurements.json)."""
    path = ROOT / "var" / f"{VAR_NAME}-measurements.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[name] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1))


def texts(replies: object) -> str:
    return "\n".join(r.get("text") or "" for r in replies if isinstance(r, dict)) if isinstance(replies, list) else ""


def signal_ids(replies: object) -> list[str] | None:
    return live_signal_ids(replies) if isinstance(replies, list) else None
