"""trackers.sqlite_lock: one conversation is served by one worker at a time, across processes."""

from __future__ import annotations

import asyncio
import multiprocessing
import sqlite3
from pathlib import Path

from trackers.sqlite_lock import SQLiteLockStore


def test_tickets_from_two_stores_on_one_file_never_collide(tmp_path: Path) -> None:
    a, b = SQLiteLockStore(db=str(tmp_path / "locks.sqlite")), SQLiteLockStore(db=str(tmp_path / "locks.sqlite"))
    tickets = [a.issue_ticket("c1"), b.issue_ticket("c1"), a.issue_ticket("c1")]
    assert tickets == [0, 1, 2]
    lock = b.get_lock("c1")
    assert lock is not None and lock.now_serving == 0 and lock.is_locked(1)


def test_cleanup_removes_the_lock_when_nobody_waits(tmp_path: Path) -> None:
    store = SQLiteLockStore(db=str(tmp_path / "locks.sqlite"))
    first, second = store.issue_ticket("c1"), store.issue_ticket("c1")
    store.cleanup("c1", first)
    lock = store.get_lock("c1")
    assert lock is not None and not lock.is_locked(second)
    store.cleanup("c1", second)
    assert store.get_lock("c1") is None
    rows = sqlite3.connect(tmp_path / "locks.sqlite").execute("select count(*) from locks").fetchone()[0]
    assert rows == 0


def _worker(db: str, counter: str, rounds: int) -> None:
    store = SQLiteLockStore(db=db)

    async def main() -> None:
        for _ in range(rounds):
            async with store.lock("shared", wait_time_in_seconds=0.005):
                value = int(Path(counter).read_text())  # a read-modify-write that only a lock keeps whole
                await asyncio.sleep(0.002)
                Path(counter).write_text(str(value + 1))

    asyncio.run(main())


def test_processes_take_turns(tmp_path: Path) -> None:
    counter = tmp_path / "counter"
    counter.write_text("0")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_worker, args=(str(tmp_path / "locks.sqlite"), str(counter), 15)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    assert counter.read_text() == "45"
