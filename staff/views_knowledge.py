"""Search, signal and fact pages, and explaining a case."""

from __future__ import annotations

from sanic import Blueprint, response
from sanic.exceptions import NotFound
from sanic.request import Request
from sanic.response import HTTPResponse

from loanwhy import audit, search
from loanwhy.kb import load
from staff import explain as explainer
from staff import security as sec
from staff.render import page

MAX_QUERY = 100
MAX_CASE_TEXT = 8000


def _search(q: str) -> list[search.Hit]:
    try:
        return search.search(q[:MAX_QUERY], limit=20)
    except search.SearchError:
        return []


def add_routes(bp: Blueprint) -> None:
    @bp.get("/search")
    async def search_page(request: Request) -> HTTPResponse:
        q = str(request.args.get("q") or "").strip()[:MAX_QUERY]
        hits = _search(q) if q else []
        if q:
            audit.log(request.ctx.staff, "search", q, f"{len(hits)} hits", sec.client_ip(request))
        return page(request, "search.html", q=q, hits=hits)

    @bp.get("/api/search")
    async def search_api(request: Request) -> HTTPResponse:
        q = str(request.args.get("q") or "").strip()[:MAX_QUERY]
        hits = _search(q) if q else []
        audit.log(request.ctx.staff, "search", q, f"{len(hits)} hits (api)", sec.client_ip(request))
        return response.json({"query": q, "hits": [h.as_dict() for h in hits]}, ensure_ascii=False)

    @bp.get("/signal/<sid:str>")
    async def signal_page(request: Request, sid: str) -> HTTPResponse:
        kb = load()
        if sid not in kb.signals:
            raise NotFound("没有这个信号")
        audit.log(request.ctx.staff, "view_signal", sid, ip=sec.client_ip(request))
        return page(request, "signal.html", s=kb.signals[sid], sid=sid)

    @bp.get("/fact/<fid:str>")
    async def fact_page(request: Request, fid: str) -> HTTPResponse:
        kb = load()
        if fid not in kb.facts:
            raise NotFound("没有这条知识")
        audit.log(request.ctx.staff, "view_fact", fid, ip=sec.client_ip(request))
        return page(request, "fact.html", f=kb.facts[fid], fid=fid)

    @bp.get("/explain")
    async def explain_form(request: Request) -> HTTPResponse:
        return page(request, "explain.html", text="", result=None)

    @bp.post("/explain")
    async def explain_submit(request: Request) -> HTTPResponse:
        text = str(request.form.get("text") or "")[:MAX_CASE_TEXT]
        result = explainer.explain(text) if text.strip() else None
        audit.log(request.ctx.staff, "explain", "", result.understood[:200] if result else "", sec.client_ip(request))
        return page(request, "explain.html", text=text, result=result, kb=load())

    @bp.post("/api/explain")
    async def explain_api(request: Request) -> HTTPResponse:
        body = request.json if isinstance(request.json, dict) else {}
        text = str(body.get("text") or "")[:MAX_CASE_TEXT]
        if not text.strip():
            return response.json({"error": "text required"}, status=400)
        result = explainer.explain(text)
        audit.log(request.ctx.staff, "explain", "", result.understood[:200] + " (api)", sec.client_ip(request))
        return response.json(
            {"payload": result.payload, "messages": result.messages, "truncated": result.truncated}, ensure_ascii=False
        )
