"""Two Rasa processes behind nginx, PostgreSQL tracker store, Redis lock store (ops/cluster/).

Runs only with LOANWHY_CLUSTER=1 (`make test-cluster`): it starts PostgreSQL, Redis, nginx
and two Rasa processes, which takes minutes and about 3 GB of memory.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.stack import signal_ids

pytestmark = pytest.mark.skipif(os.environ.get("LOANWHY_CLUSTER") != "1", reason="set LOANWHY_CLUSTER=1")

ROOT = Path(__file__).resolve().parent.parent.parent
NGINX, RASA, PG = 5900, (5901, 5902), 5932
CLUSTER_DIR = Path(f"/tmp/loanwhy-cluster-{NGINX}")
RESULTS = ROOT / "var" / "cluster-results.json"
TURNS = ["我给朋友做了担保", "另外我这两个月查了十几次征信", "我的信用卡额度5万欠了4万8", "直接告诉我结果"]


def post(url: str, sender: str, text: str, timeout: float = 60) -> tuple[int, Any, str]:
    """(status, body, upstream) for one REST message; status 0 when the connection failed."""
    req = urllib.request.Request(url, data=json.dumps({"sender": sender, "message": text}).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read().decode()), resp.headers.get("X-Upstream", "")
    except urllib.error.HTTPError as err:
        return err.code, None, err.headers.get("X-Upstream", "")
    except (urllib.error.URLError, OSError, ValueError):
        return 0, None, ""


def psql(sql: str) -> list[list[str]]:
    pg_bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    out = subprocess.run([str(pg_bin / "psql"), "-h", "127.0.0.1", "-p", str(PG), "-U", "postgres", "-d", "rasa",
                          "-At", "-F", "\t", "-c", sql], capture_output=True, text=True, check=True).stdout
    return [line.split("\t") for line in out.splitlines()]


def save(name: str, value: object) -> None:
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data[name] = value
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(data, indent=1))


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    started = time.monotonic()
    env = {**os.environ, "CLUSTER_NGINX_PORT": str(NGINX), "CLUSTER_RASA_PORTS": " ".join(map(str, RASA)),
           "CLUSTER_PG_PORT": str(PG)}
    subprocess.run([str(ROOT / "ops" / "cluster" / "up.sh")], env=env, cwd=ROOT, check=True, timeout=600)
    save("startup_s", round(time.monotonic() - started, 1))
    try:
        yield f"http://127.0.0.1:{NGINX}/webhooks/rest/webhook"
    finally:
        subprocess.run([str(ROOT / "ops" / "cluster" / "down.sh")], env=env, cwd=ROOT, timeout=120)
        save("total_s", round(time.monotonic() - started, 1))


def test_turns_alternating_between_processes_keep_their_state(cluster: str) -> None:
    # guards: the shared PostgreSQL tracker store (with a per-process store turn 3 knows nothing of turn 1)
    sender = f"alt-{uuid.uuid4().hex[:8]}"
    upstreams, last = [], None
    for i, text in enumerate(TURNS[:3]):
        status, body, upstream = post(f"http://127.0.0.1:{RASA[i % 2]}/webhooks/rest/webhook", sender, text)
        assert status == 200 and body, (status, body)
        upstreams.append(upstream)
        last = body
    assert {"external_guarantee", "frequent_inquiries", "card_overdraft"} <= set(signal_ids(last) or [])


def test_nginx_spreads_one_conversation_over_both_processes(cluster: str) -> None:
    # guards: the round-robin REST upstream in ops/cluster/nginx.conf and the shared state behind it
    sender = f"lb-{uuid.uuid4().hex[:8]}"
    seen, body = set(), None
    for text in TURNS:
        status, body, upstream = post(cluster, sender, text)
        assert status == 200 and body
        seen.add(upstream)
    assert len(seen) == 2, seen
    assert {"external_guarantee", "frequent_inquiries", "card_overdraft"} <= set(signal_ids(body) or [])


def test_retention_deletes_from_postgresql(cluster: str, tmp_path: Path) -> None:
    # guards: loanwhy.retention on an SQLAlchemy URL (the cluster's tracker store is not a file)
    from loanwhy import retention

    sender = f"forget-{uuid.uuid4().hex[:8]}"
    assert post(cluster, sender, TURNS[0])[0] == 200
    stores = retention.Stores(tracker=f"postgresql://postgres@127.0.0.1:{PG}/rasa", app=tmp_path / "a.sqlite",
                              wechat=tmp_path / "w.sqlite")
    assert retention.forget_user(sender, stores).deleted["tracker.events"] > 0
    assert psql(f"select count(*) from events where sender_id = '{sender}'") == [["0"]]


def test_socketio_is_sticky(cluster: str) -> None:
    # guards: ip_hash on the socket.io upstream (a polling socket.io session lives in one process)
    seen = set()
    for _ in range(6):
        req = urllib.request.Request(f"http://127.0.0.1:{NGINX}/socket.io/?EIO=4&transport=polling")
        with urllib.request.urlopen(req, timeout=10) as resp:
            seen.add(resp.headers.get("X-Upstream"))
    assert len(seen) == 1, seen


@dataclass
class Load:
    url: str
    acked: list[tuple[str, str]] = field(default_factory=list)  # (sender, text) answered 200 with replies
    failed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def conversation(self, sender: str, turns: list[str], retries: int = 5) -> None:
        for text in turns:
            for _ in range(retries):
                status, body, _ = post(self.url, sender, text)
                if status == 200 and body:
                    with self.lock:
                        self.acked.append((sender, text))
                    break
                with self.lock:
                    self.failed += 1
                time.sleep(0.5)  # a client retries a message that was not acknowledged


def throughput(url: str, conversations: int, tag: str) -> float:
    load = Load(url)
    started = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda i: load.conversation(f"{tag}-{i}-{uuid.uuid4().hex[:6]}", TURNS), range(conversations)))
    elapsed = time.monotonic() - started
    assert load.failed == 0 and len(load.acked) == conversations * len(TURNS)
    return len(load.acked) / elapsed


def test_throughput_one_process_against_two(cluster: str) -> None:
    # a measurement for the README; asserts only that both setups answer everything
    one = throughput(f"http://127.0.0.1:{RASA[0]}/webhooks/rest/webhook", 24, "one")
    two = throughput(cluster, 24, "two")
    save("throughput_msgs_per_s", {"one_process": round(one, 1), "two_processes": round(two, 1),
                                   "cores": os.cpu_count(), "in_flight": 16})


def test_killing_one_process_under_load_loses_no_acknowledged_message(cluster: str) -> None:
    # guards: Rasa saving the tracker before it answers, the shared store, and nginx skipping a dead
    # upstream; a message that got a 200 must be in PostgreSQL
    load = Load(cluster)
    tag = f"kill-{uuid.uuid4().hex[:6]}"
    pid = int((CLUSTER_DIR / "run" / f"rasa-{RASA[1]}.pid").read_text())

    def killer() -> None:
        time.sleep(4)
        os.kill(pid, signal.SIGKILL)

    threading.Thread(target=killer).start()
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda i: load.conversation(f"{tag}-{i}", TURNS * 2), range(32)))
    stored = {(s, t) for s, t in psql(
        f"select sender_id, data::json->>'text' from events where type_name = 'user' and sender_id like '{tag}-%'")}
    lost = [m for m in load.acked if m not in stored]
    save("kill_under_load", {"acknowledged": len(load.acked), "lost": len(lost), "failed_attempts": load.failed,
                             "conversations": 32})
    assert not lost
    assert len(load.acked) == 32 * len(TURNS) * 2  # every message got through, on retry at worst
