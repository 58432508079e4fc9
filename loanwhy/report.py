"""Values that fill the domain's report templates, built from the knowledge base."""

from __future__ import annotations

from typing import Any

from loanwhy.kb import Knowledge, load


def _fmt(kb: Knowledge) -> dict[str, str]:
    return dict(kb.lexicon["formats"])


def names(ids: list[str], kb: Knowledge | None = None) -> str:
    kb = kb or load()
    return _fmt(kb)["separator"].join(kb.signals[i]["name"] for i in ids)


def steps_text(sid: str, kb: Knowledge | None = None) -> str:
    kb = kb or load()
    fmt = _fmt(kb)["step"]
    return "\n".join(fmt.format(**step) for step in kb.signals[sid]["steps"])


def horizons_text(sid: str, kb: Knowledge | None = None) -> str:
    kb = kb or load()
    fmt = _fmt(kb)["horizon"]
    return _fmt(kb)["horizon_separator"].join(fmt.format(**step) for step in kb.signals[sid]["steps"])


def signal_values(sid: str, rank: int = 0, kb: Knowledge | None = None) -> dict[str, Any]:
    """Everything a template about one signal may use."""
    kb = kb or load()
    s = kb.signals[sid]
    return {
        "rank": rank,
        "name": s["name"],
        "summary": s["summary"],
        "why": " ".join(str(s["why"]).split()),
        "steps": steps_text(sid, kb),
        "horizons": horizons_text(sid, kb),
        "severity": s["severity"],
    }
