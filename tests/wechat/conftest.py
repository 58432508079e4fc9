"""Fixtures for the WeChat channel tests: a fresh store per test, channels built from test settings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from wechat_harness import (
    AES_KEY,
    AGENT_ID,
    APPID,
    CORPID,
    TOKEN,
    WECOM_KEY,
    WECOM_TOKEN,
)

from channels.wechat.channel import WeChatConfig, WeChatInput
from channels.wechat.store import Store
from channels.wechat.wecom import WeComConfig, WeComInput


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "wechat.sqlite")


@pytest.fixture()
def wechat(store: Store) -> Callable[..., WeChatInput]:
    """Build a WeChatInput; keyword arguments override the test config (deadline_s too)."""

    def make(deadline_s: float = 1.0, **overrides: Any) -> WeChatInput:
        settings: dict[str, Any] = {"token": TOKEN, "appid": APPID, "aes_key": AES_KEY, **overrides}
        return WeChatInput(WeChatConfig(**settings), store, deadline_s=deadline_s)

    return make


@pytest.fixture()
def wecom(store: Store) -> Callable[..., WeComInput]:
    def make(deadline_s: float = 1.0, **overrides: Any) -> WeComInput:
        settings: dict[str, Any] = {
            "token": WECOM_TOKEN,
            "corpid": CORPID,
            "aes_key": WECOM_KEY,
            "agent_id": AGENT_ID,
            **overrides,
        }
        return WeComInput(WeComConfig(**settings), store, deadline_s=deadline_s)

    return make
