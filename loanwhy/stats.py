"""Case-log queries and weekly figures for staff.

Sources: the case log and handoffs (application database), the `feedback`
table the web widget writes (conversation_id, rating 'up'/'down', created_at as
epoch seconds or ISO text; may not exist yet) and the Rasa tracker store (SQLite or
PostgreSQL, through loanwhy/events.py), read only, for the fallback rate (user messages
classified `nlu_fallback`). A source that is missing gives None rather than an error.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from loanwhy import events, paths
from loanwhy.privacy import mask
from loanwhy.store import open_db

FALLBACK_INTENT = "nlu_fallback"
log = logging.getLogger(__name__)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _epoch(day: date) -> float:
    return datetime(day.year, day.month, day.day).timestamp()


def _case_filter(
    signal: str | None, since: date | None, until: date | None, channel: str | None
) -> tuple[str | None, list[Any]]:
    """The where clause and its arguments for a case-log filter; `until` is inclusive."""
    clauses: list[str] = []
    args: list[Any] = []
    if signal:
        clauses.append("(',' || signals || ',') like ?")
        args.append(f"%,{signal},%")
    if since:
        clauses.append("created_at >= ?")
        args.append(_epoch(since))
    if until:
        clauses.append("created_at < ?")
        args.append(_epoch(until + timedelta(days=1)))
    if channel:
        clauses.append("channel = ?")
        args.append(channel)
    return " and ".join(clauses) or None, args


def find_cases(
    signal: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int | None = 500,
    path: Path | None = None,
    channel: str | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Diagnoses newest first, `limit` of them after skipping `offset` (the database pages);
    text fields masked again on the way out."""
    where, args = _case_filter(signal, since, until, channel)
    db = open_db(path or paths.app_db())
    try:
        if "cases" not in db.table_names():
            return []
        rows = db.table("cases").rows_where(
            where,
            args,
            select="rowid as id, *",
            order_by="created_at desc, rowid desc",
            limit=limit,
            offset=offset or None,
        )
        return [{**r, "said": mask(r.get("said") or ""), "sender_id": mask(r.get("sender_id") or "")} for r in rows]
    finally:
        db.close()


def count_cases(
    signal: str | None = None,
    since: date | None = None,
    until: date | None = None,
    path: Path | None = None,
    channel: str | None = None,
) -> int:
    """How many diagnoses `find_cases` would give without a limit, counted by the database."""
    where, args = _case_filter(signal, since, until, channel)
    db = open_db(path or paths.app_db())
    try:
        return int(db.table("cases").count_where(where, args)) if "cases" in db.table_names() else 0
    finally:
        db.close()


@dataclass
class Weekly:
    start: date
    diagnoses: int = 0
    conversations: int | None = None
    user_messages: int | None = None
    fallbacks: int | None = None
    handoffs: int = 0
    handoffs_closed: int = 0
    thumbs_up: int | None = None
    thumbs_down: int | None = None
    top_signals: list[tuple[str, int]] = field(default_factory=list)
    per_day: list[tuple[date, int]] = field(default_factory=list)

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    @property
    def fallback_rate(self) -> float | None:
        if not self.user_messages or self.fallbacks is None:
            return None
        return self.fallbacks / self.user_messages


def _tracker_figures(start: float, end: float, tracker: Path | str | None) -> events.MessageCounts | None:
    """Conversations, user messages and fallbacks from the tracker store (loanwhy/events.py), or None."""
    try:
        return events.count_user_messages(start, end, FALLBACK_INTENT, tracker)
    except events.EventStoreError as exc:
        log.warning("weekly tracker figures not read: %s", exc)
        return None


def _feedback(db: Any, start_day: date, end_day: date) -> tuple[int, int] | None:
    if "feedback" not in db.table_names() or db.execute("select 1 from feedback limit 1").fetchone() is None:
        return None  # no vote ever (the table exists from the first migration): no figure, not 0 / 0
    lo, hi = _epoch(start_day), _epoch(end_day)
    sql = (
        "select rating, count(*) from feedback where "
        "(typeof(created_at) in ('integer', 'real') and created_at >= ? and created_at < ?) "
        "or (typeof(created_at) = 'text' and created_at >= ? and created_at < ?) group by rating"
    )
    try:
        counts = dict(db.execute(sql, [lo, hi, start_day.isoformat(), end_day.isoformat()]).fetchall())
    except sqlite3.Error:
        return None
    return int(counts.get("up", 0)), int(counts.get("down", 0))


def weekly(start: date, top: int = 8, path: Path | None = None, tracker: Path | str | None = None) -> Weekly:
    """Figures for the week starting on `start` (a Monday, local time); `tracker` defaults to
    the tracker store Rasa uses (loanwhy.events.location)."""
    start = week_start(start)
    end_day = start + timedelta(days=7)
    lo, hi = _epoch(start), _epoch(end_day)
    out = Weekly(start)
    db = open_db(path or paths.app_db())
    try:
        names = db.table_names()
        signals: Counter[str] = Counter()
        days: Counter[date] = Counter()
        if "cases" in names:
            for row in db.execute(
                "select created_at, signals from cases where created_at >= ? and created_at < ?", [lo, hi]
            ).fetchall():
                out.diagnoses += 1
                days[datetime.fromtimestamp(row[0]).date()] += 1
                signals.update(s for s in (row[1] or "").split(",") if s)
        out.top_signals = signals.most_common(top)
        out.per_day = [(start + timedelta(days=i), days.get(start + timedelta(days=i), 0)) for i in range(7)]
        if "handoffs" in names:
            out.handoffs = int(db["handoffs"].count_where("created_at >= ? and created_at < ?", [lo, hi]))
            out.handoffs_closed = int(
                db["handoffs"].count_where("created_at >= ? and created_at < ? and status = 'closed'", [lo, hi])
            )
        thumbs = _feedback(db, start, end_day)
        if thumbs:
            out.thumbs_up, out.thumbs_down = thumbs
    finally:
        db.close()
    figures = _tracker_figures(lo, hi, tracker)
    if figures:
        out.conversations, out.user_messages = figures.conversations, figures.messages
        out.fallbacks = figures.with_intent
    return out
