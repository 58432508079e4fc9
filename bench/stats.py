"""Latency statistics for one load level."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


def percentile(values: Sequence[float], pct: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); NaN when empty."""
    if not values:
        return math.nan
    if not 0 <= pct <= 100:
        raise ValueError(f"percentile out of range: {pct}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Errors:
    """What went wrong at one level: the applicant would have seen no answer."""

    status: int = 0  # HTTP status other than 200
    empty: int = 0  # 200 with an empty list
    exception: int = 0  # timeout, refused connection, bad JSON
    examples: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.status + self.empty + self.exception

    def add(self, kind: str, detail: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        if len(self.examples) < 5:
            self.examples.append(f"{kind}: {detail}"[:200])


@dataclass
class LevelResult:
    """Every turn's latency (seconds) at one number of conversations in flight."""

    in_flight: int
    latencies: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    errors: Errors = field(default_factory=Errors)

    @property
    def turns(self) -> int:
        return len(self.latencies)

    def summary(self) -> dict[str, Any]:
        ms = [x * 1000 for x in self.latencies]
        return {
            "in_flight": self.in_flight,
            "turns": self.turns,
            "wall_s": round(self.wall_s, 3),
            "throughput_tps": round(self.turns / self.wall_s, 2) if self.wall_s > 0 else 0.0,
            "p50_ms": _round(percentile(ms, 50)),
            "p95_ms": _round(percentile(ms, 95)),
            "p99_ms": _round(percentile(ms, 99)),
            "max_ms": _round(max(ms)) if ms else None,
            "errors": {
                "total": self.errors.total,
                "status": self.errors.status,
                "empty": self.errors.empty,
                "exception": self.errors.exception,
                "examples": self.errors.examples,
            },
        }


def _round(x: float) -> float | None:
    return None if math.isnan(x) else round(x, 1)
