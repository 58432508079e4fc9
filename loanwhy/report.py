"""The diagnosis report: which responses, in which order, with which values.

`build()` is the one place that lays out a report. The bot's action sends its
utterances through Rasa (actions/diagnosis.py); the staff console and the staff
command line fill the same utterances with `loanwhy.responses` (staff/explain.py),
so neither can drift from the other. The values come from the knowledge base.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loanwhy import diagnose as dx
from loanwhy.kb import Knowledge, load

INTRO = "utter_report_intro"
SIGNAL = "utter_report_signal"
OTHERS = "utter_report_others"
NONE = "utter_report_none"
FINE = "utter_report_fine"
HONESTY = "utter_report_honesty"
FOLLOW_UP = "utter_report_followup"


@dataclass(frozen=True)
class Utterance:
    """One message of a reply: a domain response and the values that fill it, or a custom payload."""

    response: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    custom: dict[str, Any] | None = None


@dataclass(frozen=True)
class Report:
    utterances: list[Utterance]
    raised: list[str]  # every raised signal, ranked
    payload: dict[str, Any]  # the diagnosis contract (also one of the utterances)


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


def build(facts: dx.Facts, kb: Knowledge | None = None) -> Report:
    """The ranked report of a situation: principal reasons one by one, the others by name, what is
    fine, the honesty note, the diagnosis payload, and the follow-up hint when something was raised."""
    kb = kb or load()
    result = dx.diagnose(facts, kb)
    out: list[Utterance] = []
    if result.raised:
        out.append(Utterance(INTRO, {"count": len(result.principal)}))
        for rank, sid in enumerate(result.principal, start=1):
            out.append(Utterance(SIGNAL, signal_values(sid, rank, kb)))
        if result.secondary:
            out.append(Utterance(OTHERS, {"names": names(result.secondary, kb)}))
    else:
        out.append(Utterance(NONE))
    if result.fine:
        out.append(Utterance(FINE, {"names": names(result.fine, kb)}))
    out.append(Utterance(HONESTY))
    payload = result.payload()
    out.append(Utterance(custom=payload))
    if result.raised:
        out.append(Utterance(FOLLOW_UP))
    return Report(out, list(result.raised), payload)
