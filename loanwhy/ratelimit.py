"""Rate limits where messages enter (REST, socket.io): a token bucket per key.

Per sender (conversation id) and per client address. Anonymous clients could otherwise open
handoffs, fill the case log and keep the NLU busy at will. Limits are per process (each Rasa
worker counts its own), kept in memory with a bounded number of keys.

- LOANWHY_RATE_SENDER "burst,per_second" (default 20,0.5): one conversation.
- LOANWHY_RATE_ADDRESS (default 60,2): one client address. Loopback requests that came through
  no proxy (the operator's own tools: eval, soak, bench, tests) are not limited per address.
  Behind the proxy on this machine the address is the last X-Forwarded-For entry (the one nginx
  appended; loopback there is a local tool too); from any other peer the header is ignored.

Plain module (no Rasa).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping

SENDER_ENV = "LOANWHY_RATE_SENDER"
ADDRESS_ENV = "LOANWHY_RATE_ADDRESS"
SENDER_DEFAULT = (20, 0.5)
ADDRESS_DEFAULT = (60, 2.0)
MAX_KEYS = 50_000
PROXY_HEADERS = ("x-forwarded-for", "x-real-ip", "forwarded", "via", "x-forwarded-host")


class Limiter:
    """Token buckets: `capacity` messages at once, refilled at `per_s` a second."""

    def __init__(self, capacity: int, per_s: float, max_keys: int = MAX_KEYS) -> None:
        self.capacity = float(capacity)
        self.per_s = per_s
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, at)
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, at = self._buckets.pop(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + max(0.0, now - at) * self.per_s)
            allowed = tokens >= 1.0
            self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
            while len(self._buckets) > self.max_keys:  # the least recently seen go first
                self._buckets.popitem(last=False)
            return allowed

    def __len__(self) -> int:
        return len(self._buckets)


def setting(value: str, default: tuple[int, float]) -> tuple[int, float]:
    """ "burst,per_second" from the environment; anything unusable gives the default."""
    try:
        burst, rate = (p.strip() for p in value.split(","))
        parsed = (int(burst), float(rate))
    except ValueError:
        return default
    return parsed if parsed[0] > 0 and parsed[1] > 0 else default


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def client_address(peer: str | None, headers: Mapping[str, str]) -> tuple[str, bool]:
    """(address to count, whether it is a local tool). `headers` lower-case or case-insensitive."""
    peer = (peer or "").strip()
    if not _is_loopback(peer):
        return peer, False
    forwarded = [a.strip() for a in (headers.get("x-forwarded-for") or "").split(",") if a.strip()]
    if forwarded:  # a client on this machine through the proxy is a local tool too (ops/cluster)
        return forwarded[-1], _is_loopback(forwarded[-1])
    return peer, not any(headers.get(h) for h in PROXY_HEADERS)


def source_id(address: str) -> str:
    """A keyed digest of an address: lets the actions count handoffs per address without
    storing the address in the tracker or the app database."""
    from loanwhy import session  # the server's own key, the one socket.io ids are signed with

    key = session.secret() or b""
    return "src-" + hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:20]


class Gate:
    """The two limits of one channel, from the environment when the channel is built."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        self.senders = Limiter(*setting(env.get(SENDER_ENV, ""), SENDER_DEFAULT))
        self.addresses = Limiter(*setting(env.get(ADDRESS_ENV, ""), ADDRESS_DEFAULT))

    def refuse(self, sender: str, address: str, local: bool) -> str | None:
        """None when the message may go on, else which limit it hit (for the log)."""
        if not local and not self.addresses.allow(address):
            return "address"
        if not self.senders.allow(sender):
            return "sender"
        return None
