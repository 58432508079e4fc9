"""The case log as rows for pages and CSV: times readable, personal numbers masked; pages of it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from loanwhy import stats
from loanwhy.kb import Knowledge, load
from loanwhy.privacy import mask

CSV_COLUMNS = ["id", "time", "channel", "signals", "signal_names", "principal", "said"]


def parse_day(value: str | None) -> date | None:
    """A YYYY-MM-DD date, or None when empty; ValueError when malformed."""
    return date.fromisoformat(value) if value else None


@dataclass(frozen=True)
class Filters:
    """What the case log is narrowed to; `until` is inclusive."""

    signal: str | None = None
    since: date | None = None
    until: date | None = None
    channel: str | None = None

    def params(self) -> dict[str, str]:
        """The query parameters that give these filters back (page links, the CSV link)."""
        values = {
            "signal": self.signal,
            "from": self.since.isoformat() if self.since else None,
            "to": self.until.isoformat() if self.until else None,
            "channel": self.channel,
        }
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True)
class Page:
    """One page of a filtered case log: its number (from 1) of `pages`, and where its rows start."""

    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @classmethod
    def of(cls, requested: int, size: int, total: int) -> Page:
        """The page asked for, moved into range: before the first is the first, past the last the last."""
        last = max(1, -(-total // size))
        return cls(min(max(requested, 1), last), size, total)


def count(
    signal: str | None = None, since: date | None = None, until: date | None = None, channel: str | None = None
) -> int:
    """How many cases `rows` would give without a limit (counted by the database, not loaded)."""
    return stats.count_cases(signal, since, until, channel=channel)


def rows(
    signal: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int | None = 500,
    kb: Knowledge | None = None,
    channel: str | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Cases newest first: `limit` of them (None: all) after the first `offset`."""
    kb = kb or load()
    out = []
    for case in stats.find_cases(signal, since, until, limit, channel=channel, offset=offset):
        ids = [s for s in (case.get("signals") or "").split(",") if s]
        try:
            principal = json.loads(case.get("payload") or "{}").get("diagnosis", {}).get("principal", [])
        except json.JSONDecodeError:
            principal = []
        out.append(
            {
                "id": case.get("id"),
                "time": datetime.fromtimestamp(float(case.get("created_at") or 0)).strftime("%Y-%m-%d %H:%M"),
                "channel": case.get("channel") or "",
                "signals": ids,
                "signal_names": [kb.signals[s]["name"] if s in kb.signals else s for s in ids],
                "principal": principal,
                "said": mask(case.get("said") or ""),
            }
        )
    return out


def to_csv(items: Iterable[dict[str, Any]]) -> str:
    """CSV with a BOM so spreadsheet programs read the Chinese correctly."""
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    for r in items:
        writer.writerow(
            [
                r["id"],
                r["time"],
                r["channel"],
                " ".join(r["signals"]),
                "、".join(r["signal_names"]),
                " ".join(r["principal"]),
                _no_formula(mask(r["said"])),
            ]
        )
    return buf.getvalue()


def _no_formula(text: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas; applicants typed this text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
