"""Actions through run() on tracker fixtures: events and response names, never wording."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.diagnosis import (
    ActionAnalyseMessage,
    ActionDiagnose,
    ActionExplainSignal,
    ActionExplainWhy,
    ActionHowLong,
    ActionWhatIf,
)
from actions.fallback import ActionOutOfScope, ActionSuggest
from actions.faq import ActionAnswerFact
from actions.handoff import ActionHandoff
from actions.selfcheck import ASK_ACTIONS, ValidateSelfcheckForm
from actions.welcome import ActionGreet, ActionHelp
from loanwhy import diagnose as dx
from loanwhy import handoff, scope
from loanwhy.detect import prepare
from loanwhy.kb import Knowledge, load

EARLIER = [{"event": "user", "text": "您好"}, {"event": "user", "text": "我想问问"}]


def tracker(
    text: str = "",
    intent: str = "describe_situation",
    slots: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    ranking: list[dict[str, Any]] | None = None,
    first: bool = False,
) -> Tracker:
    """The latest message's `text` and scope flag as NLU leaves them (nlu/normalizer.py, nlu/relevance.py);
    the events keep what was typed. Unless `first`, two messages were typed before this one (the
    start of a conversation has replies of its own: actions/welcome.py)."""
    said = prepare(text) if text else text
    nlu = {"text": said, scope.OFF_TOPIC: scope.off_topic(said, load().domain_words)}
    return Tracker(
        sender_id="test-user",
        slots=slots or {},
        latest_message={**nlu, "intent": {"name": intent, "confidence": 0.9}, "intent_ranking": ranking or []},
        events=([] if first else EARLIER) + (events or []),
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run(action: Any, t: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return dispatcher.messages, events


def responses(messages: list[dict[str, Any]]) -> list[str]:
    return [m["response"] for m in messages if m.get("response")]


def payload(messages: list[dict[str, Any]]) -> dict[str, Any]:
    return next(m["custom"] for m in messages if m.get("custom"))


def slot(events: list[Any], name: str) -> Any:
    return next(e["value"] for e in events if e.get("event") == "slot" and e.get("name") == name)


def test_analyse_merges_facts_and_flags_known(kb: Knowledge) -> None:
    _, events = run(ActionAnalyseMessage(), tracker("信用卡刷爆了，最近两个月查了十几次征信"))
    facts = slot(events, "facts")
    assert facts["card_overdraft"]["state"] == "raised"
    assert slot(events, "situation_known") is True


@pytest.mark.parametrize(
    ("earlier", "text", "state"),
    [
        ("信用卡逾期过一次", "不过那是2015年的事了，早还了", "fine"),
        ("我给朋友做了担保", "不过去年已经解除了", "fine"),
        ("我炒股", "不是，是我老婆，我没碰", "fine"),
        ("申请了12万的信用贷", "哦不对，后来我改成8万重新提交的", "fine"),
        ("我去年拿了三十来万在炒股", "不过今年初就全部清仓了，专心开店了", "fine"),
        ("我给朋友做了担保", "没有了", "raised"),  # a bare "no" answers a question, it takes nothing back
        ("我给朋友做了担保", "我本人从来没逾期过", "raised"),  # a new topic of its own
    ],
)
def test_a_later_message_may_take_back_an_earlier_problem(kb: Knowledge, earlier: str, text: str, state: str) -> None:
    stored = dx.findings_to_facts(earlier, kb)
    sid = next(iter(stored))
    assert stored[sid]["state"] == "raised"
    _, events = run(ActionAnalyseMessage(), tracker(text, slots={"facts": stored}))
    assert slot(events, "facts")[sid]["state"] == state


@pytest.mark.parametrize(("text", "state"), [("后来没用他，换成我舅舅了", "fine"), ("直接说结果吧", "raised")])
def test_a_take_back_reads_the_sentence_of_the_earlier_message(kb: Knowledge, text: str, state: str) -> None:
    # the clause "他被法院列为失信人了" says nothing of a guarantor on its own: its sentence does
    earlier = "担保人是我同学，他被法院列为失信人了"
    stored = dx.findings_to_facts(earlier, kb)
    assert stored["weak_guarantor"]["state"] == "raised"
    said = [{"event": "user", "text": earlier}, {"event": "user", "text": text}]
    _, events = run(ActionAnalyseMessage(), tracker(text, slots={"facts": stored}, events=said))
    assert slot(events, "facts")["weak_guarantor"]["state"] == state


def test_analyse_without_facts_asks(kb: Knowledge) -> None:
    _, events = run(ActionAnalyseMessage(), tracker("我的贷款被拒了", intent="ask_refusal_reason"))
    assert slot(events, "situation_known") is False


def test_diagnose_report_order_and_payload(kb: Knowledge) -> None:
    facts = dx.findings_to_facts("炒股亏了，有逾期，没给别人担保", kb)
    messages, events = run(ActionDiagnose(), tracker(slots={"facts": facts}))
    names = responses(messages)
    assert names[0] == "utter_report_intro"
    assert names.count("utter_report_signal") == 2
    assert "utter_report_fine" in names and "utter_report_honesty" in names
    ids = [s["id"] for s in payload(messages)["diagnosis"]["signals"]]
    assert ids == ["overdue_record", "stock_speculation"]
    assert slot(events, "last_report") == ids


def test_lender_wording_with_a_situation_is_explained_before_the_reasons(kb: Knowledge) -> None:
    text = "资质不符，我信用卡都刷爆了"
    messages, _ = run(ActionDiagnose(), tracker(text, slots={"facts": dx.findings_to_facts(text, kb)}))
    names = responses(messages)
    assert names[:2] == ["utter_lender_wording_found", "utter_report_intro"]
    plain, _ = run(ActionDiagnose(), tracker("我信用卡都刷爆了", slots={"facts": dx.findings_to_facts(text, kb)}))
    assert "utter_lender_wording_found" not in responses(plain)


def test_diagnose_nothing_found_says_so(kb: Knowledge) -> None:
    messages, _ = run(ActionDiagnose(), tracker(slots={"facts": {}}))
    assert "utter_report_none" in responses(messages)
    assert payload(messages)["diagnosis"]["signals"] == []


def test_report_limits_principal_reasons(kb: Knowledge) -> None:
    facts = dx.findings_to_facts("有逾期，信用卡刷爆了，网贷借了六个，给朋友担保了，流水少了一半", kb)
    messages, _ = run(ActionDiagnose(), tracker(slots={"facts": facts}))
    assert responses(messages).count("utter_report_signal") == 3
    assert "utter_report_others" in responses(messages)


def test_what_if_paying_down_card_resolves_it(kb: Knowledge) -> None:
    facts = dx.findings_to_facts("额度5万欠了4万8", kb)
    messages, _ = run(ActionWhatIf(), tracker("如果我把信用卡还到一半呢", intent="what_if", slots={"facts": facts}))
    assert "utter_whatif_resolved" in responses(messages)
    assert payload(messages)["what_if"]["resolved"] == ["card_overdraft"]


def test_what_if_not_understood(kb: Knowledge) -> None:
    facts = dx.findings_to_facts("信用卡刷爆了", kb)
    messages, _ = run(ActionWhatIf(), tracker("如果明天下雨呢", intent="what_if", slots={"facts": facts}))
    assert responses(messages) == ["utter_whatif_unclear"]


def test_what_if_without_facts_asks_for_them(kb: Knowledge) -> None:
    messages, _ = run(ActionWhatIf(), tracker("如果我把网贷还清呢", intent="what_if", slots={"facts": {}}))
    assert responses(messages) == ["utter_whatif_no_facts"]


def test_how_long_uses_last_report(kb: Knowledge) -> None:
    messages, _ = run(
        ActionHowLong(), tracker("要等多久", intent="ask_how_long", slots={"last_report": ["frequent_inquiries"]})
    )
    assert responses(messages) == ["utter_how_long"]
    assert "3-6" in messages[0]["horizons"]


@pytest.mark.parametrize(("action", "each"), [(ActionHowLong(), "utter_how_long"), (ActionExplainWhy(), "utter_why")])
def test_follow_ups_speak_of_each_signal_of_the_last_report(kb: Knowledge, action: Any, each: str) -> None:
    last = ["frequent_inquiries", "card_overdraft"]
    messages, events = run(action, tracker("为什么", intent="ask_why_matters", slots={"last_report": last}))
    assert responses(messages) == [each, each] and events == []
    assert [m["name"] for m in messages] == [kb.signals[sid]["name"] for sid in last]


@pytest.mark.parametrize(
    ("action", "none"), [(ActionHowLong(), "utter_how_long_none"), (ActionExplainWhy(), "utter_why_none")]
)
def test_follow_up_without_report(kb: Knowledge, action: Any, none: str) -> None:
    bare, _ = run(action, tracker("要等多久？", intent="ask_how_long"))
    assert responses(bare) == [none]
    in_domain, _ = run(action, tracker("被拒以后要等多久才能再申请贷款", intent="ask_how_long"))
    assert responses(in_domain) == [none]
    other_topic, _ = run(action, tracker("我家的猫做完手术要等多长时间才能好起来", intent="ask_how_long"))
    assert responses(other_topic) == ["utter_out_of_scope"]


def test_explain_signal_from_catalog(kb: Knowledge) -> None:
    messages, _ = run(ActionExplainSignal(), tracker("对外担保会影响贷款吗", intent="ask_signal_info"))
    assert responses(messages)[0] == "utter_signal_info"
    assert messages[0]["name"] == kb.signals["external_guarantee"]["name"]
    # a question naming a signal by a cue word is about that signal, not out of scope
    asked, _ = run(ActionExplainSignal(), tracker("高危行业指的是哪些", intent="ask_signal_info"))
    assert asked[0]["name"] == kb.signals["high_risk_industry"]["name"]


@pytest.mark.parametrize("intent", ["faq_report_get", "faq_puhui_amount", "faq_yalian_products"])
def test_fact_answers_come_from_the_knowledge_base(kb: Knowledge, intent: str) -> None:
    messages, _ = run(ActionAnswerFact(), tracker("x", intent=intent))
    assert responses(messages) == ["utter_fact"]
    assert messages[0]["answer"].replace(" ", "") == "".join(kb.facts[intent[4:]]["answer"].split())


@pytest.mark.parametrize(
    ("text", "intent", "answered"),
    [
        ("普惠金融的门店开在哪些省市", "faq_yalian_cities", "puhui_about"),  # the other lender's counterpart
        ("亚联财在哪些城市有网点", "faq_yalian_cities", "yalian_cities"),
        ("亚联财是哪年成立的", "faq_puhui_about", "yalian_legit"),
        ("亚联财和爱钱进哪个门店多", "faq_yalian_cities", "yalian_cities"),  # both named: the classifier's choice
        ("网点在哪", "faq_yalian_cities", "yalian_cities"),
    ],
)
def test_a_question_about_one_lender_gets_that_lenders_fact(
    kb: Knowledge, text: str, intent: str, answered: str
) -> None:
    messages, _ = run(ActionAnswerFact(), tracker(text, intent=intent))
    assert messages[0]["answer"].replace(" ", "") == "".join(kb.facts[answered]["answer"].split())


def test_a_question_that_also_says_why_one_was_refused_gets_the_reasons_too(kb: Knowledge) -> None:
    text = "信用卡逾期三个月还没还，网贷也好几笔到期了，现在哪都借不出来，该怎么办"
    messages, events = run(ActionAnswerFact(), tracker(text, intent="faq_overdue_help"))
    assert responses(messages)[0] == "utter_fact"
    assert "overdue_record" in payload(messages)["diagnosis"]["signals"][0]["id"]
    messages, _ = run(ActionAnswerFact(), tracker("逾期了该怎么办，会影响以后贷款吗", intent="faq_overdue_help"))
    assert responses(messages) == ["utter_fact"]


def test_a_question_from_someone_refused_for_no_stated_reason_goes_on_to_the_self_check(kb: Knowledge) -> None:
    messages, events = run(
        ActionAnswerFact(), tracker("亚联财正规吗？我在他们家申请的贷款没批", intent="faq_yalian_legit")
    )
    assert responses(messages) == ["utter_fact", "utter_selfcheck_start"]
    assert any(e.get("event") == "followup" and e.get("name") == "selfcheck_form" for e in events)
    messages, events = run(ActionAnswerFact(), tracker("亚联财正规吗", intent="faq_yalian_legit"))
    assert responses(messages) == ["utter_fact"] and not events


def test_a_typed_greeting_starts_the_self_check_after_the_welcome(kb: Knowledge) -> None:
    messages, events = run(ActionGreet(), tracker("在吗", intent="greet", first=True))
    assert responses(messages) == ["utter_greet", "utter_selfcheck_offer"]
    assert [e.get("name") for e in events if e.get("event") == "followup"] == ["selfcheck_form"]


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        ("/greet", {}),  # a widget's opening payload: the welcome alone
        ("你好", {"facts": {"overdue_record": {"state": "raised"}}}),
        ("你好", {"last_report": ["card_overdraft"]}),
    ],
)
def test_a_greeting_after_the_opening_or_once_something_is_known_is_the_welcome_alone(
    kb: Knowledge, text: str, slots: dict[str, Any]
) -> None:
    messages, events = run(ActionGreet(), tracker(text, intent="greet", slots=slots, first=True))
    assert responses(messages) == ["utter_greet"] and events == []


def test_unknown_fact(kb: Knowledge) -> None:
    messages, _ = run(ActionAnswerFact(), tracker("x", intent="faq_nothing"))
    assert responses(messages) == ["utter_fact_missing"]


def test_suggest_offers_buttons(kb: Knowledge) -> None:
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.4},
        {"name": "faq_report_get", "confidence": 0.3},
        {"name": "faq_report_duration", "confidence": 0.2},
    ]
    messages, _ = run(ActionSuggest(), tracker("征信那个", intent="nlu_fallback", ranking=ranking))
    assert responses(messages) == ["utter_did_you_mean"]
    assert len(messages[0]["buttons"]) == 3


def test_handoff_records_once(kb: Knowledge, app_db: Path) -> None:
    events = [{"event": "user", "text": "我要找人工"}]
    messages, ev = run(ActionHandoff(), tracker("转人工", intent="request_handoff", events=events))
    assert responses(messages) == ["utter_handoff"] and ev == []
    assert handoff.is_handed_off("test-user", app_db)
    messages, _ = run(ActionHandoff(), tracker("转人工", intent="request_handoff", events=events))
    assert responses(messages) == ["utter_handoff_already"]
    assert len(handoff.pending(app_db)) == 1


def test_ask_actions_send_question_buttons_and_what_they_cover(kb: Knowledge) -> None:
    messages, _ = run(ASK_ACTIONS["credit"](), tracker())
    topic = next(t for t in kb.catalog["selfcheck_topics"] if t["id"] == "credit")
    assert responses(messages)[0] == "utter_selfcheck_question"
    assert messages[0]["question"] == topic["question"]
    assert [b["payload"] for b in messages[0]["buttons"]] == [a["text"] for a in topic["answers"]]
    assert messages[1]["custom"] == {"selfcheck": {"topic": "credit", "asking": topic["signals"]}}


def _form_tracker(requested: str, answer: str, facts: dict[str, Any] | None = None) -> Tracker:
    t = tracker(
        answer,
        slots={"requested_slot": requested, requested: answer, "facts": facts or {}},
        events=[{"event": "slot", "name": requested, "value": answer}],
    )
    t.active_loop = {"name": "selfcheck_form"}
    return t


def test_form_reads_numbers_and_other_signals(kb: Knowledge) -> None:
    form = ValidateSelfcheckForm()
    t = _form_tracker("sc_credit", "十几次吧，信用卡也刷爆了")
    events = asyncio.run(form.get_validation_events(CollectingDispatcher(), t, {}))
    assert slot(events, "sc_credit") == "answered"
    assert slot(events, "facts")["frequent_inquiries"]["state"] == "raised"
    assert slot(events, "facts")["card_overdraft"]["state"] == "raised"


def test_form_accepts_dont_know(kb: Knowledge) -> None:
    events = asyncio.run(
        ValidateSelfcheckForm().get_validation_events(CollectingDispatcher(), _form_tracker("sc_credit", "不清楚"), {})
    )
    assert slot(events, "sc_credit") == "unknown"


def test_form_moves_on_when_unclear(kb: Knowledge) -> None:
    """An answer nobody can read is skipped, never asked again."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(
        ValidateSelfcheckForm().get_validation_events(dispatcher, _form_tracker("sc_work", "嗯这个嘛哈哈"), {})
    )
    assert slot(events, "sc_work") == "unknown"
    assert responses(dispatcher.messages) == ["utter_selfcheck_ack_unknown"]


@pytest.mark.parametrize(
    ("topic", "answer", "sid", "state"),
    [
        ("credit", "没借过钱，哪来的逾期", "overdue_record", "fine"),
        ("debts", "网贷从来没用过，花呗都没开", "high_interest_borrowing", "fine"),
        ("credit", "从没办过卡和贷款", "thin_credit_file", "raised"),
        ("credit", "七八次吧", "frequent_inquiries", "raised"),
        ("debts", "都没有", "card_overdraft", "fine"),
        ("loan", "想借三十万，没抵押", "amount_over_limit", "raised"),
    ],
)
def test_form_understands_plain_answers(kb: Knowledge, topic: str, answer: str, sid: str, state: str) -> None:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(
        ValidateSelfcheckForm().get_validation_events(dispatcher, _form_tracker(f"sc_{topic}", answer), {})
    )
    assert slot(events, f"sc_{topic}") == "answered"
    assert slot(events, "facts")[sid]["state"] == state
    assert len(dispatcher.messages) == 1  # one short acknowledgement


def test_form_skips_known_topics_and_asks_the_most_telling_first(kb: Knowledge) -> None:
    fine = {"state": "fine", "evidence": "", "value": None}
    facts = {
        "overdue_record": fine,
        "frequent_inquiries": fine,
        "thin_credit_file": fine,
        "cashflow_drop": {"state": "raised", "evidence": "", "value": None},
    }
    t = _form_tracker("sc_credit", "x", facts)
    t.slots["sc_credit"] = None
    slots = ["sc_credit", "sc_debts", "sc_work", "sc_loan"]
    required = asyncio.run(ValidateSelfcheckForm().required_slots(slots, CollectingDispatcher(), t, {}))
    assert required == ["sc_loan"]  # credit is known; a cash-flow drop leads to guarantees and the amount
    shop = _form_tracker("sc_credit", "x", {})
    shop.slots["sc_credit"] = None
    shop.events.append({"event": "user", "text": "我开了个小饭店，贷款被拒了"})
    required = asyncio.run(ValidateSelfcheckForm().required_slots(slots, CollectingDispatcher(), shop, {}))
    assert required == ["sc_work"]  # a shop owner: income and cash flow first


def test_form_keeps_other_facts_when_the_topic_is_not_answered(kb: Knowledge) -> None:
    t = _form_tracker("sc_work", "信用卡欠了不少，几张卡基本都是刷满的状态")
    events = asyncio.run(ValidateSelfcheckForm().get_validation_events(CollectingDispatcher(), t, {}))
    assert slot(events, "facts")["card_overdraft"]["state"] == "raised"


def test_fact_answer_remembers_stated_facts(kb: Knowledge) -> None:
    messages, events = run(ActionAnswerFact(), tracker("信用卡连续逾期了三个月，现在怎么办", intent="faq_overdue_help"))
    assert responses(messages) == ["utter_fact"]
    assert slot(events, "facts")["overdue_record"]["state"] == "raised"


def test_third_failure_in_a_row_opens_a_handoff(kb: Knowledge, app_db: Path) -> None:
    from actions.fallback import ActionOutOfScope

    fails = [
        {"event": "action", "name": "action_out_of_scope"},
        {"event": "action", "name": "action_listen"},
        {"event": "action", "name": "action_suggest"},
        {"event": "action", "name": "action_listen"},
    ]
    messages, events = run(ActionOutOfScope(), tracker("今天吃什么", intent="out_of_scope", events=fails))
    assert responses(messages) == ["utter_handoff_after_failures"] and events == []
    assert handoff.is_handed_off("test-user", app_db)


def test_one_failure_gets_the_scope_reminder(kb: Knowledge, app_db: Path) -> None:
    from actions.fallback import ActionOutOfScope

    done = [{"event": "action", "name": "action_diagnose"}, {"event": "action", "name": "action_listen"}]
    messages, _ = run(ActionOutOfScope(), tracker("今天吃什么", intent="out_of_scope", events=done))
    assert responses(messages) == ["utter_out_of_scope"]


def _answer_tracker(text: str, intent: str, requested: str = "sc_debts", after_detour: bool = False) -> Tracker:
    events = [
        {"event": "action", "name": f"action_ask_{requested}"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text},
        {"event": "user_featurization"},
        {"event": "action", "name": "action_extract_slots"},
    ]
    if after_detour:
        events += [
            {"event": "action_execution_rejected", "name": "selfcheck_form"},
            {"event": "action", "name": "action_answer_fact"},
            {"event": "bot", "text": "..."},
        ]
    events += [
        {"event": "slot", "name": "requested_slot", "value": requested},
        {"event": "action", "name": "selfcheck_form"},
    ]  # Rasa's temporary tracker adds the form
    t = tracker(text, intent=intent, slots={"requested_slot": requested, "facts": {}}, events=events)
    t.active_loop = {"name": "selfcheck_form"}
    return t


@pytest.mark.parametrize(
    ("text", "intent", "slot"),
    [
        ("信用卡快刷满了", "out_of_scope", "sc_debts"),
        ("有逾期还没还上", "ask_signal_info", "sc_credit"),
        ("用了七八成", "describe_situation", "sc_debts"),
        ("我三张卡都刷爆了", "faq_refusal_general", "sc_debts"),
    ],
)
def test_answers_fill_the_question_whatever_the_intent(kb: Knowledge, text: str, intent: str, slot: str) -> None:
    t = _answer_tracker(text, intent, slot)
    events = asyncio.run(ValidateSelfcheckForm().get_extraction_events(CollectingDispatcher(), t, {}))
    assert events == [SlotSet(slot, text)]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("自己查征信会不会有影响", "faq_report_self_query"),
        ("直接告诉我结果", "stop_selfcheck"),
        ("信用卡透支会影响吗？", "ask_signal_info"),
    ],
)
def test_questions_leave_the_form_for_a_moment(kb: Knowledge, text: str, intent: str) -> None:
    events = asyncio.run(
        ValidateSelfcheckForm().get_extraction_events(CollectingDispatcher(), _answer_tracker(text, intent), {})
    )
    assert events == []


def test_no_answer_is_read_twice_after_a_detour(kb: Knowledge) -> None:
    t = _answer_tracker("基本刷满了", "describe_situation", after_detour=True)
    assert asyncio.run(ValidateSelfcheckForm().get_extraction_events(CollectingDispatcher(), t, {})) == []


def test_claim_is_atomic(kb: Knowledge, app_db: Path) -> None:
    row = handoff.request("someone", "summary", "rest", app_db)
    assert handoff.claim(row["id"], "alice", app_db) is True
    assert handoff.claim(row["id"], "bob", app_db) is False
    assert [(r["id"], r["claimed_by"]) for r in handoff.pending(app_db)] == [(row["id"], "alice")]


def test_a_topic_is_never_asked_twice_after_a_detour(kb: Knowledge) -> None:
    """Back from a question or a refusal, the form goes on with the next topic instead of repeating."""
    question = {"event": "bot", "text": None, "data": {"custom": {"selfcheck": {"topic": "credit", "asking": []}}}}
    asked = [
        {"event": "action", "name": "selfcheck_form"},
        question,
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "刷流水有用吗"},
        {"event": "action", "name": "utter_refuse_falsify"},
    ]
    t = tracker(
        "刷流水有用吗", intent="request_falsify", slots={"requested_slot": "sc_credit", "facts": {}}, events=asked
    )
    t.active_loop = {"name": "selfcheck_form"}
    messages, events = run(ASK_ACTIONS["credit"](), t)
    assert SlotSet("sc_credit", "unknown") in events
    nxt = [e for e in events if e.get("name") == "requested_slot"][0]["value"]
    assert nxt != "sc_credit" and messages[1]["custom"]["selfcheck"]["topic"] == nxt[len("sc_") :]


def test_the_first_ask_asks(kb: Knowledge) -> None:
    messages, events = run(ASK_ACTIONS["debts"](), tracker())
    assert events == [] and messages[1]["custom"]["selfcheck"]["topic"] == "debts"


def test_an_answer_decides_its_own_topic_and_only_fills_gaps_elsewhere(kb: Knowledge) -> None:
    from loanwhy import selfcheck

    raised = {"thin_credit_file": {"state": "raised", "evidence": "从没办过卡", "value": None}}
    later = {
        "thin_credit_file": {"state": "fine", "evidence": "没有信用卡", "value": None},
        "card_overdraft": {"state": "fine", "evidence": "没有信用卡", "value": None},
    }
    merged = selfcheck.merge_answer(raised, later, "debts", kb)
    assert merged["thin_credit_file"]["state"] == "raised" and merged["card_overdraft"]["state"] == "fine"
    assert selfcheck.merge_answer(raised, later, "credit", kb)["thin_credit_file"]["state"] == "fine"


def _follow_up_asked(tid: str) -> list[dict[str, Any]]:
    """The previous turn: a report that ended with a follow-up question on `tid`, then the user's answer."""
    return [
        {"event": "user", "text": "被拒了"},
        {
            "event": "bot",
            "text": "…",
            "data": {"custom": {"selfcheck": {"topic": tid, "asking": [], "follow_up": True}}},
        },
        {"event": "user", "text": "答"},
    ]


def test_a_result_from_a_few_words_ends_with_an_optional_follow_up(kb: Knowledge) -> None:
    text = "跟这家银行合作十多年了，今年突然不给续贷了"
    messages, _ = run(ActionDiagnose(), tracker(text, slots={"facts": dx.findings_to_facts(text, kb)}))
    names = responses(messages)
    assert "utter_report_intro" in names and names[-2:] == ["utter_follow_up", "utter_selfcheck_question"]
    asked = [m["custom"]["selfcheck"] for m in messages if (m.get("custom") or {}).get("selfcheck")]
    assert len(asked) == 1 and asked[0]["follow_up"] is True


@pytest.mark.parametrize(
    ("intent", "slots"), [("stop_selfcheck", {}), ("describe_situation", {"sc_credit": "answered"})]
)
def test_no_follow_up_after_the_self_check_or_a_request_for_the_result(
    kb: Knowledge, intent: str, slots: dict[str, Any]
) -> None:
    text = "跟这家银行合作十多年了，今年突然不给续贷了"
    messages, _ = run(
        ActionDiagnose(), tracker(text, intent=intent, slots={"facts": dx.findings_to_facts(text, kb), **slots})
    )
    assert "utter_follow_up" not in responses(messages)


def test_follow_ups_stop_at_the_catalogs_number(kb: Knowledge) -> None:
    text = "跟这家银行合作十多年了，今年突然不给续贷了"
    cap = int(kb.catalog["selfcheck_follow_ups"])
    order = ["credit", "debts", "loan", "work"]

    def offered(asked: list[str]) -> bool:
        events = [{"event": "bot", "data": {"custom": {"selfcheck": {"topic": t, "follow_up": True}}}} for t in asked]
        messages, _ = run(
            ActionDiagnose(), tracker(text, slots={"facts": dx.findings_to_facts(text, kb)}, events=events)
        )
        return "utter_follow_up" in responses(messages)

    assert offered(order[: cap - 1])
    assert not offered(order[:cap])


def test_the_answer_to_a_follow_up_is_read_for_its_topic(kb: Knowledge) -> None:
    _, events = run(ActionAnalyseMessage(), tracker("手上五六个网贷在还，利息都很高", events=_follow_up_asked("debts")))
    assert slot(events, "facts")["high_interest_borrowing"]["state"] == "raised"


def test_an_answer_that_changes_nothing_is_acknowledged_without_a_second_report(kb: Knowledge) -> None:
    facts = dx.findings_to_facts("今年突然不给续贷了，信用卡都按时还", kb)
    t = tracker(
        "信用卡都按时还",
        slots={"facts": facts, "last_report": dx.diagnose(facts).raised},
        events=_follow_up_asked("debts"),
    )
    messages, _ = run(ActionDiagnose(), t)
    assert responses(messages)[0] == "utter_follow_up_same"
    assert "utter_report_intro" not in responses(messages)
    assert [s["id"] for s in payload(messages)["diagnosis"]["signals"]] == dx.diagnose(facts).raised  # the same card


def test_asking_for_the_result_after_a_follow_up_gets_the_full_report(kb: Knowledge) -> None:
    facts = dx.findings_to_facts("今年突然不给续贷了", kb)
    t = tracker(
        "直接告诉我结果",
        intent="stop_selfcheck",
        slots={"facts": facts, "last_report": dx.diagnose(facts).raised},
        events=_follow_up_asked("debts"),
    )
    messages, _ = run(ActionDiagnose(), t)
    assert "utter_report_intro" in responses(messages) and "utter_follow_up_same" not in responses(messages)


@pytest.mark.parametrize("intent", ["deny", "nlu_fallback", "out_of_scope"])
def test_a_plain_answer_to_a_follow_up_is_an_answer_whatever_nlu_called_it(kb: Knowledge, intent: str) -> None:
    facts = dx.findings_to_facts("今年突然不给续贷了", kb)
    t = tracker(
        "没有，一直按时还",
        intent=intent,
        slots={"facts": facts, "last_report": dx.diagnose(facts).raised},
        events=_follow_up_asked("debts"),
    )
    _, analysed = run(ActionAnalyseMessage(), t)
    assert not any(e.get("event") == "followup" for e in analysed)
    messages, events = run(ActionDiagnose(), t)
    assert responses(messages)[0] == "utter_follow_up_same"
    assert responses(messages)[-2:] == ["utter_follow_up", "utter_selfcheck_question"]  # the next question
    assert slot(events, "follow_up_open") is True


@pytest.mark.parametrize(
    ("intent", "action"), [("out_of_scope", "action_out_of_scope"), ("nlu_fallback", "action_suggest")]
)
def test_a_text_that_answers_nothing_gets_its_usual_reply(kb: Knowledge, intent: str, action: str) -> None:
    t = tracker("明天天气怎么样", intent=intent, events=_follow_up_asked("debts"))
    _, events = run(ActionAnalyseMessage(), t)
    assert {"event": "followup", "name": action} in [{k: e.get(k) for k in ("event", "name")} for e in events]
    assert slot(events, "follow_up_open") is False


def test_the_follow_up_slot_says_whether_a_question_is_open(kb: Knowledge) -> None:
    text = "跟这家银行合作十多年了，今年突然不给续贷了"
    _, events = run(ActionDiagnose(), tracker(text, slots={"facts": dx.findings_to_facts(text, kb)}))
    assert slot(events, "follow_up_open") is True
    _, events = run(
        ActionDiagnose(), tracker(text, intent="stop_selfcheck", slots={"facts": dx.findings_to_facts(text, kb)})
    )
    assert slot(events, "follow_up_open") is False


def test_a_follow_up_answer_decides_its_topic_and_only_fills_gaps_elsewhere(kb: Knowledge) -> None:
    said_before = {"overdue_record": {"state": "fine", "evidence": "没有逾期"}}
    t = tracker("就借五万，没担保。信用卡逾期过两次", slots={"facts": said_before}, events=_follow_up_asked("loan"))
    _, events = run(ActionAnalyseMessage(), t)
    facts = slot(events, "facts")
    assert facts["overdue_record"]["state"] == "fine"  # answered earlier, not undone by a side remark
    assert facts["external_guarantee"]["state"] == "fine"  # the topic asked about is decided by the answer


def test_a_follow_up_answer_may_end_what_was_said_before(kb: Knowledge) -> None:
    said_before = dx.findings_to_facts("我之前给人做过担保", kb)
    t = tracker(
        "不过上个月银行发了解除通知，担保已经没了", slots={"facts": said_before}, events=_follow_up_asked("credit")
    )
    _, events = run(ActionAnalyseMessage(), t)
    assert slot(events, "facts")["external_guarantee"]["state"] == "fine"


def test_a_follow_up_answer_that_clears_the_only_problem_updates_the_report(kb: Knowledge) -> None:
    # with nothing raised any more the report still follows (rules: situation_known), no core fallback
    said_before = dx.findings_to_facts("我之前给人做过担保", kb)
    t = tracker("后来银行发了解除通知，担保已经没了", slots={"facts": said_before}, events=_follow_up_asked("work"))
    _, events = run(ActionAnalyseMessage(), t)
    assert slot(events, "facts")["external_guarantee"]["state"] == "fine"
    assert slot(events, "situation_known") is True


def test_a_count_in_a_follow_up_answer_ends_nothing_said_before(kb: Knowledge) -> None:
    # "两张卡逾期过" answers the credit question; two cards are not many, but that ends no "全刷爆了"
    said_before = dx.findings_to_facts("六张信用卡全刷爆了，只还最低", kb)
    assert said_before["card_overdraft"]["state"] == "raised"
    t = tracker("去年有两张卡逾期过，现在补上了", slots={"facts": said_before}, events=_follow_up_asked("credit"))
    _, events = run(ActionAnalyseMessage(), t)
    assert slot(events, "facts")["card_overdraft"]["state"] == "raised"


def test_asking_for_an_analysis_before_anything_is_known_starts_the_self_check(kb: Knowledge) -> None:
    messages, events = run(ActionDiagnose(), tracker("你给分析分析", intent="stop_selfcheck"))
    assert responses(messages) == ["utter_selfcheck_start"]
    assert {"event": "followup", "name": "selfcheck_form"} in [{k: e.get(k) for k in ("event", "name")} for e in events]


def test_a_slang_term_asked_about_gets_its_meaning_then_the_self_check(kb: Knowledge) -> None:
    messages, events = run(
        ActionSuggest(), tracker("請問連三累六是什麼意思？我這種算不算", intent="nlu_fallback", first=True)
    )
    assert responses(messages) == ["utter_term", "utter_selfcheck_offer"]
    assert "连续3个月" in messages[0]["text"]
    assert [e.get("name") for e in events if e.get("event") == "followup"] == ["selfcheck_form"]
    known = {"facts": {"overdue_record": {"state": "raised"}}}
    messages, events = run(ActionOutOfScope(), tracker("白户啥意思", intent="out_of_scope", slots=known))
    assert responses(messages) == ["utter_term"] and events == []


def test_slang_used_to_describe_oneself_is_not_a_question_about_the_term(kb: Knowledge) -> None:
    messages, _ = run(ActionOutOfScope(), tracker("我征信花了", intent="out_of_scope"))
    assert responses(messages) == ["utter_out_of_scope"]
    messages, _ = run(ActionAnswerFact(), tracker("征信花了是啥意思，多久能恢复", intent="faq_reapply_wait"))
    assert responses(messages) == ["utter_term", "utter_fact"]


@pytest.mark.parametrize(
    ("action", "intent", "text", "reply"),
    [
        (ActionAnswerFact(), "faq_report_get", "征信一年能查几次", "utter_fact"),
        (ActionOutOfScope(), "out_of_scope", "嗯", "utter_out_of_scope"),
        (ActionSuggest(), "nlu_fallback", "？", "utter_default"),
        (ActionHelp(), "affirm", "嗯", "utter_help"),
    ],
)
def test_the_first_message_of_a_conversation_is_answered_then_the_self_check_offered(
    kb: Knowledge, action: Any, intent: str, text: str, reply: str
) -> None:
    messages, events = run(action, tracker(text, intent=intent, first=True))
    assert responses(messages) == [reply, "utter_selfcheck_offer"]
    assert [e.get("name") for e in events if e.get("event") == "followup"] == ["selfcheck_form"]
    messages, events = run(action, tracker(text, intent=intent))  # later in the conversation: the reply alone
    assert responses(messages) == [reply] and not events


def test_a_first_question_that_states_a_problem_keeps_it_and_goes_on_to_the_self_check(kb: Knowledge) -> None:
    messages, events = run(
        ActionAnswerFact(), tracker("网贷借了七八家，以贷养贷还能上岸吗", intent="faq_overdue_help", first=True)
    )
    assert responses(messages) == ["utter_fact", "utter_selfcheck_offer"]
    facts = next(e["value"] for e in events if e.get("event") == "slot" and e.get("name") == "facts")
    assert facts["high_interest_borrowing"]["state"] == "raised"
    assert [e.get("name") for e in events if e.get("event") == "followup"] == ["selfcheck_form"]


def test_an_answer_that_corrects_an_earlier_number_takes_it_back(kb: Knowledge) -> None:
    """ "申请了12万的贷款被拒", then, answering the debts question, "打错了，是1.2万" (dev46a, read)."""
    said = "申请了12万的贷款被拒"
    stored = dx.findings_to_facts(said)
    assert stored["amount_over_limit"]["state"] == "raised"
    answer = "打错了，是1.2万，一万二"
    t = tracker(
        answer,
        slots={"requested_slot": "sc_debts", "sc_debts": answer, "facts": stored},
        events=[
            {"event": "user", "text": said},
            {"event": "user", "text": answer},
            {"event": "slot", "name": "sc_debts", "value": answer},
        ],
    )
    t.active_loop = {"name": "selfcheck_form"}
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ValidateSelfcheckForm().get_validation_events(dispatcher, t, {}))
    assert slot(events, "facts")["amount_over_limit"]["state"] == "fine"
    assert responses(dispatcher.messages) == ["utter_selfcheck_ack_fine"]
