"""Case log filters, CSV export (masked, formula-safe) and the weekly figures."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from datetime import date, datetime, timedelta
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

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


# --- pages and the channel filter (120 cases: every 4th by WeChat, even ones card_overdraft) ---

MANY = 120


@pytest.fixture()
def many_cases(staff_env: Path, kb) -> Path:  # type: ignore[no-untyped-def]
    for i in range(MANY):
        channel = "wechat" if i % 4 == 0 else "socketio"
        signal = "card_overdraft" if i % 2 == 0 else "frequent_inquiries"
        cases.record(f"user-{i}", channel, [signal], {}, f"第{i}号")
    db = sqlite3.connect(staff_env)
    db.execute("update cases set created_at = ? + rowid * 60", (_at(MONDAY, 9),))  # case i at 09:00 + i+1 minutes
    db.commit()
    return staff_env


def _said(html: str) -> list[str]:
    return re.findall(r'<td class="said">([^<]*)</td>', html)


def _link(html: str, rel: str) -> str | None:
    found = re.search(rf'rel="{rel}" href="([^"]+)"', html)
    return unescape(found.group(1)) if found else None


def test_count_is_the_database_count_of_the_filter(many_cases: Path) -> None:
    for kw in ({}, {"channel": "wechat"}, {"signal": "card_overdraft", "channel": "socketio"}, {"until": MONDAY}):
        assert caselog.count(**kw) == len(caselog.rows(limit=None, **kw))
    assert caselog.count(channel="wechat") == MANY // 4 and caselog.count(channel="rest") == 0


def test_pages_are_fifty_different_rows_newest_first(logged_in: Client, many_cases: Path) -> None:
    first = logged_in.get("/staff/cases")
    second = logged_in.get("/staff/cases", params={"page": "2"})
    third = logged_in.get("/staff/cases", params={"page": "3"})
    assert first.status == second.status == third.status == 200
    rows = [_said(p.text) for p in (first, second, third)]
    assert [len(r) for r in rows] == [50, 50, 20]
    assert rows[0][0] == f"第{MANY - 1}号" and rows[2][-1] == "第0号"  # newest first, across pages
    assert len(set(rows[0] + rows[1] + rows[2])) == MANY  # no row twice, none left out
    assert "共 120 条" in first.text and "第 2 / 3 页" in second.text
    assert _link(first.text, "prev") is None and _link(third.text, "next") is None


def test_page_links_keep_the_filters(logged_in: Client, many_cases: Path) -> None:
    filters = {"signal": "frequent_inquiries", "channel": "socketio", "from": "2024-05-06", "to": "2024-05-06"}
    first = logged_in.get("/staff/cases", params=filters)
    assert "共 60 条" in first.text  # the odd ones, none by WeChat
    link = _link(first.text, "next")
    assert link is not None
    assert parse_qs(urlsplit(link).query) == {**{k: [v] for k, v in filters.items()}, "page": ["2"]}
    second = logged_in.get(link)
    assert len(_said(second.text)) == 10 and not set(_said(second.text)) & set(_said(first.text))
    assert parse_qs(urlsplit(_link(second.text, "prev") or "").query) == {
        **{k: [v] for k, v in filters.items()},
        "page": ["1"],
    }
    csv_link = re.search(r'href="(/staff/cases\.csv[^"]*)"', first.text)
    assert csv_link and parse_qs(urlsplit(unescape(csv_link.group(1))).query) == {k: [v] for k, v in filters.items()}


def test_channel_filter(logged_in: Client, many_cases: Path) -> None:
    rows = caselog.rows(channel="wechat")
    assert len(rows) == MANY // 4 and {r["channel"] for r in rows} == {"wechat"}
    page = logged_in.get("/staff/cases", params={"channel": "wechat"})
    assert page.status == 200 and len(_said(page.text)) == MANY // 4
    assert page.text.count("<td>微信公众号</td>") == MANY // 4 and "<td>网页</td>" not in page.text
    assert '<option value="wechat" selected>' in page.text


@pytest.mark.parametrize(
    ("params", "status", "shown"),
    [
        ({"channel": "nope"}, 400, "没有这个渠道"),
        ({"channel": "staff_bridge"}, 400, "没有这个渠道"),  # a registered channel that records no cases
        ({"page": "abc"}, 400, "页码应是整数"),
        ({"page": "9" * 5000}, 400, "页码应是整数"),
        ({"page": "0"}, 200, "第 1 / 3 页"),
        ({"page": "-5"}, 200, "第 1 / 3 页"),
        ({"page": "999"}, 200, "第 3 / 3 页"),  # past the last: the last
        ({"page": "2", "channel": "wechat"}, 200, "第 1 / 1 页"),  # 30 rows: one page
    ],
)
def test_bad_page_and_channel_values(
    logged_in: Client, many_cases: Path, params: dict[str, str], status: int, shown: str
) -> None:
    resp = logged_in.get("/staff/cases", params=params)
    assert resp.status == status and shown in resp.text
    if status == 400:
        assert _said(resp.text) == []


def test_csv_exports_every_page_of_the_filter(logged_in: Client, many_cases: Path) -> None:
    def table(params: dict[str, str]) -> list[dict[str, str]]:
        resp = logged_in.get("/staff/cases.csv", params=params)
        assert resp.status == 200
        return list(csv.DictReader(io.StringIO(resp.text.lstrip("\ufeff"))))

    assert len(table({"page": "2"})) == MANY
    wechat = table({"channel": "wechat", "signal": "card_overdraft"})
    assert len(wechat) == MANY // 4 and {r["channel"] for r in wechat} == {"wechat"}
    assert len(table({"signal": "frequent_inquiries", "page": "3"})) == MANY // 2
    assert logged_in.get("/staff/cases.csv", params={"channel": "nope"}).status == 400


def test_page_of_moves_into_range() -> None:
    assert caselog.Page.of(1, 50, 0).pages == 1 and caselog.Page.of(4, 50, 0).number == 1
    assert (caselog.Page.of(3, 50, 101).number, caselog.Page.of(3, 50, 101).offset) == (3, 100)
    assert caselog.Page.of(9, 50, 100).number == 2 and caselog.Page.of(-1, 50, 100).number == 1
