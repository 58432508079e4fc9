"""The domain's responses outside Rasa: filled as Rasa fills them, shown as the channels show them.

Reply texts live in domain.yml only. Rasa fills them in the Rasa server; whatever
else must show a reply (the staff console and command line) fills them here, with
the same rule as Rasa 3.6 (`rasa.core.nlg.interpolator.interpolate_text`), and
converts them with `as_seen`, which the channels' output guard uses too
(channels/guard.py): personal numbers masked, Traditional characters for a user
who wrote Traditional.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from loanwhy.normalize import to_traditional
from loanwhy.paths import ROOT
from loanwhy.privacy import mask

DOMAIN = ROOT / "domain.yml"
_PLACEHOLDER = re.compile(r"{([^\n{}]+?)}")


@lru_cache(maxsize=2)
def _responses(path: Path) -> dict[str, list[dict[str, Any]]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return dict(data.get("responses") or {})


def template(name: str, channel: str | None = None, path: Path = DOMAIN) -> str:
    """The text of a response as Rasa picks it without conditions: the variants for `channel` if
    it has any, else the ones for every channel; the first of several (Rasa picks one at random)."""
    variants = [v for v in _responses(path).get(name) or [] if not v.get("condition")]
    own = [v for v in variants if channel and v.get("channel") == channel]
    chosen = own or [v for v in variants if not v.get("channel")]
    return str(chosen[0].get("text") or "") if chosen else ""


def interpolate(text: str, values: dict[str, Any]) -> str:
    """Rasa's rule: every `{name}` from `values`; a missing one leaves the text unfilled."""
    try:
        filled = _PLACEHOLDER.sub(r"{0[\1]}", text).format(values)
        return text.format({}) if "0[" in filled else filled
    except (KeyError, IndexError, ValueError):
        return text


def as_seen(text: str, traditional: bool) -> str:
    """Bot text as the user should see it: never a personal number, Traditional if they wrote so."""
    text = mask(text)
    return to_traditional(text) if traditional else text


def render(
    name: str, values: dict[str, Any] | None = None, traditional: bool = False, channel: str | None = None
) -> str:
    """A response as the user would read it; "" for a response with no text."""
    text = template(name, channel)
    return as_seen(interpolate(text, values or {}), traditional) if text else ""
