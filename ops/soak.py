"""Soak test: 16 conversations in flight against a running assistant for N minutes.

    python ops/soak.py --url http://127.0.0.1:5005 --var var --minutes 10

Reports errors (non-200 answers, empty replies, failed connections: must be 0),
latency, and the memory (RSS) of the Rasa and action-server processes at the
start and the end (pids from <var>/run/*.pid, or --pid NAME=PID). Exit status 1
when there was an error.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: the project's modules
from loanwhy import rest_auth  # noqa: E402

SCRIPTS: list[list[str]] = [
    ["我贷款被拒了，这两个月申请了十几次，信用卡额度5万欠了4万8", "如果我把信用卡还到一半呢？", "要等多久才能再申请？"],
    ["我的贷款被拒了，不知道为什么", "十几次吧，信用卡也刷爆了", "直接告诉我结果"],
    ["我给朋友做了担保", "另外我这两个月查了十几次征信", "谢谢"],
    ["你好", "你能帮我做什么", "我有逾期"],
    ["我的信用卡全部刷爆了，貸款申請被拒絕", "我身份证110101199003071234", "好的"],
]


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def find_pids(var: Path, extra: list[str]) -> dict[str, int]:
    pids = {}
    for name in ("rasa", "actions"):
        path = var / "run" / f"{name}.pid"
        if path.exists():
            pids[name] = int(path.read_text().strip())
    for item in extra:
        name, _, pid = item.partition("=")
        pids[name] = int(pid)
    return pids


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    conversations: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def say(self, url: str, sender: str, text: str) -> None:
        body = json.dumps({"sender": sender, "message": text}).encode()
        headers = {"Content-Type": "application/json", **rest_auth.client_headers()}  # REST token if configured
        req = urllib.request.Request(url, data=body, headers=headers, method="POST")
        started = time.monotonic()
        problem = None
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                replies = json.loads(resp.read().decode())
                if not (isinstance(replies, list) and any(r.get("text") or r.get("custom") for r in replies)):
                    problem = f"empty reply to {text!r}"
        except urllib.error.HTTPError as err:
            problem = f"HTTP {err.code} for {text!r}"
        except (urllib.error.URLError, OSError, ValueError) as exc:
            problem = f"{type(exc).__name__}: {exc}"
        with self.lock:
            self.latencies.append(time.monotonic() - started)
            if problem:
                self.errors.append(problem)


def soak(url: str, minutes: float, in_flight: int, pids: dict[str, int]) -> dict[str, object]:
    webhook = url.rstrip("/") + "/webhooks/rest/webhook"
    tally = Tally()
    tally.say(webhook, "soak-warmup", "你好")
    tally.latencies.clear()
    start_rss = {name: rss_mb(pid) for name, pid in pids.items()}
    peak = dict(start_rss)
    deadline = time.monotonic() + minutes * 60

    def worker(n: int) -> None:
        i = 0
        while time.monotonic() < deadline:
            sender = f"soak-{n}-{i}-{uuid.uuid4().hex[:6]}"
            for text in SCRIPTS[(n + i) % len(SCRIPTS)]:
                tally.say(webhook, sender, text)
            with tally.lock:
                tally.conversations += 1
            i += 1
            for name, pid in pids.items():
                now = rss_mb(pid)
                if now is not None and (peak.get(name) or 0) < now:
                    peak[name] = now

    started = time.monotonic()
    with ThreadPoolExecutor(in_flight) as pool:
        list(pool.map(worker, range(in_flight)))
    elapsed = time.monotonic() - started
    end_rss = {name: rss_mb(pid) for name, pid in pids.items()}
    lat = sorted(tally.latencies) or [0.0]
    memory = {
        name: {
            "start_mb": round(start_rss[name] or 0, 1),
            "end_mb": round(end_rss[name] or 0, 1),
            "peak_mb": round(peak[name] or 0, 1),
            "growth_mb": round((end_rss[name] or 0) - (start_rss[name] or 0), 1),
            "alive": end_rss[name] is not None,
        }
        for name in pids
    }
    return {
        "minutes": round(elapsed / 60, 2),
        "in_flight": in_flight,
        "conversations": tally.conversations,
        "messages": len(tally.latencies),
        "messages_per_s": round(len(tally.latencies) / elapsed, 1),
        "p50_s": round(statistics.median(lat), 3),
        "p95_s": round(lat[int(len(lat) * 0.95)], 3),
        "max_s": round(lat[-1], 3),
        "errors": len(tally.errors),
        "first_errors": tally.errors[:10],
        "memory": memory,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5005", help="the Rasa server")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--in-flight", type=int, default=16)
    parser.add_argument(
        "--var", type=Path, default=Path("var"), help="runtime folder with run/rasa.pid, run/actions.pid"
    )
    parser.add_argument("--pid", action="append", default=[], metavar="NAME=PID", help="another process to watch")
    args = parser.parse_args(argv)
    pids = find_pids(args.var, args.pid)
    report = soak(args.url, args.minutes, args.in_flight, pids)
    print(json.dumps(report, ensure_ascii=False, indent=2))
    memory = report["memory"]
    dead = [name for name, m in memory.items() if not m["alive"]] if isinstance(memory, dict) else []
    return 1 if report["errors"] or dead else 0


if __name__ == "__main__":
    sys.exit(main())
