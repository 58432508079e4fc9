"""Explain a case exactly as the bot would: the same diagnosis payload and report messages.

The text goes through the channels' own input guard (clean-up, length cap,
masking), then the report is produced by the bot's own `send_report` on a collecting
dispatcher, and its response names are filled from the domain's templates, so
the staff page cannot drift from what applicants see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from channels import guard
from loanwhy import diagnose as dx
from loanwhy.kb import ROOT

DOMAIN = ROOT / "domain.yml"
_SLOT = re.compile(r"{([^\n{}]+?)}")


@dataclass(frozen=True)
class Explanation:
    payload: dict[str, Any]
    messages: list[str]
    raised: list[str]
    understood: str  # the text as the bot receives it (cleaned, capped, masked)
    truncated: bool


@lru_cache(maxsize=2)
def _responses(path: Path = DOMAIN) -> dict[str, list[dict[str, Any]]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return dict(data.get("responses") or {})


def _template(name: str) -> str:
    variants = _responses().get(name) or []
    plain = [v for v in variants if not v.get("channel") and not v.get("condition")] or variants
    return str(plain[0].get("text") or "") if plain else ""


def fill(template: str, values: dict[str, Any]) -> str:
    return _SLOT.sub(lambda m: str(values.get(m.group(1), m.group(0))), template)


def explain(text: str) -> Explanation:
    from rasa_sdk.executor import CollectingDispatcher

    from actions.diagnosis import send_report

    inbound = guard.inbound(text)
    facts = dx.findings_to_facts(inbound.text)
    dispatcher = CollectingDispatcher()
    raised = send_report(dispatcher, facts)
    payload: dict[str, Any] = {}
    messages: list[str] = []
    for message in dispatcher.messages:
        if message.get("custom"):
            payload = message["custom"]
        elif message.get("response"):
            filled = fill(_template(message["response"]), message)
            if filled:
                messages.append(filled)
        elif message.get("text"):
            messages.append(str(message["text"]))
    return Explanation(payload, messages, raised, inbound.text, inbound.truncated)
