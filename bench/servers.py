"""Start, time and stop the two assistants: ours (scripts/run.sh) and stock `rasa init`.

Cold start is the time from launching the processes to the first non-empty
answer on the REST webhook, polled by the benchmark itself.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.memory import peak_rss_mb
from loanwhy import rest_auth

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
START_TIMEOUT_S = 300.0


class BenchError(RuntimeError):
    """The benchmark itself could not run (a server did not start, a project could not be made)."""


@dataclass
class Server:
    name: str
    base: str  # http://127.0.0.1:PORT
    pids: dict[str, int] = field(default_factory=dict)  # "rasa" / "actions" → pid
    cold_start_s: float | None = None
    stop: Callable[[], None] = lambda: None

    @property
    def webhook(self) -> str:
        return self.base + "/webhooks/rest/webhook"

    def peak_rss(self) -> dict[str, float | None]:
        return {role: peak_rss_mb(pid) for role, pid in self.pids.items()}


def ask(webhook: str, text: str, sender: str = "bench-probe", timeout: float = 30.0) -> list[object] | None:
    """The replies to one message, or None if the server cannot answer yet."""
    body = json.dumps({"sender": sender, "message": text}).encode()
    headers = {"Content-Type": "application/json", **rest_auth.client_headers()}  # REST token if configured
    req = urllib.request.Request(webhook, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            replies = json.loads(resp.read().decode())
    except (urllib.error.URLError, OSError, ValueError):
        return None
    return replies if isinstance(replies, list) else None


def wait_first_answer(
    webhook: str, text: str, started: float, alive: Callable[[], bool], timeout: float = START_TIMEOUT_S
) -> float:
    """Seconds from `started` (a perf_counter time) to the first non-empty answer."""
    while time.perf_counter() - started < timeout:
        if ask(webhook, text, sender="bench-cold-start"):
            return time.perf_counter() - started
        if not alive():
            raise BenchError(f"the server behind {webhook} exited before answering")
        time.sleep(0.2)
    raise BenchError(f"no answer from {webhook} within {timeout:.0f} s")


def ensure_free(*ports: int) -> None:
    """Refuse to start on a port someone else listens on: we would time their server, not ours."""
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                raise BenchError(f"port {port} is already in use; choose others (python -m bench --help)")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _env(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        **extra,
    }
    env.pop("LOANWHY_KB", None)
    return env


def start_ours(var: str, rasa_port: int, action_port: int, web_port: int, staff_port: int) -> Server:
    """scripts/run.sh on its own ports and a fresh runtime folder (wiped: empty tracker and app db)."""
    var_path = ROOT / var
    env = _env(
        RASA_PORT=str(rasa_port),
        ACTION_PORT=str(action_port),
        WEB_PORT=str(web_port),
        STAFF_PORT=str(staff_port),
        LOANWHY_VAR=var,
        LOANWHY_APP_DB=str(var_path / "app.sqlite"),
        PYTHONPATH=str(ROOT),
        LOANWHY_HOME=str(ROOT),
    )
    subprocess.run([str(ROOT / "scripts" / "stop.sh")], env=env, cwd=ROOT, capture_output=True)
    ensure_free(rasa_port, action_port, web_port, staff_port)
    shutil.rmtree(var_path, ignore_errors=True)
    var_path.mkdir(parents=True)
    log = (var_path / "bench-run.log").open("w")
    started = time.perf_counter()
    proc = subprocess.Popen([str(ROOT / "scripts" / "run.sh")], env=env, cwd=ROOT, stdout=log, stderr=log)

    def stop() -> None:
        subprocess.run([str(ROOT / "scripts" / "stop.sh")], env=env, cwd=ROOT, capture_output=True)

    server = Server("ours", f"http://127.0.0.1:{rasa_port}", stop=stop)
    try:
        server.cold_start_s = wait_first_answer(server.webhook, "你好", started, lambda: proc.poll() in (None, 0))
        if proc.wait(timeout=START_TIMEOUT_S) != 0:
            raise BenchError(f"scripts/run.sh failed; see {var_path / 'bench-run.log'}")
    except BaseException:
        stop()
        raise
    server.pids = read_pids(var_path)
    if not all(role in server.pids and _alive(server.pids[role]) for role in ("rasa", "actions")):
        stop()
        raise BenchError(f"the servers exited after starting; see {var_path / 'log'}")
    return server


def read_pids(var_path: Path) -> dict[str, int]:
    """Pids that scripts/run.sh wrote for the Rasa and action servers."""
    pids = {}
    for role in ("rasa", "actions"):
        f = var_path / "run" / f"{role}.pid"
        if f.exists() and f.read_text().strip().isdigit():
            pids[role] = int(f.read_text().strip())
    return pids


def ensure_stock_project(stock_dir: Path) -> float | None:
    """`rasa init --no-prompt` (which also trains) once; seconds it took, None when cached."""
    models = stock_dir / "models"
    if (stock_dir / "domain.yml").exists() and any(models.glob("*.tar.gz")):
        return None
    started = time.perf_counter()
    if not (stock_dir / "domain.yml").exists():
        shutil.rmtree(stock_dir, ignore_errors=True)
        stock_dir.mkdir(parents=True)
        cmd = [str(VENV_BIN / "rasa"), "init", "--no-prompt", "--init-dir", "."]
    else:
        cmd = [str(VENV_BIN / "rasa"), "train"]
    with (stock_dir / "bench-init.log").open("a") as log:
        done = subprocess.run(cmd, cwd=stock_dir, env=_env(), stdout=log, stderr=log)
    if done.returncode != 0 or not any(models.glob("*.tar.gz")):
        raise BenchError(f"could not make the stock assistant; see {stock_dir / 'bench-init.log'}")
    return time.perf_counter() - started


def start_stock(stock_dir: Path, rasa_port: int, action_port: int) -> Server:
    """The stock bot's action server and `rasa run` with the rest channel, on loopback."""
    ensure_free(rasa_port, action_port)
    endpoints = stock_dir / "bench-endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n')
    model = max(stock_dir.glob("models/*.tar.gz"), key=lambda p: p.stat().st_mtime)
    env = _env(SANIC_HOST="127.0.0.1")
    logs = {n: (stock_dir / f"bench-{n}.log").open("w") for n in ("actions", "rasa")}
    started = time.perf_counter()
    procs = {
        "actions": subprocess.Popen(
            [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(action_port)],
            cwd=stock_dir,
            env=env,
            stdout=logs["actions"],
            stderr=subprocess.STDOUT,
        ),
        "rasa": subprocess.Popen(
            [
                str(VENV_BIN / "rasa"),
                "run",
                "--model",
                str(model),
                "--endpoints",
                endpoints.name,
                "--credentials",
                "credentials.yml",
                "--port",
                str(rasa_port),
                "--interface",
                "127.0.0.1",
                "--cors",
                "*",
            ],
            cwd=stock_dir,
            env=env,
            stdout=logs["rasa"],
            stderr=subprocess.STDOUT,
        ),
    }

    def stop() -> None:
        for proc in procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    server = Server("stock", f"http://127.0.0.1:{rasa_port}", {n: p.pid for n, p in procs.items()}, stop=stop)
    try:
        server.cold_start_s = wait_first_answer(
            server.webhook, "hi", started, lambda: all(p.poll() is None for p in procs.values())
        )
    except BaseException:
        stop()
        raise
    return server


def attach(url: str, var: str | None) -> Server:
    """A server someone else started (`--url`); pids from its runtime folder when known."""
    server = Server("ours", url.rstrip("/").removesuffix("/webhooks/rest/webhook"))
    if not ask(server.webhook, "你好"):
        raise BenchError(f"no answer from {server.webhook}")
    if var:
        server.pids = read_pids(ROOT / var)
    return server
