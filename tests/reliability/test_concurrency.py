"""64 conversations in flight: every reply non-empty, no 'database is locked', nobody's facts mixed up."""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from tests.reliability.stack import Stack, record, signal_ids, texts

CONVERSATIONS = 64
TURNS = ["我给朋友做了担保", "另外我这两个月查了十几次征信", "直接告诉我结果"]


def converse(rel: Stack, sender: str) -> tuple[list[int], list[str], list[float], list[str] | None]:
    statuses, answers, times = [], [], []
    last: object = None
    for text in TURNS:
        status, replies, took = rel.say(sender, text, timeout=120)
        statuses.append(status)
        answers.append(texts(replies))
        times.append(took)
        last = replies
    return statuses, answers, times, signal_ids(last)


def test_64_conversations_in_flight(rel: Stack) -> None:
    # guards: WAL + busy timeout on the app database (loanwhy/store.py) and the per-process tracker
    # store; a shared 'default' conversation or a lost write shows up as a missing signal
    before = rel.logs().count("database is locked")
    started = time.monotonic()
    with ThreadPoolExecutor(CONVERSATIONS) as pool:
        results = list(pool.map(lambda i: converse(rel, f"c64-{i}-{time.time_ns()}"), range(CONVERSATIONS)))
    elapsed = time.monotonic() - started
    times = sorted(t for _, _, ts, _ in results for t in ts)
    record(
        "concurrency_64",
        {
            "messages": len(times),
            "seconds": round(elapsed, 1),
            "per_s": round(len(times) / elapsed, 1),
            "p50_s": round(statistics.median(times), 2),
            "p95_s": round(times[int(len(times) * 0.95)], 2),
            "max_s": round(times[-1], 2),
        },
    )
    assert all(s == 200 for statuses, _, _, _ in results for s in statuses)
    assert all(a for _, answers, _, _ in results for a in answers), "every reply non-empty"
    assert all({"external_guarantee", "frequent_inquiries"} <= set(ids or []) for _, _, _, ids in results)
    assert rel.logs().count("database is locked") == before
