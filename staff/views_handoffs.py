"""The handoff queue: see pending conversations, claim one, reply, hand it back to the bot."""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, response
from sanic.exceptions import NotFound
from sanic.request import Request
from sanic.response import HTTPResponse

from loanwhy import audit, handoff
from loanwhy.privacy import mask
from staff import rasa_client, transcript
from staff import security as sec
from staff.render import page

MAX_REPLY = 2000


def _find(hid: int) -> dict[str, Any]:
    for row in handoff.pending():
        if int(row["id"]) == hid:
            return {**row, "summary": mask(row.get("summary") or "")}
    raise NotFound("这个转人工请求不存在或已结束")


async def _send(request: Request, sender_id: str, text: str) -> rasa_client.Delivery:
    base = rasa_client.rasa_url(getattr(request.app.ctx, "rasa_url", None))
    return await rasa_client.send_reply(sender_id, text, request.ctx.staff, base=base)


def _back(hid: int, msg: str) -> HTTPResponse:
    return response.redirect(f"{sec.PREFIX}/handoffs/{hid}?msg={msg}")


def add_routes(bp: Blueprint) -> None:
    @bp.get("/handoffs")
    async def queue(request: Request) -> HTTPResponse:
        rows = [{**r, "summary": mask(r.get("summary") or "")} for r in handoff.pending()]
        audit.log(request.ctx.staff, "view_handoffs", "", f"{len(rows)} open", sec.client_ip(request))
        return page(request, "handoffs.html", rows=rows, msg=request.args.get("msg") or "")

    @bp.get("/api/handoffs")
    async def queue_api(request: Request) -> HTTPResponse:
        rows = [
            {k: r[k] for k in ("id", "status", "channel", "claimed_by", "created_at")}
            | {"summary": mask(r["summary"] or "")}
            for r in handoff.pending()
        ]
        return response.json({"handoffs": rows}, ensure_ascii=False)

    @bp.get("/handoffs/<hid:int>")
    async def detail(request: Request, hid: int) -> HTTPResponse:
        row = _find(hid)
        messages = transcript.read(row["sender_id"])
        audit.log(request.ctx.staff, "view_transcript", f"handoff {hid}", ip=sec.client_ip(request))
        return page(
            request,
            "handoff.html",
            h=row,
            messages=messages,
            msg=request.args.get("msg") or "",
            mine=row["status"] == handoff.CLAIMED and row["claimed_by"] == request.ctx.staff,
        )

    @bp.get("/api/handoffs/<hid:int>/transcript")
    async def transcript_api(request: Request, hid: int) -> HTTPResponse:
        row = _find(hid)
        return response.json(
            {
                "id": hid,
                "status": row["status"],
                "claimed_by": row["claimed_by"],
                "messages": transcript.read(row["sender_id"]),
            },
            ensure_ascii=False,
        )

    @bp.post("/handoffs/<hid:int>/claim")
    async def claim(request: Request, hid: int) -> HTTPResponse:
        row = _find(hid)
        mine = row["status"] == handoff.CLAIMED and row["claimed_by"] == request.ctx.staff
        if not mine and not handoff.claim(hid, request.ctx.staff):
            return _back(hid, "taken")  # someone else claimed it first (atomic update)
        audit.log(request.ctx.staff, "claim", f"handoff {hid}", ip=sec.client_ip(request))
        return _back(hid, "claimed")

    @bp.post("/handoffs/<hid:int>/reply")
    async def reply(request: Request, hid: int) -> HTTPResponse:
        row = _find(hid)
        if row["status"] != handoff.CLAIMED or row["claimed_by"] != request.ctx.staff:
            return _back(hid, "claim_first")
        text = str(request.form.get("text") or "").strip()[:MAX_REPLY]
        if not text:
            return _back(hid, "empty")
        result = await _send(request, row["sender_id"], text)
        audit.log(
            request.ctx.staff,
            "reply",
            f"handoff {hid}",
            ("sent" if result.ok else f"failed: {result.error}") + f" | {text[:200]}",
            sec.client_ip(request),
        )
        if not result.ok:
            return _back(hid, "send_failed")
        return _back(hid, "sent" if result.delivered else "stored")

    @bp.post("/handoffs/<hid:int>/release")
    async def release(request: Request, hid: int) -> HTTPResponse:
        row = _find(hid)
        if row["status"] == handoff.CLAIMED and row["claimed_by"] != request.ctx.staff:
            return _back(hid, "taken")
        closing = str(request.form.get("text") or "").strip()[:MAX_REPLY]
        if closing:
            result = await _send(request, row["sender_id"], closing)
            if not result.ok:
                audit.log(
                    request.ctx.staff, "reply", f"handoff {hid}", f"failed: {result.error}", sec.client_ip(request)
                )
                return _back(hid, "send_failed")
        handoff.set_status(hid, handoff.CLOSED, request.ctx.staff)
        audit.log(request.ctx.staff, "hand_back", f"handoff {hid}", closing[:200], sec.client_ip(request))
        return response.redirect(f"{sec.PREFIX}/handoffs?msg=released")
