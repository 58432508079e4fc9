"""Rasa bot messages → the one text a WeChat reply can carry.

A passive reply is a single text message, so every bot message of a turn is
joined; buttons become a numbered list the user answers by typing the number
(WeChat text has no buttons, and the lexicon's `formats.numbered_button`
says how a numbered one reads); the diagnosis custom payload, which the web
widget draws as cards, becomes compact text unless the texts already carry
the report. No wording lives here: only the payload's own fields and
punctuation, so every sentence still comes from the domain or the catalog.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from loanwhy.diagnose import find_diagnosis
from loanwhy.kb import Knowledge, load

_NUMBER = re.compile(r"^\s*(\d{1,2})\s*[.。、)]?\s*$")


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Rendered:
    text: str
    buttons: list[Button] = field(default_factory=list)


def _signals(diag: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    signals = diag.get("signals")
    return [s for s in signals if isinstance(s, Mapping) and s.get("name")] if isinstance(signals, list) else []


def already_reported(diag: Mapping[str, Any], text: str) -> bool:
    """True when every signal's name already appears in the texts (the report was uttered)."""
    return all(str(s["name"]) in text for s in _signals(diag))


def diagnosis_text(diag: Mapping[str, Any]) -> str:
    """Compact text of the diagnosis: name and summary per signal, then its steps."""
    lines: list[str] = []
    for rank, s in enumerate(_signals(diag), start=1):
        summary = str(s.get("summary") or "").strip()
        lines.append(f"{rank}. {s['name']}" + (f"：{summary}" if summary else ""))
        for step in s.get("steps") or []:
            if not isinstance(step, Mapping) or not step.get("action"):
                continue
            horizon = str(step.get("horizon") or "").strip()
            lines.append(f"   · {step['action']}" + (f"（{horizon}）" if horizon else ""))
    return "\n".join(lines)


def _buttons(message: Mapping[str, Any]) -> list[Button]:
    out = []
    for b in message.get("buttons") or []:
        if isinstance(b, Mapping) and b.get("title"):
            out.append(Button(str(b["title"]), str(b.get("payload") or b["title"])))
    return out


def render(messages: Iterable[Mapping[str, Any]], kb: Knowledge | None = None) -> Rendered:
    """One text for a turn's bot messages, and the buttons it numbered (in order)."""
    numbered = (kb or load()).lexicon["formats"]["numbered_button"]
    blocks: list[str] = []
    buttons: list[Button] = []
    diagnoses: list[dict[str, Any]] = []
    for m in messages:
        lines = [
            str(m[k]).strip() for k in ("text", "image", "attachment") if isinstance(m.get(k), str) and m[k].strip()
        ]
        for b in _buttons(m):
            buttons.append(b)
            lines.append(numbered.format(n=len(buttons), title=b.title))
        if lines:
            blocks.append("\n".join(lines))
        diag = find_diagnosis(m.get("custom"))
        if diag is not None:
            diagnoses.append(diag)
    said = "\n".join(blocks)
    for diag in diagnoses:
        if not already_reported(diag, said):
            compact = diagnosis_text(diag)
            if compact:
                blocks.append(compact)
                said += "\n" + compact
    return Rendered("\n\n".join(blocks), buttons)


def choice_number(text: str) -> int | None:
    """The number in a reply that is only a number: '2', '２', ' 2. ', '②'."""
    m = _NUMBER.match(unicodedata.normalize("NFKC", text or ""))
    return int(m.group(1)) if m else None


def chosen_payload(text: str, buttons: list[Button]) -> str | None:
    """Payload of the button the user picked by number from the last list offered."""
    n = choice_number(text)
    if n is None or not 1 <= n <= len(buttons):
        return None
    return buttons[n - 1].payload
