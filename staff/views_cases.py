"""The case log (filter, CSV export) and the weekly figures."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from loanwhy import audit, stats
from loanwhy.kb import load
from staff import caselog, chart
from staff import security as sec
from staff.render import page

PAGE_ROWS = 500
EXPORT_ROWS = 50000


def _filters(request: Request) -> tuple[str | None, date | None, date | None, str]:
    """(signal, since, until, error) from the query string."""
    signal = request.args.get("signal") or None
    if signal and signal not in load().signals:
        return None, None, None, "bad_signal"
    try:
        return signal, caselog.parse_day(request.args.get("from")), caselog.parse_day(request.args.get("to")), ""
    except ValueError:
        return signal, None, None, "bad_date"


def add_routes(bp: Blueprint) -> None:
    @bp.get("/cases")
    async def cases_page(request: Request) -> HTTPResponse:
        signal, since, until, error = _filters(request)
        rows = [] if error else caselog.rows(signal, since, until, PAGE_ROWS)
        audit.log(
            request.ctx.staff, "view_cases", signal or "", f"{since or ''}..{until or ''}", sec.client_ip(request)
        )
        return page(
            request,
            "cases.html",
            status=400 if error else 200,
            rows=rows,
            error=error,
            signal=signal or "",
            since=request.args.get("from") or "",
            until=request.args.get("to") or "",
            kb=load(),
            query=request.query_string,
            limit=PAGE_ROWS,
        )

    @bp.get("/cases.csv")
    async def cases_csv(request: Request) -> HTTPResponse:
        signal, since, until, error = _filters(request)
        if error:
            return response.text(error, status=400)
        rows = caselog.rows(signal, since, until, EXPORT_ROWS)
        audit.log(
            request.ctx.staff,
            "export_cases",
            signal or "",
            f"{since or ''}..{until or ''}: {len(rows)} rows",
            sec.client_ip(request),
        )
        name = f"cases-{datetime.now():%Y%m%d-%H%M}.csv"
        return response.text(
            caselog.to_csv(rows),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @bp.get("/stats")
    async def stats_page(request: Request) -> HTTPResponse:
        try:
            day = caselog.parse_day(request.args.get("week")) or date.today()
        except ValueError:
            day = date.today()
        figures = stats.weekly(day)
        kb = load()
        top = [(kb.signals[s]["name"] if s in kb.signals else s, n) for s, n in figures.top_signals]
        days = [(f"{d:%m-%d}", n) for d, n in figures.per_day]
        audit.log(request.ctx.staff, "view_stats", str(figures.start), ip=sec.client_ip(request))
        return page(
            request,
            "stats.html",
            f=figures,
            top=chart.horizontal(top),
            days=chart.vertical(days),
            prev=figures.start - timedelta(days=7),
            next=figures.start + timedelta(days=7),
        )
