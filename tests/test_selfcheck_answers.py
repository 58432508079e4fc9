"""Free answers to a self-check question: each piece of an answer decides its own sub-question."""

from __future__ import annotations

import pytest

from loanwhy.detect import FINE, RAISED
from loanwhy.selfcheck import ANSWERED, UNKNOWN, parse_answer, topic


def states(text: str, tid: str) -> dict[str, str]:
    status, facts = parse_answer(text, tid)
    assert status in (ANSWERED, UNKNOWN)
    return {sid: f["state"] for sid, f in facts.items()}


def test_pieces_in_order_decide_their_own_sub_question() -> None:
    # 逾期？查询？白户？ — the third piece speaks of a card, not of a thin file
    got = states("没逾期过。这半年申了七八家网贷。信用卡办了好几年了", "credit")
    assert got["overdue_record"] == FINE
    assert got["frequent_inquiries"] == RAISED
    assert got["thin_credit_file"] == FINE


def test_a_neutral_guarantor_answer_is_not_a_weak_guarantor() -> None:
    got = states("想借五万。没替人担保过。担保人是我大姨，在银行上班。没听说收紧", "loan")
    assert got["weak_guarantor"] == FINE
    assert got["external_guarantee"] == FINE
    assert got["amount_over_limit"] == FINE


def test_an_unsure_piece_leaves_its_question_open() -> None:
    got = states("不清楚。查了两次。有信用卡", "credit")
    assert "overdue_record" not in got
    assert got["frequent_inquiries"] == FINE


def test_work_pieces_follow_the_question_order() -> None:
    topic_ = topic("work")
    assert topic_.parts[0] == ("high_risk_industry", "cross_industry")
    got = states("开电镀厂的。今年流水少了一大半。资料都交了。第一次借", "work")
    assert got["high_risk_industry"] == RAISED
    assert got["cashflow_drop"] == RAISED
    assert got["unverifiable_info"] == FINE
    assert got["renewal_review"] == FINE


@pytest.mark.parametrize(
    "text, sid",
    [
        ("给人担保？没有", "external_guarantee"),  # a bare denial in the next clause
        ("网贷不敢碰", "high_interest_borrowing"),
        ("担保从来不给人做", "external_guarantee"),
        ("股票不懂，也不碰", "stock_speculation"),
    ],
)
def test_denials_written_the_way_people_answer(text: str, sid: str) -> None:
    from loanwhy.diagnose import findings_to_facts

    assert findings_to_facts(text).get(sid, {}).get("state", FINE) == FINE


def test_a_space_between_words_ends_a_clause() -> None:
    from loanwhy.diagnose import findings_to_facts

    facts = findings_to_facts("这俩月在网上申了十几家贷款 一家都没批")
    assert facts["frequent_inquiries"]["state"] == RAISED


def test_a_description_in_clauses_is_read_as_a_description() -> None:
    # three clauses, three sub-questions: but it describes the collateral, it does not answer them
    got = states("抵押的是山区一套老房子，评估价值很低，银行说不够抵", "credit")
    assert got.get("collateral_value") == RAISED
    assert "overdue_record" not in got and "thin_credit_file" not in got


@pytest.mark.parametrize(
    ("text", "tid", "sid"),
    [
        ("查询次数多不多，这个我真不清楚", "credit", "frequent_inquiries"),
        ("炒股这个我不太懂", "debts", "stock_speculation"),
        ("担保人还要找的吗？", "loan", "weak_guarantor"),
    ],
)
def test_an_unsure_or_questioning_answer_raises_nothing(text: str, tid: str, sid: str) -> None:
    # guards selfcheck._hedged: naming the topic while unsure or asking back states no problem
    _, facts = parse_answer(text, tid)
    assert facts.get(sid, {}).get("state") != "raised", facts


def test_an_echo_question_then_a_denial_is_a_denial() -> None:
    # guards _read_firmly: "担保？" echoes the question, the sentence after it answers
    _, facts = parse_answer("担保？那肯定没有，我从来不替别人担保", "loan")
    assert facts["external_guarantee"]["state"] == "fine", facts


def test_a_problem_in_one_clause_is_kept_whichever_sub_question_the_clause_lines_up_with() -> None:
    # three clauses for the three credit sub-questions, but the count of applications comes first
    said = states("最近俩月申请了十几回，查询记录一大堆，卡也有三张是刷满的", "credit")
    assert said["frequent_inquiries"] == RAISED
    assert said["card_overdraft"] == RAISED
    assert states("还在读书，从来没办过信用卡，也没借过一分钱", "credit")["thin_credit_file"] == RAISED


def test_a_general_denial_does_not_undo_a_problem_said_before() -> None:
    from loanwhy.selfcheck import merge_answer

    before = {"weak_guarantor": {"state": RAISED, "evidence": "担保人自己欠了一屁股债", "value": None}}
    _, new = parse_answer("我自己征信没问题，一次逾期都没有", "loan")
    merged = merge_answer(before, new, "loan")
    assert merged["weak_guarantor"]["state"] == RAISED
    assert all("cleared" not in f for f in merged.values())


def test_another_sentence_does_not_overrule_the_answer_to_its_own_sub_question() -> None:
    # 金额？对外担保？担保人和抵押？收紧？ — the guarantor sentence names 担保 but answers the third part
    got = states("想借五万。没给人担保过。村里会计说能给俺担保，他有工资。车子刚评估过，够。没听说收紧", "loan")
    assert got["external_guarantee"] == FINE


def test_words_of_a_problem_beat_a_count_below_the_bar() -> None:
    # five cards are not many, but the same sentence says they are all used up
    got = states("卡有五张，说实话基本都刷到头了，这几个月每张只能还最低。网贷没有。股票不碰", "debts")
    assert got["card_overdraft"] == RAISED


def test_unsure_sentences_raise_nothing_of_their_own() -> None:
    got = states("逾期这个不太记得了。半年查了两次。不知道有没有记录", "credit")
    assert got.get("overdue_record") != RAISED
    assert got.get("thin_credit_file") != RAISED


def test_a_forgotten_payment_is_a_fact_not_an_unsure_answer() -> None:
    got = states("前年有张信用卡忘了还，晚了一个多月才还上，征信上应该还有记录。半年查了两次。有信用卡", "credit")
    assert got["overdue_record"] == RAISED


@pytest.mark.parametrize(
    ("text", "tid", "sid"),
    [
        ("逾期……不太记得。查了几次不清楚。不是第一次借钱了", "credit", "overdue_record"),
        ("擔保的事我記不得了", "loan", "external_guarantee"),
    ],
)
def test_a_topic_named_in_an_unsure_answer_is_not_raised(text: str, tid: str, sid: str) -> None:
    assert states(text, tid).get(sid) != RAISED


@pytest.mark.parametrize(
    ("text", "tid", "sid"),
    [
        ("顺便说下，我四张信用卡都刷到顶了，这个影响大吗", "work", "card_overdraft"),
        ("对了，前两个月有笔网贷拖了一周才还，这个算逾期吗", "credit", "overdue_record"),
    ],
)
def test_a_fact_followed_by_what_does_this_mean_is_an_answer(text: str, tid: str, sid: str) -> None:
    # the closing question asks about what was said; what was said still counts, for any topic
    status, facts = parse_answer(text, tid)
    assert status == ANSWERED and facts[sid]["state"] == RAISED


def test_asking_back_after_an_unsure_clause_stays_unsure() -> None:
    status, facts = parse_answer("逾期我记不太清了，这个影响大吗", "credit")
    assert RAISED not in {f["state"] for f in facts.values()}


def test_a_count_of_someone_else_is_not_read_as_the_answer() -> None:
    # the piece names its topic itself, so no question words are put before it
    got = states("没卡。工友借了好几个网贷，我没借，一个都没。不懂", "debts")
    assert got.get("high_interest_borrowing") != RAISED
    assert states("七八次吧", "credit")["frequent_inquiries"] == RAISED


@pytest.mark.parametrize(
    ("text", "tid", "sid"),
    [
        # dev47p (read): answers in the persona's own voice, in our own words
        ("担保？没有，我们牌友圈有人搞互保那一套，我没掺和", "loan", "external_guarantee"),
        ("网贷没用过，高利贷更加不会去借", "debts", "high_interest_borrowing"),
        ("炒股係我老公嘅嘢，我唔碰", "debts", "stock_speculation"),
        ("担保我很清楚，从来没签过担保合同", "loan", "external_guarantee"),
    ],
)
def test_a_denial_in_the_personas_own_voice_raises_nothing(text: str, tid: str, sid: str) -> None:
    assert states(text, tid).get(sid) != RAISED
