"""Explain a case exactly as the bot would: the same diagnosis payload and report messages.

The text goes through the channels' own input guard (clean-up, length cap,
masking), the report is laid out by `loanwhy.report.build` (as the bot's action
lays it out) and filled from the domain's templates by `loanwhy.responses`, in
Traditional characters for a text written so, as the channels send it. Nothing
of the action server is imported: the staff console runs apart from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from channels import guard
from loanwhy import diagnose as dx
from loanwhy import report, responses


@dataclass(frozen=True)
class Explanation:
    payload: dict[str, Any]  # the diagnosis contract as the bot computes it (ids and names, not converted)
    messages: list[str]  # the report's texts as the applicant would read them
    raised: list[str]
    understood: str  # the text as the bot receives it (cleaned, capped, masked)
    truncated: bool


def explain(text: str) -> Explanation:
    inbound = guard.inbound(text)
    built = report.build(dx.findings_to_facts(inbound.text))
    messages = [
        responses.render(u.response, u.values, traditional=inbound.traditional)
        for u in built.utterances
        if u.custom is None
    ]
    return Explanation(built.payload, [m for m in messages if m], built.raised, inbound.text, inbound.truncated)
