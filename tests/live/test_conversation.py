"""Whole conversations over the REST webhook against the running assistant."""

from __future__ import annotations

import sqlite3

from loanwhy import report
from loanwhy.diagnose import find_diagnosis
from loanwhy.kb import Knowledge
from tests.live.conftest import Live, signal_ids


def texts(replies: list[dict]) -> str:  # type: ignore[type-arg]
    return "\n".join(r.get("text") or "" for r in replies)


def test_free_text_situation_gets_a_ranked_diagnosis(live: Live, sender: str) -> None:
    replies = live.say(sender, "我贷款被拒了，这两个月申请了十几次，信用卡额度5万欠了4万8，没有逾期")
    ids = signal_ids(replies)
    assert ids is not None and set(ids) == {"frequent_inquiries", "card_overdraft"}
    assert "overdue_record" in find_diagnosis([r.get("custom") for r in replies])["checked_fine"]  # type: ignore[index]


def test_self_check_with_buttons_free_text_and_stop(live: Live, sender: str) -> None:
    first = live.say(sender, "我的贷款被拒了，不知道为什么")
    assert [b for r in first for b in r.get("buttons") or []], "the first self-check question offers answer buttons"
    second = live.say(sender, "十几次吧，信用卡也刷爆了")  # free text answering the credit topic and adding a signal
    assert "信用卡长期大额透支" in texts(second)  # acknowledged in one line
    buttons = [b for r in second for b in r.get("buttons") or []]
    assert buttons, "the next topic, with its own buttons"
    live.say(sender, buttons[-1]["payload"])  # a button answer ("不清楚")
    ids = signal_ids(live.say(sender, "直接告诉我结果"))
    assert ids is not None and {"frequent_inquiries", "card_overdraft"} <= set(ids)


def test_what_if_and_how_long_follow_ups(live: Live, sender: str, kb: Knowledge) -> None:
    live.say(sender, "我信用卡额度5万，现在欠了4万8，上个月还被拒贷了")
    what_if = live.say(sender, "如果我把信用卡还到一半呢？")
    diagnosis = find_diagnosis([r.get("custom") for r in what_if])
    assert diagnosis is not None and "card_overdraft" not in [s["id"] for s in diagnosis["signals"]]
    # how long is about the report given (the what-if changed nothing): the card signal and its horizons
    card = report.signal_values("card_overdraft", kb=kb)
    assert f"{card['name']}：{card['horizons']}" in texts(live.say(sender, "要等多久才能再申请？"))


def test_traditional_writer_gets_traditional_reply_and_same_payload(live: Live, sender: str) -> None:
    replies = live.say(sender, "我的信用卡全部刷爆了，貸款申請被拒絕")
    assert signal_ids(replies) == ["card_overdraft"]
    assert "據" in texts(replies) or "議" in texts(replies)


def test_personal_numbers_never_reach_storage_or_replies(live: Live, sender: str) -> None:
    replies = live.say(sender, "我身份证110101199003071234，手机１３８００１３８０００，帮我看看为什么被拒")
    assert "110101199003071234" not in texts(replies) and "13800138000" not in texts(replies)
    con = sqlite3.connect(live.var / "tracker.db")
    rows = con.execute("select data from events where sender_id = ?", (f"rest:{sender}",))  # REST's namespace
    stored = " ".join(row[0] for row in rows)
    con.close()
    assert stored and "110101199003071234" not in stored and "13800138000" not in stored


def test_conversation_survives_a_restart(live: Live, sender: str) -> None:
    live.say(sender, "我给朋友做了担保")
    live.restart("rasa", "actions")
    ids = signal_ids(live.say(sender, "另外我这两个月查了十几次征信"))
    assert ids is not None and {"external_guarantee", "frequent_inquiries"} <= set(ids)
