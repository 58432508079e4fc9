"""The diagnosis logic alone (no Rasa): messages per second on one core."""

from __future__ import annotations

import contextlib
import itertools
import os
import time
from collections.abc import Iterator, Sequence
from typing import Any

from bench.convo import EvalTexts


def diagnosis_texts(texts: EvalTexts) -> list[str]:
    """Every situation turn and single-message check of the eval files."""
    out = [t for case in texts.situations for t in case]
    out += [t for items in texts.singles.values() for t in items]
    return out


@contextlib.contextmanager
def one_core() -> Iterator[int | None]:
    """Pin this process to one CPU for the block (Linux); yields the CPU or None."""
    if not hasattr(os, "sched_getaffinity"):
        yield None
        return
    before = os.sched_getaffinity(0)
    cpu = max(before)
    os.sched_setaffinity(0, {cpu})
    try:
        yield cpu
    finally:
        os.sched_setaffinity(0, before)


def measure(texts: Sequence[str], count: int = 5000, repeats: int = 3) -> dict[str, Any]:
    """`diagnose_text` over the texts repeated to `count` messages, best of `repeats` runs.

    Both wall-clock and CPU-time rates are given: on a shared machine the CPU rate
    is the steadier figure for "one core".
    """
    from loanwhy.diagnose import diagnose_text
    from loanwhy.kb import load

    if not texts:
        raise ValueError("no texts to diagnose")
    kb = load()
    for text in texts:  # warm-up: compiled rules, caches
        diagnose_text(text, kb)
    best_wall, best_cpu = float("inf"), float("inf")
    with one_core() as cpu:
        for _ in range(repeats):
            batch = list(itertools.islice(itertools.cycle(texts), count))
            wall0, cpu0 = time.perf_counter(), time.process_time()
            for text in batch:
                diagnose_text(text, kb)
            best_wall = min(best_wall, time.perf_counter() - wall0)
            best_cpu = min(best_cpu, time.process_time() - cpu0)
    return {
        "messages": count,
        "distinct_texts": len(set(texts)),
        "repeats": repeats,
        "cpu": cpu,
        "best_wall_s": round(best_wall, 4),
        "msg_per_s": round(count / best_wall, 1),
        "cpu_msg_per_s": round(count / best_cpu, 1) if best_cpu > 0 else None,
        "us_per_msg": round(best_wall / count * 1e6, 1),
    }
