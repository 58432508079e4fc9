"""The health channel sees what Rasa hides: memory fallback, an unwritable store, a dead action server."""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig
from sanic import Sanic

from channels import health


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def action_server(delay: float = 0.0) -> tuple[web.AppRunner, str]:
    async def ok(_: web.Request) -> web.Response:
        await asyncio.sleep(delay)
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_get("/health", ok)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}/webhook"


def agent(store: Any, action_url: str | None) -> SimpleNamespace:
    return SimpleNamespace(
        tracker_store=FailSafeTrackerStore(store),
        action_endpoint=EndpointConfig(action_url) if action_url else None,
        lock_store=None,
    )


@pytest.fixture()
def sql_store(tmp_path: Path) -> SQLTrackerStore:
    return SQLTrackerStore(Domain.empty(), db=str(tmp_path / "tracker.db"))


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_all_ok_is_200(tmp_path: Path, sql_store: SQLTrackerStore) -> None:
    async def go() -> tuple[int, dict[str, Any]]:
        runner, url = await action_server()
        try:
            return await health.report(agent(sql_store, url), tmp_path / "app.sqlite")
        finally:
            await runner.cleanup()

    code, body = run(go())
    assert code == 200 and body["status"] == "ok" and body["reasons"] == []
    assert body["tracker_store"] == {
        "kind": "SQLTrackerStore",
        "expected": "SQLTrackerStore",
        "fallback_used": False,
        "ok": True,
    }


def test_in_memory_tracker_store_is_reported(tmp_path: Path) -> None:
    # guards: the kind check (Rasa uses InMemoryTrackerStore when the configured store cannot be loaded)
    async def go() -> tuple[int, dict[str, Any]]:
        runner, url = await action_server()
        try:
            return await health.report(agent(InMemoryTrackerStore(Domain.empty()), url), tmp_path / "a.sqlite")
        finally:
            await runner.cleanup()

    code, body = run(go())
    assert code == 503 and body["reasons"] == ["tracker store is InMemoryTrackerStore, not SQLTrackerStore"]


def test_fallback_after_a_failed_save_is_reported(tmp_path: Path, sql_store: SQLTrackerStore) -> None:
    # guards: the fallback_used check (one failed save keeps that conversation in memory only)
    a = agent(sql_store, None)
    _ = a.tracker_store.fallback_tracker_store  # what FailSafeTrackerStore.save does after an error
    code, body = run(health.report(a, tmp_path / "app.sqlite"))
    assert code == 503 and body["tracker_store"]["fallback_used"] is True


def test_unwritable_tracker_database_is_reported(
    tmp_path: Path, sql_store: SQLTrackerStore, caplog: pytest.LogCaptureFixture
) -> None:
    # guards: the write round trip (the store object is fine, its file is not)
    db = tmp_path / "tracker.db"
    db.unlink()
    db.mkdir()  # unwritable even for root
    with caplog.at_level(logging.ERROR, logger="channels.health"):
        code, body = run(health.report(agent(sql_store, None), tmp_path / "app.sqlite"))
    assert code == 503 and "tracker store does not take a write" in body["reasons"]
    assert str(db) not in str(body)  # details only in the log
    assert any("tracker_store failed" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("delay", [None, 3.0])
def test_dead_or_slow_action_server_is_reported_within_a_second(
    tmp_path: Path, sql_store: SQLTrackerStore, delay: float | None
) -> None:
    # guards: the 1 s action server check
    async def go() -> tuple[int, dict[str, Any], float]:
        runner, url = await action_server(delay or 0.0)
        if delay is None:
            await runner.cleanup()
        started = time.monotonic()
        code, body = await health.report(agent(sql_store, url), tmp_path / "app.sqlite")
        took = time.monotonic() - started
        if delay is not None:
            await runner.cleanup()
        return code, body, took

    code, body, took = run(go())
    assert code == 503 and body["action_server"] == {"ok": False} and took < 2.0
    assert body["reasons"] == ["action server not reachable"]


def test_unwritable_app_database_is_reported(tmp_path: Path, sql_store: SQLTrackerStore) -> None:
    # guards: the app database check
    bad = tmp_path / "app-dir"
    bad.mkdir()

    async def go() -> tuple[int, dict[str, Any]]:
        runner, url = await action_server()
        try:
            return await health.report(agent(sql_store, url), bad)
        finally:
            await runner.cleanup()

    code, body = run(go())
    assert code == 503 and body["reasons"] == ["app database does not take a write"]


def test_no_model_loaded() -> None:
    assert run(health.report(None))[0] == 503


def test_action_health_url() -> None:
    assert (
        health.action_health_url(SimpleNamespace(action_endpoint=EndpointConfig("http://h:1/webhook")))
        == "http://h:1/health"
    )
    assert health.action_health_url(SimpleNamespace(action_endpoint=None)) is None


def test_channel_serves_both_routes_over_http(
    tmp_path: Path, sql_store: SQLTrackerStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOANWHY_APP_DB", str(tmp_path / "app.sqlite"))

    async def go() -> list[tuple[int, str]]:
        runner, url = await action_server()
        app = Sanic(f"health_test_{time.time_ns()}")
        app.ctx.agent = agent(sql_store, url)
        app.blueprint(health.HealthInput().blueprint(lambda m: asyncio.sleep(0)), url_prefix="/webhooks/health")
        port = free_port()
        server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
        assert server is not None
        await server.startup()
        try:
            out = []
            async with aiohttp.ClientSession() as s:
                for path in ("/webhooks/health/", "/webhooks/health/status"):
                    async with s.get(f"http://127.0.0.1:{port}{path}") as resp:
                        out.append((resp.status, (await resp.json())["status"]))
                await runner.cleanup()
                async with s.get(f"http://127.0.0.1:{port}/webhooks/health/status") as resp:
                    out.append((resp.status, (await resp.json())["status"]))
            return out
        finally:
            server.close()
            await server.wait_closed()

    assert run(go()) == [(200, "ok"), (200, "ok"), (503, "fail")]


def test_probe_leaves_no_rows(tmp_path: Path, sql_store: SQLTrackerStore) -> None:
    """The probe writes only its own _probe table and leaves it empty."""
    import sqlite3

    run(health.report(agent(sql_store, None), tmp_path / "app.sqlite"))
    shutil.copy(tmp_path / "tracker.db", tmp_path / "copy.db")
    con = sqlite3.connect(tmp_path / "copy.db")
    assert con.execute("select count(*) from _probe").fetchone()[0] == 0
    assert con.execute("select count(*) from events").fetchone()[0] == 0
