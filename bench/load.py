"""The load driver: N conversations in flight over the REST webhook, each turn timed.

Closed loop: each of the N workers sends a turn, waits for the whole reply,
sends the next; by default with no think time (N requests really in flight, a
stress test), with `think_s` a pause of 0.5-1.5 × think_s between turns, as an
applicant reading and typing would. A conversation is one sender id, unique per run,
so no tracker is shared between runs or workers.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from typing import Any

import aiohttp

from bench.convo import Conversation, Turn, handoff_replies
from bench.stats import LevelResult
from loanwhy.normalize import to_simplified

TURN_TIMEOUT_S = 60.0


def conversations_for(in_flight: int, turns: int, min_turns: int) -> int:
    """Conversations at one level: at least one per worker, at least `min_turns` turns, equal work per worker."""
    wanted = max(in_flight, math.ceil(min_turns / max(turns, 1)))
    return math.ceil(wanted / in_flight) * in_flight


def _next_text(turn: Turn, last: list[dict[str, Any]], rng: random.Random, avoid: frozenset[str] = frozenset()) -> str:
    """A button of the last reply for a self-check answer (never one in `avoid`, e.g. the handoff button)."""
    if turn.pick_button:
        buttons = [
            b
            for m in last
            for b in (m.get("buttons") or [])
            if isinstance(b, dict) and b.get("payload") and b["payload"] not in avoid
        ]
        if buttons:
            return str(rng.choice(buttons)["payload"])
    return turn.text


async def _turn(
    session: aiohttp.ClientSession, url: str, sender: str, text: str, result: LevelResult
) -> list[dict[str, Any]]:
    """One timed POST; errors are counted with the sender and text, so they can be replayed."""
    started = time.perf_counter()
    try:
        async with session.post(url, json={"sender": sender, "message": text}) as resp:
            body = await resp.read()
            took = time.perf_counter() - started
            if resp.status != 200:
                result.errors.add("status", f"{resp.status} for {sender}: {text!r}: {body[:100]!r}")
                return []
            replies = await resp.json(content_type=None)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
        result.errors.add("exception", f"{type(exc).__name__} {exc} for {sender}: {text!r}")
        return []
    result.latencies.append(took)
    if not isinstance(replies, list) or not replies:
        result.errors.add("empty", f"no reply to {sender}: {text!r}")
        return []
    return replies


async def run_level(
    url: str,
    convs: list[Conversation],
    in_flight: int,
    run_id: str,
    avoid: frozenset[str] = frozenset(),
    think_s: float = 0.0,
) -> LevelResult:
    """Play every conversation, `in_flight` at a time; latency of every answered turn."""
    result = LevelResult(in_flight)
    silent = handoff_replies()
    queue: asyncio.Queue[tuple[int, Conversation]] = asyncio.Queue()
    for item in enumerate(convs):
        queue.put_nowait(item)

    async def worker(session: aiohttp.ClientSession) -> None:
        while not queue.empty():
            index, conv = queue.get_nowait()
            rng = random.Random(index)
            sender = f"bench-{run_id}-{in_flight}-{index}"
            last: list[dict[str, Any]] = []
            for i, turn in enumerate(conv.turns):
                if i and think_s > 0:
                    await asyncio.sleep(rng.uniform(0.5, 1.5) * think_s)
                last = await _turn(session, url, sender, _next_text(turn, last, rng, avoid), result)
                if any(to_simplified(str(r.get("text") or "")).strip() in silent for r in last):
                    break  # handed to staff ("麻烦回个电话"): the bot is silent from here on by design

    timeout = aiohttp.ClientTimeout(total=TURN_TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=in_flight, force_close=False)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(in_flight)))
        result.wall_s = time.perf_counter() - started
    return result


def play(
    url: str,
    convs: list[Conversation],
    in_flight: int,
    run_id: str,
    avoid: frozenset[str] = frozenset(),
    think_s: float = 0.0,
) -> LevelResult:
    return asyncio.run(run_level(url, convs, in_flight, run_id, avoid, think_s))
