"""Login attempts: how many the staff server takes, and where the password hashing runs.

scrypt takes tens of milliseconds and 16 MB on purpose; on the event loop a few
login loops stalled the whole server (when the console was mounted on the widget's
server, the widget's assets too). So:

- hashing, and the login's database writes (a commit costs ~15 ms), run in a small
  thread pool of its own (`off_loop`), never on the loop, at most HASH_WORKERS at a time;
- POST /staff/login is counted per client address (PER_ADDRESS in WINDOW_S) and for
  the whole server (GLOBAL in WINDOW_S) before any hashing; beyond that: 429, and one
  audit row per address and window (`report`), not one per refused attempt;
- the account's own slowdown (loanwhy.accounts.login_delay) is awaited with `sleep`,
  which holds no thread.

Counts live in this process (the staff server is one process); a restart forgets them,
the lockout in the database stays.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

PER_ADDRESS = 10
GLOBAL = 60
WINDOW_S = 60.0
HASH_WORKERS = 2
sleep = asyncio.sleep  # replaced in tests

T = TypeVar("T")
_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=HASH_WORKERS, thread_name_prefix="staff-login")
    return _POOL


async def off_loop(fn: Callable[..., T], *args: object, **kwargs: object) -> T:
    """`fn(*args, **kwargs)` in the login pool: the event loop keeps serving other requests."""
    return await asyncio.get_running_loop().run_in_executor(_pool(), partial(fn, *args, **kwargs))


class LoginLimiter:
    """Sliding-window counts of login attempts, per address and in total."""

    def __init__(self) -> None:
        self.by_address: dict[str, deque[float]] = {}
        self.total: deque[float] = deque()
        self.reported: dict[str, float] = {}

    @staticmethod
    def _trim(times: deque[float], now: float) -> None:
        while times and times[0] <= now - WINDOW_S:
            times.popleft()

    def refuse(self, address: str, now: float | None = None) -> float:
        """0 and the attempt counted, or the seconds until the next attempt may come."""
        now = time.monotonic() if now is None else now
        self._trim(self.total, now)
        mine = self.by_address.setdefault(address, deque())
        self._trim(mine, now)
        if len(self.by_address) > 10_000:  # addresses that went quiet
            for key in [k for k, v in self.by_address.items() if not v and k != address]:
                del self.by_address[key]
        for times, limit in ((mine, PER_ADDRESS), (self.total, GLOBAL)):
            if len(times) >= limit:
                return max(times[0] + WINDOW_S - now, 1.0)
        mine.append(now)
        self.total.append(now)
        return 0.0

    def report(self, address: str, now: float | None = None) -> bool:
        """True for the first refusal of an address in a window: that one is written to the audit log."""
        now = time.monotonic() if now is None else now
        if now - self.reported.get(address, -WINDOW_S) < WINDOW_S:
            return False
        if len(self.reported) > 10_000:
            self.reported = {k: v for k, v in self.reported.items() if now - v < WINDOW_S}
        self.reported[address] = now
        return True
