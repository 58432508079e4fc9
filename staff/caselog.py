"""The case log as rows for pages and CSV: times readable, personal numbers masked."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from loanwhy import stats
from loanwhy.kb import Knowledge, load
from loanwhy.privacy import mask

CSV_COLUMNS = ["id", "time", "channel", "signals", "signal_names", "principal", "said"]


def parse_day(value: str | None) -> date | None:
    """A YYYY-MM-DD date, or None when empty; ValueError when malformed."""
    return date.fromisoformat(value) if value else None


def rows(
    signal: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int | None = 500,
    kb: Knowledge | None = None,
) -> list[dict[str, Any]]:
    kb = kb or load()
    out = []
    for case in stats.find_cases(signal, since, until, limit):
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
