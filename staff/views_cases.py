"""The case log (filter, CSV export) and the weekly figures."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from loanwhy import audit, stats
from loanwhy.kb import load
from staff import caselog, chart
from staff import security as sec
from staff.render import CHANNEL_LABELS, page

PAGE_ROWS = 50
EXPORT_ROWS = 50000


def _filters(request: Request) -> tuple[caselog.Filters, str]:
    """The filters in the query string, and an error name when one is not valid."""
    signal = request.args.get("signal") or None
    channel = request.args.get("channel") or None
    if signal and signal not in load().signals:
        return caselog.Filters(), "bad_signal"
    if channel and channel not in CHANNEL_LABELS:
        return caselog.Filters(), "bad_channel"
    try:
        since, until = caselog.parse_day(request.args.get("from")), caselog.parse_day(request.args.get("to"))
    except ValueError:
        return caselog.Filters(), "bad_date"
    return caselog.Filters(signal, since, until, channel), ""


def _page_number(request: Request) -> int | None:
    """The page asked for (1 when none), or None when `page` is not a whole number."""
    value = (request.args.get("page") or "1").strip()
    try:
        return int(value)
    except ValueError:  # also a number too long to read
        return None


def _described(f: caselog.Filters) -> str:
    return f"{f.since or ''}..{f.until or ''}" + (f" channel={f.channel}" if f.channel else "")


def add_routes(bp: Blueprint) -> None:
    @bp.get("/cases")
    async def cases_page(request: Request) -> HTTPResponse:
        f, error = _filters(request)
        requested = _page_number(request)
        if requested is None and not error:
            error = "bad_page"
        total = 0 if error else caselog.count(f.signal, f.since, f.until, f.channel)
        at = caselog.Page.of(requested or 1, PAGE_ROWS, total)
        rows = [] if error else caselog.rows(f.signal, f.since, f.until, PAGE_ROWS, channel=f.channel, offset=at.offset)
        audit.log(
            request.ctx.staff, "view_cases", f.signal or "", f"{_described(f)} page {at.number}", sec.client_ip(request)
        )
        params = f.params()
        return page(
            request,
            "cases.html",
            status=400 if error else 200,
            rows=rows,
            error=error,
            signal=request.args.get("signal") or "",
            since=request.args.get("from") or "",
            until=request.args.get("to") or "",
            channel=request.args.get("channel") or "",
            kb=load(),
            at=at,
            query=urlencode(params),
            prev_query=urlencode({**params, "page": at.number - 1}) if at.number > 1 else "",
            next_query=urlencode({**params, "page": at.number + 1}) if at.number < at.pages else "",
        )

    @bp.get("/cases.csv")
    async def cases_csv(request: Request) -> HTTPResponse:
        f, error = _filters(request)
        if error:
            return response.text(error, status=400)
        rows = caselog.rows(f.signal, f.since, f.until, EXPORT_ROWS, channel=f.channel)
        audit.log(
            request.ctx.staff,
            "export_cases",
            f.signal or "",
            f"{_described(f)}: {len(rows)} rows",
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
