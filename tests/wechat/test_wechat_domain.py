"""Every fixed text the WeChat channels say lives in domain.yml (no user-facing literals in the channel)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from channels.wechat import core

DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"
NAMES = [core.TEXT_ONLY, core.WELCOME, core.ANSWER_COMING, core.EMPTY, core.TRUNCATED, core.SERVER_ERROR]


@pytest.mark.parametrize("name", NAMES)
def test_response_exists_with_text(name: str) -> None:
    responses = yaml.safe_load(DOMAIN.read_text(encoding="utf-8")).get("responses", {})
    assert name in responses, f"add {name} to domain.yml"
    assert any(isinstance(v, dict) and v.get("text") for v in responses[name])
