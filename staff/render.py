"""Pages from Jinja2 templates with autoescaping: applicant text never becomes markup."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

TEMPLATES = Path(__file__).resolve().parent / "templates"
KIND_LABELS = {"signal": "拒贷信号", "guidance": "应对建议", "fact": "知识"}
SEVERITY_LABELS = {"high": "高", "medium": "中", "low": "低"}
CHANNEL_LABELS = {"socketio": "网页", "rest": "接口", "wechat": "微信公众号", "wecom": "企业微信"}


def _time(value: float | None) -> str:
    return datetime.fromtimestamp(float(value)).strftime("%Y-%m-%d %H:%M") if value else ""


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "svg"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["time"] = _time
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": False}
    env.globals.update(kinds=KIND_LABELS, severities=SEVERITY_LABELS, channel_names=CHANNEL_LABELS)
    return env


def page(request: Request, template: str, status: int = 200, **values: Any) -> HTTPResponse:
    sess = getattr(request.ctx, "session", None)
    values.setdefault("staff", sess.username if sess else "")
    values.setdefault("csrf", sess.csrf if sess else "")
    values.setdefault("active", template.split(".")[0])
    html = environment().get_template(template).render(**values)
    return response.html(html, status=status)
