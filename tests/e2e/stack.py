"""The whole assistant (actions, Rasa, web page, staff console) started by scripts/run.sh on test ports."""

from __future__ import annotations

import fcntl
import os
import secrets
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PORTS = {"RASA_PORT": "5105", "ACTION_PORT": "5155", "WEB_PORT": "8105", "STAFF_PORT": "8108"}
VAR = "var/e2e"
# a lender's page embedding rasa-webchat (test_webchat.py), served by the tests on ports of their own:
# the first is listed in the stack's LOANWHY_CORS_ORIGINS, the second is not
WEBCHAT_PORT, UNLISTED_PORT = 8106, 8107
WEBCHAT_ORIGIN = f"http://localhost:{WEBCHAT_PORT}"


class StackError(RuntimeError):
    """The assistant did not start; the message carries the script's output."""


@dataclass(frozen=True)
class Stack:
    url: str  # the web page
    rasa_url: str
    app_db: Path  # where feedback is stored
    env: dict[str, str]
    staff_url: str = ""  # the staff console's own server (staff/server.py), when the tests need it

    @classmethod
    def for_tests(cls) -> Stack:
        env = {
            **os.environ,
            **PORTS,
            "LOANWHY_VAR": VAR,
            "LOANWHY_APP_DB": str(ROOT / VAR / "app.sqlite"),
            # the widget page's own origins (run.sh's default) and the rasa-webchat lender page
            "LOANWHY_CORS_ORIGINS": ",".join(
                [f"http://localhost:{PORTS['WEB_PORT']}", f"http://127.0.0.1:{PORTS['WEB_PORT']}", WEBCHAT_ORIGIN]
            ),
            # kept across the Rasa restart in test_reconnect, as a deployment keeps it
            "LOANWHY_SESSION_SECRET": secrets.token_hex(16),
        }
        return cls(
            f"http://localhost:{PORTS['WEB_PORT']}/",
            f"http://localhost:{PORTS['RASA_PORT']}",
            ROOT / VAR / "app.sqlite",
            env,
            f"http://localhost:{PORTS['STAFF_PORT']}/",
        )

    def script(self, name: str, timeout: float = 420) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [f"scripts/{name}"],
            check=False,
            cwd=ROOT,
            env=self.env,
            text=True,
            capture_output=True,
            timeout=timeout,
        )

    def start(self) -> None:
        """Start what is not running yet (run.sh skips running services) and wait for it."""
        done = self.script("run.sh")
        if done.returncode != 0:
            raise StackError(f"scripts/run.sh failed:\n{done.stdout}\n{done.stderr}")
        wait_http(self.url + "health", 30)
        if self.staff_url:
            wait_http(self.staff_url + "health", 30)

    def stop(self) -> None:
        self.script("stop.sh", timeout=60)

    def pid(self, service: str) -> int:
        return int((ROOT / VAR / "run" / f"{service}.pid").read_text().strip())

    def kill(self, service: str, timeout: float = 30) -> None:
        """Stop one service, as a crash or a redeploy would."""
        pid = self.pid(service)
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)
        os.kill(pid, signal.SIGKILL)


@contextmanager
def exclusive(timeout: float = 900) -> Iterator[None]:
    """One test session at a time on these ports: a second one (another developer's
    `make test` in the same tree) waits instead of stopping the first one's stack."""
    lock = ROOT / VAR / "e2e.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("w") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StackError(f"another e2e run held {lock} for {timeout:.0f} s") from None
                time.sleep(1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def wait_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")
        time.sleep(0.3)
