"""Case log filters, CSV export (masked, formula-safe) and the weekly figures."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from staff_client import Client

from loanwhy import cases, handoff, stats
from staff import caselog

MONDAY = date(2024, 5, 6)


def _at(day: date, hour: int = 10) -> float:
    return datetime(day.year, day.month, day.day, hour).timestamp()


@pytest.fixture()
def case_log(staff_env: Path, kb) -> Path:  # type: ignore[no-untyped-def]
    rows = [
        (MONDAY, ["card_overdraft", "frequent_inquiries"], "信用卡刷爆了，电话13812345678"),
        (MONDAY + timedelta(days=2), ["frequent_inquiries"], "申请了好多次 =cmd|' /C calc'!A0"),
        (MONDAY + timedelta(days=9), ["overdue_record"], "逾期了，身份证110101199003074518"),
        (MONDAY - timedelta(days=3), ["card_overdraft"], "卡多"),
    ]
    for _day, signals, said in rows:
        cases.record("user-1", "socketio", signals, {"diagnosis": {"principal": signals}}, said)
    db = sqlite3.connect(staff_env)
    ids = [r[0] for r in db.execute("select rowid from cases order by rowid")]
    for rowid, (day, _, _) in zip(ids, rows, strict=True):
        db.execute("update cases set created_at = ? where rowid = ?", (_at(day), rowid))
    db.commit()
    return staff_env


def test_filter_by_signal_is_exact(case_log: Path) -> None:
    assert len(caselog.rows("frequent_inquiries")) == 2
    assert len(caselog.rows("card_overdraft")) == 2
    assert caselog.rows("card") == []


def test_filter_by_dates_inclusive(case_log: Path) -> None:
    week = caselog.rows(since=MONDAY, until=MONDAY + timedelta(days=6))
    assert len(week) == 2 and week[0]["time"] > week[1]["time"]  # newest first
    assert len(caselog.rows(since=MONDAY + timedelta(days=2), until=MONDAY + timedelta(days=2))) == 1
    assert len(caselog.rows("card_overdraft", since=MONDAY)) == 1


def test_rows_are_masked_and_named(case_log: Path) -> None:
    everything = json.dumps(caselog.rows(), ensure_ascii=False)
    assert "13812345678" not in everything and "110101199003074518" not in everything
    row = caselog.rows("overdue_record")[0]
    assert row["signal_names"] == ["有逾期或不良记录"] and row["principal"] == ["overdue_record"]


def test_csv_export(case_log: Path) -> None:
    text = caselog.to_csv(caselog.rows())
    assert text.startswith("\ufeff")
    table = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r["signals"] for r in table][0] == "overdue_record" and len(table) == 4
    assert "13812345678" not in text and "110101199003074518" not in text and "[已隐藏]" in text
    assert all(not r["said"].startswith("=") for r in table)


def test_web_case_log_and_csv(logged_in: Client, case_log: Path) -> None:
    page = logged_in.get(
        "/staff/cases", params={"signal": "frequent_inquiries", "from": "2024-05-06", "to": "2024-05-12"}
    )
    assert page.status == 200 and page.text.count("<tr><td>2024-05-") == 2
    resp = logged_in.get("/staff/cases.csv", params={"signal": "overdue_record"})
    assert resp.status == 200 and resp.header("content-type").startswith("text/csv")
    assert "attachment" in resp.header("content-disposition")
    assert "overdue_record" in resp.text and "110101199003074518" not in resp.text
    assert logged_in.get("/staff/cases", params={"from": "2024-99-01"}).status == 400
    assert logged_in.get("/staff/cases.csv", params={"signal": "nope"}).status == 400


def _tracker(var: Path, rows: list[tuple[str, str, float, str | None]]) -> None:
    db = sqlite3.connect(var / "tracker.db")
    db.execute(
        "create table events (id integer primary key, sender_id text, type_name text, timestamp real, "
        "intent_name text, action_name text, data text)"
    )
    for sender, kind, at, intent in rows:
        db.execute(
            "insert into events (sender_id, type_name, timestamp, intent_name, data) values (?,?,?,?,?)",
            (sender, kind, at, intent, json.dumps({"event": kind, "text": "hi"})),
        )
    db.commit()


def test_weekly_figures(case_log: Path, tmp_path: Path) -> None:
    handoff.request("user-1", "人工", "socketio")
    db = sqlite3.connect(case_log)
    db.execute("update handoffs set created_at = ?", (_at(MONDAY + timedelta(days=1)),))
    db.executemany(  # the feedback table is the app migrations' (loanwhy/schema.py)
        "insert into feedback (conversation_id, message_id, rating, created_at) values (?, '0', ?, ?)",
        [
            ("a", "up", _at(MONDAY)),
            ("b", "up", (MONDAY + timedelta(days=1)).isoformat() + "T09:00:00"),
            ("c", "down", _at(MONDAY + timedelta(days=3))),
            ("d", "down", _at(MONDAY + timedelta(days=8))),
        ],
    )
    db.commit()
    _tracker(
        tmp_path / "var",
        [
            ("u1", "user", _at(MONDAY), "describe_situation"),
            ("u1", "user", _at(MONDAY), "nlu_fallback"),
            ("u2", "user", _at(MONDAY + timedelta(days=1)), "greet"),
            ("u2", "bot", _at(MONDAY + timedelta(days=1)), None),
            ("u3", "user", _at(MONDAY + timedelta(days=8)), "nlu_fallback"),
        ],
    )
    w = stats.weekly(MONDAY + timedelta(days=3))
    assert w.start == MONDAY and w.end == MONDAY + timedelta(days=6)
    assert w.diagnoses == 2 and w.top_signals[0] == ("frequent_inquiries", 2)
    assert [n for _, n in w.per_day] == [1, 0, 1, 0, 0, 0, 0]
    assert (w.thumbs_up, w.thumbs_down) == (2, 1)
    assert (w.conversations, w.user_messages, w.fallbacks) == (2, 3, 1)
    assert w.fallback_rate == pytest.approx(1 / 3)
    assert w.handoffs == 1 and w.handoffs_closed == 0


def test_weekly_figures_without_feedback_or_tracker(staff_env: Path) -> None:
    w = stats.weekly(MONDAY)
    assert w.diagnoses == 0 and w.thumbs_up is None and w.fallback_rate is None and w.conversations is None
    page_values = [n for _, n in w.per_day]
    assert page_values == [0] * 7
