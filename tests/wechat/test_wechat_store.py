"""The channel's SQLite memory: dedupe, buttons, held answers, tokens, quota, deletion marks."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest

from channels.wechat.render import Button
from channels.wechat.store import STALE_PROCESSING_S, Store, default_path


def test_path_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WECHAT_DB", str(tmp_path / "x.sqlite"))
    assert default_path() == tmp_path / "x.sqlite"
    monkeypatch.delenv("WECHAT_DB")
    monkeypatch.setenv("LOANWHY_VAR", str(tmp_path))
    assert default_path() == tmp_path / "wechat.sqlite"


def test_nothing_is_opened_until_used(tmp_path: Path) -> None:
    Store(tmp_path / "sub" / "w.sqlite")
    assert not (tmp_path / "sub").exists()


def test_wal_and_busy_timeout(tmp_path: Path) -> None:
    store = Store(tmp_path / "w.sqlite")
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_claim_shares_in_process_and_remembers_answers(tmp_path: Path) -> None:
    async def scenario() -> None:
        store = Store(tmp_path / "w.sqlite")
        first = store.claim("id:1", "wechat:o1")
        again = store.claim("id:1", "wechat:o1")
        assert first.state == "new" and again.state == "inflight" and again.pending is first.pending
        store.settle("id:1", "passive", "答复")
        assert store.claim("id:1", "wechat:o1").state == "answered"
        assert store.claim("id:1", "wechat:o1").reply == "答复"
        # another process (a second Store on the same file) sees the answered key too
        other = Store(tmp_path / "w.sqlite")
        assert other.claim("id:1", "wechat:o1").reply == "答复"
        # ... and sees a key still being processed elsewhere as 'elsewhere', until it goes stale
        store.claim("id:2", "wechat:o1")
        assert other.claim("id:2", "wechat:o1").state == "elsewhere"
        late = other.claim("id:2", "wechat:o1", now=time.time() + STALE_PROCESSING_S + 1)
        assert late.state == "new"

    asyncio.run(scenario())


def test_buttons_replaced_and_cleared(tmp_path: Path) -> None:
    store = Store(tmp_path / "w.sqlite")
    store.set_buttons("wechat:o1", [Button("甲", "a"), Button("乙", "b")])
    assert store.buttons("wechat:o1") == [Button("甲", "a"), Button("乙", "b")]
    assert store.buttons("wechat:o2") == []
    store.set_buttons("wechat:o1", [])
    assert store.buttons("wechat:o1") == []


def test_held_answers_handed_out_once_in_order(tmp_path: Path) -> None:
    store = Store(tmp_path / "w.sqlite")
    store.hold("wechat:o1", "一")
    store.hold("wechat:o1", "二")
    store.hold("wechat:o2", "别人的")
    assert store.take_held("wechat:o1") == ["一", "二"]
    assert store.take_held("wechat:o1") == []
    assert store.take_held("wechat:o2") == ["别人的"]


def test_token_cache_expires(tmp_path: Path) -> None:
    store = Store(tmp_path / "w.sqlite")
    store.put_token("t", "TOKEN", expires_at=1000.0)
    assert store.token("t", now=999.0) == "TOKEN"
    assert store.token("t", now=1001.0) is None
    store.drop_token("t")
    assert store.token("t", now=0.0) is None


def test_quota_window(tmp_path: Path) -> None:
    store = Store(tmp_path / "w.sqlite")
    assert store.allowance("wechat:o1") == 0  # never wrote to us: no pushes at all
    store.open_window("wechat:o1", 48 * 3600, 5, now=0.0)
    store.count_sent("wechat:o1", 4)
    assert store.allowance("wechat:o1", now=10.0) == 1
    store.count_sent("wechat:o1", 1)
    assert store.allowance("wechat:o1", now=10.0) == 0
    store.open_window("wechat:o1", 48 * 3600, 5, now=20.0)  # a new message opens a new window
    assert store.allowance("wechat:o1", now=21.0) == 5
    assert store.allowance("wechat:o1", now=20.0 + 48 * 3600 + 1) == 0


def test_unsubscribe_forgets_user_and_marks_for_deletion(tmp_path: Path) -> None:
    store = Store(tmp_path / "w.sqlite")
    store.hold("wechat:o1", "held")
    store.set_buttons("wechat:o1", [Button("甲", "a")])
    store.open_window("wechat:o1", 60, 3)
    store.hold("wechat:o2", "keep")
    store.mark_for_deletion("wechat", "wechat:o1", "o1")
    assert store.take_held("wechat:o1") == [] and store.buttons("wechat:o1") == []
    assert store.allowance("wechat:o1") == 0
    assert store.take_held("wechat:o2") == ["keep"]
    marks = store.deletion_marks()
    assert [(m["user"], m["channel"]) for m in marks] == [("o1", "wechat")]
    # the mark is plain SQLite, readable by a retention job without this module
    with sqlite3.connect(tmp_path / "w.sqlite") as conn:
        assert conn.execute("SELECT user FROM deletion_marks").fetchall() == [("o1",)]


def test_an_answered_key_is_never_handed_to_another_user(tmp_path: Path) -> None:
    async def go() -> None:
        store = Store(tmp_path / "w.sqlite")
        store.claim("id:9", "wechat:victim")
        store.settle("id:9", "passive", "只给本人的答复")
        claim = store.claim("id:9", "wechat:someone-else")
        assert claim.reply is None and claim.state != "answered"

    asyncio.run(go())
