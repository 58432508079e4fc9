"""Two Rasa processes behind nginx, PostgreSQL tracker store, Redis lock store (ops/cluster/).

The cluster tests run only with LOANWHY_CLUSTER=1 (`make test-cluster`): they start PostgreSQL,
Redis, nginx and two Rasa processes, which takes minutes and about 3 GB of memory.
LOANWHY_CLUSTER_PORT (default 5900) moves every port, to run a second cluster beside this one;
sessions on the same ports (other checkouts too) wait for each other.
"""

from __future__ import annotations

import fcntl
import json
import os
import random
import secrets
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from channels import guard
from tests.reliability.stack import signal_ids

ROOT = Path(__file__).resolve().parent.parent.parent
BASE = int(os.environ.get("LOANWHY_CLUSTER_PORT", "5900"))
NGINX, RASA, PG, ACTIONS, REDIS = BASE, (BASE + 1, BASE + 2), BASE + 32, BASE + 55, BASE + 79
CLUSTER_DIR = Path(f"/tmp/loanwhy-cluster-{NGINX}")  # as ops/cluster/up.sh
RESULTS = ROOT / "var" / "cluster-results.json"
TURNS = ["我给朋友做了担保", "另外我这两个月查了十几次征信", "我的信用卡额度5万欠了4万8", "直接告诉我结果"]
OFF_TOPIC = ["火星上有没有兔子", "我想买一只猫"]  # nlu_fallback with the model of 2026-12-01; any intent will do below
PG_URL = f"postgresql://postgres@127.0.0.1:{PG}/rasa"
IN_FLIGHT = 16

# How long a client keeps resending one message. A conversation that was mid-turn on a killed
# process stays locked in Redis until that turn's ticket expires (Rasa's TICKET_LOCK_LIFETIME,
# 60 s); meanwhile each attempt ends with the channel's 503 after its 10 s reply timeout. 120 s
# covers that with room for a shared 2-core machine.
MESSAGE_DEADLINE_S = 120.0
ATTEMPT_TIMEOUT_S = 30.0  # one HTTP attempt (the channel answers within 10 s, nginx within 60 s)
FIRST_BACKOFF_S, MAX_BACKOFF_S = 0.5, 8.0
KILL_FREEZE_S = 1.0
# nginx adds X-Forwarded-For, so REST through it needs LOANWHY_REST_TOKEN (loanwhy/rest_auth.py): one per run,
# given to the Rasa processes by the fixture and sent by every client here
REST_TOKEN = os.environ.get("LOANWHY_REST_TOKEN") or secrets.token_hex(16)


def post(
    url: str,
    sender: str,
    text: str,
    timeout: float = 60,
    metadata: dict[str, str] | None = None,
) -> tuple[int, Any, str]:
    """(status, body, upstream) for one REST message; status 0 when the connection failed."""
    payload: dict[str, Any] = {"sender": sender, "message": text}
    if metadata:
        payload["metadata"] = metadata
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {REST_TOKEN}"}
    req = urllib.request.Request(url, data=json.dumps(payload).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read().decode()), resp.headers.get("X-Upstream", "")
    except urllib.error.HTTPError as err:
        return err.code, None, err.headers.get("X-Upstream", "")
    except (urllib.error.URLError, OSError, ValueError):
        return 0, None, ""


def psql(sql: str) -> list[list[str]]:
    pg_bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    out = subprocess.run(
        [
            str(pg_bin / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(PG),
            "-U",
            "postgres",
            "-d",
            "rasa",
            "-At",
            "-F",
            "\t",
            "-c",
            sql,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line.split("\t") for line in out.splitlines()]


def save(name: str, value: object) -> None:
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data[name] = value
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(data, indent=1))


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    if os.environ.get("LOANWHY_CLUSTER") != "1":
        pytest.skip("set LOANWHY_CLUSTER=1")
    env = {
        **os.environ,
        "CLUSTER_NGINX_PORT": str(NGINX),
        "CLUSTER_RASA_PORTS": " ".join(map(str, RASA)),
        "CLUSTER_PG_PORT": str(PG),
        "CLUSTER_ACTION_PORT": str(ACTIONS),
        "CLUSTER_REDIS_PORT": str(REDIS),
        "LOANWHY_REST_TOKEN": REST_TOKEN,
    }
    # machine-wide, not per checkout: up.sh would stop another session's cluster on the same ports
    lock = os.open(f"/tmp/loanwhy-cluster-{NGINX}.lock", os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        started = time.monotonic()
        try:
            subprocess.run([str(ROOT / "ops" / "cluster" / "up.sh")], env=env, cwd=ROOT, check=True, timeout=600)
            save("startup_s", round(time.monotonic() - started, 1))
            yield f"http://127.0.0.1:{NGINX}/webhooks/rest/webhook"
        finally:
            subprocess.run([str(ROOT / "ops" / "cluster" / "down.sh")], env=env, cwd=ROOT, timeout=120)
            save("total_s", round(time.monotonic() - started, 1))
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        os.close(lock)


@dataclass
class Client:
    """Sends messages as a real client does: a message that was not acknowledged (200 with
    replies) is resent with exponential backoff until it is, or until its deadline passes.
    Every message carries a client id (metadata msg_id; Rasa stores it with the user event),
    the same in every attempt, so the store can be checked message by message."""

    url: str
    deadline_s: float = MESSAGE_DEADLINE_S
    acked: dict[str, str] = field(default_factory=dict)  # msg_id -> sender
    gave_up: list[str] = field(default_factory=list)  # msg_ids never acknowledged
    attempts: int = 0
    retries: int = 0  # attempts that failed and were resent
    failures: Counter[int] = field(default_factory=Counter)  # status of failed attempts (0: no connection)
    longest_s: float = 0.0  # first attempt to acknowledgement, the slowest message
    in_flight: int = 0
    upstreams: Counter[str] = field(default_factory=Counter)  # which process acknowledged (nginx's X-Upstream)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, sender: str, text: str) -> list[Any] | None:
        """The replies, once acknowledged; None when the deadline passed first."""
        msg_id = uuid.uuid4().hex
        first = time.monotonic()
        end, backoff = first + self.deadline_s, FIRST_BACKOFF_S
        while True:
            with self.lock:
                self.attempts += 1
                self.in_flight += 1
            timeout = max(1.0, min(ATTEMPT_TIMEOUT_S, end - time.monotonic()))
            status, body, upstream = post(self.url, sender, text, timeout=timeout, metadata={"msg_id": msg_id})
            now = time.monotonic()
            with self.lock:
                self.in_flight -= 1
                if status == 200 and body:
                    self.acked[msg_id] = sender
                    self.upstreams[upstream] += 1
                    self.longest_s = max(self.longest_s, now - first)
                    return body
                self.failures[status] += 1
                if now + backoff >= end:
                    self.gave_up.append(msg_id)
                    return None
                self.retries += 1
            time.sleep(backoff * random.uniform(0.5, 1.0))  # jitter: resent messages do not arrive in step
            backoff = min(2 * backoff, MAX_BACKOFF_S)

    def conversation(self, sender: str, turns: list[str]) -> None:
        for text in turns:
            if self.send(sender, text) is None:
                return  # the next turn makes no sense without this one

    def run(self, tag: str, conversations: int, turns: list[str]) -> float:
        """Seconds to play `conversations` conversations, IN_FLIGHT at a time."""
        started = time.monotonic()
        with ThreadPoolExecutor(IN_FLIGHT) as pool:
            list(pool.map(lambda i: self.conversation(f"{tag}-{i}", turns), range(conversations)))
        return time.monotonic() - started

    def summary(self) -> dict[str, Any]:
        return {
            "acknowledged": len(self.acked),
            "gave_up": len(self.gave_up),
            "attempts": self.attempts,
            "retries": self.retries,
            "failed_statuses": {str(k): v for k, v in sorted(self.failures.items())},
            "slowest_message_s": round(self.longest_s, 1),
            "acknowledged_by": dict(self.upstreams),
        }


def stored_messages(tag: str) -> dict[str, int]:
    """msg_id -> number of user events with it in PostgreSQL, for the conversations `tag`-*."""
    rows = psql(
        "select data::json->'metadata'->>'msg_id', count(*) from events "
        f"where type_name = 'user' and sender_id like 'rest:{tag}-%' group by 1"
    )
    return {msg_id: int(n) for msg_id, n in rows if msg_id}


def stored_id(msg_id: str) -> str:
    """A msg_id as the channel stores it: client metadata is masked like any text (channels/guard.py),
    so a random hex id with a long digit run (about 1 in 20 uuids) is stored partly hidden."""
    return (guard.metadata({"msg_id": msg_id}) or {}).get("msg_id", "")


def audit(acked: Iterable[str], stored: dict[str, int]) -> dict[str, Any]:
    """Acknowledged messages missing from the store (must be none) and extra copies of resent ones."""
    return {
        "lost": sorted(m for m in acked if stored.get(stored_id(m), 0) < 1),
        "duplicates": sum(n - 1 for n in stored.values() if n > 1),
    }


def test_audit_counts_lost_and_duplicate_messages() -> None:
    # guards the check below: an acknowledged message missing from the store is reported lost;
    # a message stored twice (resent after its reply was lost) is a duplicate, not a loss;
    # a message stored but never acknowledged (the client gave up) is neither
    assert audit(["a", "b", "c"], {"a": 1, "c": 2}) == {"lost": ["b"], "duplicates": 1}
    assert audit(["a"], {"a": 1, "x": 1}) == {"lost": [], "duplicates": 0}
    assert audit(["a", "b"], {}) == {"lost": ["a", "b"], "duplicates": 0}
    # an id the channel stores masked is found by its stored form, and not by its raw one
    digits = "2c6394481192441c8b6a973819219c86"
    assert stored_id(digits) != digits
    assert audit([digits], {stored_id(digits): 1}) == {"lost": [], "duplicates": 0}
    assert audit([digits], {digits: 1})["lost"] == [digits]


def test_turns_alternating_between_processes_keep_their_state(cluster: str) -> None:
    # guards: the shared PostgreSQL tracker store (with a per-process store turn 3 knows nothing of turn 1)
    sender = f"alt-{uuid.uuid4().hex[:8]}"
    last = None
    for i, text in enumerate(TURNS[:3]):
        last = Client(f"http://127.0.0.1:{RASA[i % 2]}/webhooks/rest/webhook").send(sender, text)
        assert last, text
    assert {"external_guarantee", "frequent_inquiries", "card_overdraft"} <= set(signal_ids(last) or [])


def test_nginx_spreads_one_conversation_over_both_processes(cluster: str) -> None:
    # guards: the round-robin REST upstream in ops/cluster/nginx.conf and the shared state behind it
    sender = f"lb-{uuid.uuid4().hex[:8]}"
    client, body = Client(cluster), None
    for text in TURNS:
        body = client.send(sender, text)
        assert body, text
    assert len(client.upstreams) == 2, client.upstreams
    assert {"external_guarantee", "frequent_inquiries", "card_overdraft"} <= set(signal_ids(body) or [])


def test_retention_deletes_from_postgresql(cluster: str, tmp_path: Path) -> None:
    # guards: loanwhy.retention on an SQLAlchemy URL (the cluster's tracker store is not a file)
    from loanwhy import retention

    sender = f"forget-{uuid.uuid4().hex[:8]}"
    assert Client(cluster).send(sender, TURNS[0])
    stores = retention.Stores(tracker=PG_URL, app=tmp_path / "a.sqlite", wechat=tmp_path / "w.sqlite")
    assert retention.forget_user(f"rest:{sender}", stores).deleted["tracker.events"] > 0  # REST's namespace
    assert psql(f"select count(*) from events where sender_id = 'rest:{sender}'") == [["0"]]


def test_staff_transcript_and_weekly_figures_read_postgresql(
    cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # guards: loanwhy/events.py on the cluster's store, found as the staff console finds it
    # (LOANWHY_TRACKER_URL); before it, both read only the SQLite file and were silently empty here
    from loanwhy import stats
    from staff import transcript

    sender = f"staff-{uuid.uuid4().hex[:8]}"
    client = Client(cluster)
    for text in [TURNS[0], *OFF_TOPIC]:
        assert client.send(sender, text), text
    monkeypatch.setenv("LOANWHY_VAR", str(tmp_path))  # no tracker.db there: only the URL can be read
    monkeypatch.setenv("LOANWHY_TRACKER_URL", PG_URL)
    messages = transcript.read(f"rest:{sender}")
    assert [m["text"] for m in messages if m["who"] == "user"] == [TURNS[0], *OFF_TOPIC]
    assert "bot" in {m["who"] for m in messages}, messages
    monday = stats.week_start(date.today())
    week = stats.weekly(monday, path=tmp_path / "app.sqlite")
    lo, hi = (datetime(d.year, d.month, d.day).timestamp() for d in (monday, week.end + timedelta(days=1)))
    counted = psql(
        "select count(distinct sender_id), count(*), count(*) filter (where intent_name = 'nlu_fallback') "
        f"from events where type_name = 'user' and timestamp >= {lo} and timestamp < {hi}"
    )
    assert week.fallbacks is not None and week.fallback_rate is not None
    assert [[str(week.conversations), str(week.user_messages), str(week.fallbacks)]] == counted
    mine = psql(f"select intent_name from events where type_name = 'user' and sender_id = 'rest:{sender}' order by id")
    assert week.user_messages >= 3 and week.fallbacks >= sum(row == ["nlu_fallback"] for row in mine)
    save(
        "weekly_on_postgresql",
        {
            "conversations": week.conversations,
            "user_messages": week.user_messages,
            "not_understood": week.fallbacks,
            "off_topic_intents": [r[0] for r in mine[1:]],
        },
    )


def test_socketio_is_sticky(cluster: str) -> None:
    # guards: ip_hash on the socket.io upstream (a polling socket.io session lives in one process)
    seen = set()
    for _ in range(6):
        req = urllib.request.Request(f"http://127.0.0.1:{NGINX}/socket.io/?EIO=4&transport=polling")
        with urllib.request.urlopen(req, timeout=30) as resp:
            seen.add(resp.headers.get("X-Upstream"))
    assert len(seen) == 1, seen


def throughput(url: str, conversations: int, tag: str) -> tuple[float, Client]:
    client = Client(url)
    elapsed = client.run(f"{tag}-{uuid.uuid4().hex[:6]}", conversations, TURNS)
    assert not client.gave_up and len(client.acked) == conversations * len(TURNS), client.summary()
    return len(client.acked) / elapsed, client


def test_throughput_one_process_against_two(cluster: str) -> None:
    # a measurement for the README; asserts only that both setups answer everything
    one, c1 = throughput(f"http://127.0.0.1:{RASA[0]}/webhooks/rest/webhook", 48, "one")
    two, c2 = throughput(cluster, 48, "two")
    save(
        "throughput_msgs_per_s",
        {
            "one_process": round(one, 1),
            "two_processes": round(two, 1),
            "cores": os.cpu_count(),
            "in_flight": IN_FLIGHT,
            "retries": {"one_process": c1.retries, "two_processes": c2.retries},
        },
    )


def test_killing_one_process_under_load_loses_no_acknowledged_message(cluster: str) -> None:
    # guards issue #8: Rasa saving the tracker before it answers, the shared store, nginx skipping a
    # dead upstream. Every message answered 200 must be in PostgreSQL; clients resend the others
    # until they are answered, so in the end every message is acknowledged
    conversations, turns = 32, TURNS * 2
    total = conversations * len(turns)
    client = Client(cluster)
    tag = f"kill-{uuid.uuid4().hex[:6]}"
    pid_file = CLUSTER_DIR / "run" / f"rasa-{RASA[1]}.pid"
    pid = int(pid_file.read_text())
    kill: dict[str, Any] = {}

    def killer() -> None:
        # a quarter of the way through: mid-load however fast the machine is
        give_up = time.monotonic() + 120
        while len(client.acked) < total // 4 and time.monotonic() < give_up:
            time.sleep(0.02)
        kill.update(acknowledged_before=len(client.acked))
        # frozen first, so that messages are surely in flight on it when it dies (a fast process
        # may otherwise have none at that instant): the ones it was handling stop wherever they
        # were (before or after saving, before answering), and nginx keeps sending it half the
        # new ones, which wait unread
        os.kill(pid, signal.SIGSTOP)
        time.sleep(KILL_FREEZE_S)
        kill.update(in_flight=client.in_flight)
        os.kill(pid, signal.SIGKILL)
        pid_file.unlink()  # down.sh must not signal whatever process gets that number next

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    elapsed = client.run(tag, conversations, turns)
    thread.join(10)
    result = audit(client.acked, stored_messages(tag))
    save(
        "kill_under_load",
        {
            **client.summary(),
            "messages": total,
            "conversations": conversations,
            "lost": len(result["lost"]),
            "duplicates": result["duplicates"],
            "killed_after_acknowledged": kill.get("acknowledged_before"),
            "in_flight_at_kill": kill.get("in_flight"),
            "seconds": round(elapsed, 1),
        },
    )
    assert kill and kill["acknowledged_before"] < total and kill["in_flight"] > 0, kill  # killed under load
    assert client.failures[502], client.summary()  # messages in flight on it were cut off (nginx: 502)
    assert post(f"http://127.0.0.1:{RASA[1]}/webhooks/rest/webhook", "probe", "你好", timeout=5)[0] == 0  # it is dead
    assert not result["lost"], f"{len(result['lost'])} acknowledged messages missing from PostgreSQL"
    assert not client.gave_up and len(client.acked) == total, client.summary()  # everything got through in the end
