"""Settings come from the environment; Rasa's registration puts the channels at the documented URLs."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from rasa.core.channels.channel import register  # type: ignore[import-untyped]
from sanic import Sanic

from channels.wechat.channel import DEFAULT_API_BASE, WeChatConfig, WeChatInput
from channels.wechat.wecom import WeComConfig, WeComInput


def test_wechat_config_from_env() -> None:
    env = {
        "WECHAT_TOKEN": " tok ",
        "WECHAT_APPID": "wxapp",
        "WECHAT_ENCODING_AES_KEY": "A" * 43,
        "WECHAT_ENCODING_AES_KEY_PREVIOUS": "B" * 43,
        "WECHAT_APPSECRET": "sec",
        "WECHAT_PASSIVE_ONLY": "true",
    }
    c = WeChatConfig.from_env(env)
    assert (c.token, c.appid, c.aes_key_previous, c.appsecret, c.passive_only) == (
        "tok",
        "wxapp",
        "B" * 43,
        "sec",
        True,
    )
    assert c.api_base == DEFAULT_API_BASE and c.problem() is None
    assert WeChatConfig.from_env({}).problem() == "WECHAT_TOKEN is not set"
    assert WeChatConfig.from_env({"WECHAT_TOKEN": "t", "WECHAT_ENCODING_AES_KEY": "A" * 43}).problem()


def test_invalid_key_fails_closed(tmp_path: Path) -> None:
    from channels.wechat.store import Store

    channel = WeChatInput(WeChatConfig(token="t", appid="wx", aes_key="too-short"), Store(tmp_path / "w.sqlite"))
    assert channel.problem and "invalid" in channel.problem


def test_wecom_config_from_env() -> None:
    c = WeComConfig.from_env({"WECOM_TOKEN": "t", "WECOM_CORPID": "ww1", "WECOM_ENCODING_AES_KEY": "A" * 43})
    assert c.problem() is None and c.api_base == "https://qyapi.weixin.qq.com"
    assert WeComConfig.from_env({}).problem() == "WECOM_TOKEN, WECOM_CORPID, WECOM_ENCODING_AES_KEY not set"


def test_registered_by_rasa_at_the_documented_urls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WECHAT_DB", str(tmp_path / "w.sqlite"))
    monkeypatch.setenv("WECHAT_TOKEN", "t")
    Sanic.test_mode = True
    app = Sanic(f"wechat_register_{uuid.uuid4().hex[:8]}", configure_logging=False)
    register([WeChatInput.from_credentials(None), WeComInput.from_credentials(None)], app, "/webhooks/")
    app.router.finalize()
    paths = {"/" + r.path.strip("/") for r in app.router.routes}
    assert {"/webhooks/wechat/webhook", "/webhooks/wecom/webhook"} <= paths
    Sanic._app_registry.pop(app.name, None)
