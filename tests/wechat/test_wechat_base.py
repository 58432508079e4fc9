"""What both channels get from channels/wechat/base.py: settings helpers, failing closed, one route shape."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

import pytest
from rasa.core.channels.channel import register  # type: ignore[import-untyped]
from sanic import Sanic

from channels.wechat.base import flag, setting
from channels.wechat.channel import WeChatInput
from channels.wechat.store import Store
from channels.wechat.wecom import WeComConfig, WeComInput


@pytest.mark.parametrize(
    ("value", "on"),
    [("1", True), (" TRUE ", True), ("yes", True), ("on", True), ("0", False), ("", False), ("no", False)],
)
def test_flag(value: str, on: bool) -> None:
    assert flag({"X": value}, "X") is on
    assert flag({}, "X") is False


def test_setting_strips_and_falls_back() -> None:
    assert setting({"X": "  v "}, "X") == "v"
    assert setting({"X": "   "}, "X", "default") == "default"
    assert setting({}, "X") == ""


def test_wecom_invalid_key_fails_closed(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    channel = WeComInput(WeComConfig(token="t", corpid="ww1", aes_key="too-short"), store)
    assert channel.problem and channel.problem.startswith("WECOM_ENCODING_AES_KEY is invalid")
    assert channel.crypto is None
    assert any(r.name == "channels.wechat.wecom" and "refuses every request" in r.getMessage() for r in caplog.records)


def test_push_quotas_and_passive_mode_per_platform(
    wechat: Callable[..., WeChatInput], wecom: Callable[..., WeComInput]
) -> None:
    official, corp = wechat(), wecom()
    assert (official.engine.message_window, official.engine.event_window) == ((48 * 3600.0, 5), (60.0, 3))
    assert corp.engine.message_window == corp.engine.event_window == (60.0, 30)
    assert official.engine.passive_only and corp.engine.passive_only  # no API secret in the test settings
    assert wechat(appsecret="s").engine.passive_only is False
    assert wechat(appsecret="s", passive_only=True).engine.passive_only is True
    assert wecom(secret="s").engine.passive_only is False


def test_both_channels_have_the_same_routes(
    wechat: Callable[..., WeChatInput], wecom: Callable[..., WeComInput]
) -> None:
    Sanic.test_mode = True
    app = Sanic(f"wechat_routes_{uuid.uuid4().hex[:8]}", configure_logging=False)
    register([wechat(), wecom()], app, "/webhooks/")
    app.router.finalize()
    routes = {("/" + r.path.strip("/"), tuple(sorted(r.methods))) for r in app.router.routes}
    for name in ("wechat", "wecom"):
        assert (f"/webhooks/{name}", ("GET",)) in routes
        assert (f"/webhooks/{name}/webhook", ("GET", "POST")) in routes
    Sanic._app_registry.pop(app.name, None)
