"""What the assistant should show, read from its sources (never copied into the tests)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


@cache
def signal_name(signal_id: str) -> str:
    data = yaml.safe_load((ROOT / "knowledge" / "signals" / f"{signal_id}.yml").read_text("utf-8"))
    return str(data["name"])


@cache
def response_text(name: str) -> str:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text("utf-8"))
    return str(domain["responses"][name][0]["text"])
