"""Situation text → signal ids, as a table: thresholds, numerals, negations, scripts."""

from __future__ import annotations

from typing import cast

import pytest

from loanwhy import detect, learned
from loanwhy.detect import FINE, RAISED, analyse, raised
from loanwhy.kb import Knowledge

CASES: list[tuple[str, set[str], set[str]]] = [
    # (message, must be raised, must not be raised)
    ("半年查了两次征信", set(), {"frequent_inquiries"}),
    ("上周我自己用云闪付查了四次征信，看看有没有问题", set(), {"frequent_inquiries"}),  # own look, no hard inquiry
    ("这个月到处申请，被查了四次征信", {"frequent_inquiries"}, set()),
    ("早年开过化工厂，七八年前就关掉了，现在开面馆", set(), {"high_risk_industry"}),
    ("家里的屠宰场去年已经把车间关了，现在只卖熟食", set(), {"high_risk_industry"}),
    ("原先合伙的茶楼和驾校，现在都退出来了，只管我的五金店", set(), {"cross_industry"}),
    ("帮我表弟问的，他的担保人自己也欠着一堆钱", set(), {"weak_guarantor"}),
    ("贷款被拒了😭 担保早就解除了", set(), {"external_guarantee"}),
    ("人家说核实不了我的收入", {"unverifiable_info"}, set()),
    ("快手上有人说花两千就能把逾期删掉，靠谱吗", set(), {"overdue_record"}),  # hearsay, not the writer's record
    ("股票以前玩过，去年一股脑全卖了，再不碰了", set(), {"stock_speculation"}),
    ("单位电话填错了一位，后来去门店改过来了", set(), {"unverifiable_info"}),
    ("我舍友网贷逾期被催收天天打电话，我自己一笔都没借过", set(), {"overdue_record"}),
    ("做电镀的，去年环保来查过，说都达标", set(), {"high_risk_industry"}),
    ("网上说查询多了会被拒，我这个月被查了五次", {"frequent_inquiries"}, set()),
    ("前两个月申了几个贷款，少说也有十来次", {"frequent_inquiries"}, set()),  # the next clause says how many
    ("去年一个月能走十几万，今年也就五六万", {"cashflow_drop"}, set()),
    ("找亲戚借了三十万", set(), {"amount_over_limit"}),  # a debt, not the amount asked for
    ("抵押的，申请十五万", set(), {"amount_over_limit"}),
    ("这回用不着担保人", set(), {"weak_guarantor"}),
    ("厂房押着，评估还可以", set(), {"collateral_value"}),
    ("没钱炒股", set(), {"stock_speculation"}),
    ("我给谁担保啊", set(), {"external_guarantee"}),
    ("没有流水也没有收入证明", {"unverifiable_info"}, set()),  # a list of what is missing, not a denial
    ("养了六百头猪，环保不达标要整改", {"high_risk_industry"}, set()),
    ("给邻居担保过一回，人家早还完了", set(), {"external_guarantee"}),
    ("2012年有张卡晚还过一次，当月就补上了", set(), {"overdue_record"}),  # more than 5 years back
    ("2012年逾期过，去年又逾期了一次", {"overdue_record"}, set()),
    ("信用卡正常用着", set(), {"card_overdraft"}),
    ("高危行业指的是哪些", set(), {"high_risk_industry"}),  # a question about the rule
    ("七张卡，全部爆卡，每月只还minimum", {"card_overdraft"}, set()),
    ("炒股那玩意儿我不搞", set(), {"stock_speculation"}),
    ("就做保险sales", set(), {"external_guarantee"}),
    ("担保人是我舅舅，五十多了，收入也不高", {"weak_guarantor"}, set()),  # the subject carried two clauses on
    ("我们找的保人是邻居，他开的厂年初倒了", {"weak_guarantor"}, set()),
    ("工资每个月按时进账，很有规律", set(), {"cashflow_drop"}),
    ("店里流水倒是不差", set(), {"cashflow_drop"}),
    ("车子评估价完全够", set(), {"collateral_value"}),
    ("征信上一条逾期都没有", set(), {"thin_credit_file"}),
    ("身份证和户口本都交了", set(), {"unverifiable_info"}),
    ("好多网贷平台现在都不怎么放款了", set(), {"high_interest_borrowing"}),
    ("这次担保人是我妹夫，在医院上班，自己没啥负债", set(), {"weak_guarantor"}),
    # good words about the guarantor named earlier in the sentence, not only beside the word
    ("担保人这回是我岳父，退休前在粮站上班，名下没有任何负债", set(), {"weak_guarantor"}),
    ("找的保证人是合作社的老李，他家养殖场一直经营得挺好，生意稳定", set(), {"weak_guarantor"}),
    ("担保人是我表舅，他手上没有稳定收入，还欠着信用社的钱", {"weak_guarantor"}, set()),
    ("两张卡，额度一万二，基本不刷", set(), {"card_overdraft"}),
    ("三张卡，总额度六万，每个月都全额还", set(), {"card_overdraft"}),
    ("在你们这借了四年，年年续，今年没续上", {"renewal_review"}, set()),
    ("信贷员说今年养殖这块不给放了，上头卡得紧", {"lender_tightening"}, set()),
    ("这两个月查了十几次", {"frequent_inquiries"}, set()),
    ("征信一个月被查了4次", {"frequent_inquiries"}, set()),
    ("征信查了１２次", {"frequent_inquiries"}, set()),
    ("我最近申請了十幾次信用卡", {"frequent_inquiries"}, set()),
    ("额度5万欠了4万8", {"card_overdraft"}, set()),
    ("信用卡用了三成", set(), {"card_overdraft"}),
    ("我信用卡额度5万，现在欠了4万8", {"card_overdraft"}, set()),
    ("额度十万，用了三万", set(), {"card_overdraft"}),
    ("五张卡都刷爆了", {"card_overdraft"}, set()),
    ("一直以卡养卡，每个月只还最低", {"card_overdraft"}, set()),
    ("信用咔刷爆了，带款被拒", {"card_overdraft"}, set()),
    ("信用卡没刷爆，用得不多", set(), {"card_overdraft"}),
    ("没有逾期", set(), {"overdue_record"}),
    ("从来没逾期过", set(), {"overdue_record"}),
    ("去年逾期了两个月，现在还清了", {"overdue_record"}, set()),
    ("没给任何人担保", set(), {"external_guarantee"}),
    ("我给表哥的厂子做了担保", {"external_guarantee"}, set()),
    ("担保人自己也欠了很多钱", {"weak_guarantor"}, {"external_guarantee"}),
    ("网贷借了五六个", {"high_interest_borrowing"}, set()),
    ("只有一笔网贷", set(), {"high_interest_borrowing"}),
    ("流水从10万降到3万", {"cashflow_drop"}, set()),
    ("流水比去年少了一成", set(), {"cashflow_drop"}),
    ("流水以前每月10万，现在只剩3万", {"cashflow_drop"}, set()),
    # a subject carries to the clauses after it in the same sentence
    ("担保人是我同事，他上个月刚被裁员，自己的房贷也断供两期了", {"weak_guarantor"}, {"overdue_record"}),
    ("担保人是我同事，人很靠谱。我自己的房贷断供两期了", {"overdue_record"}, set()),
    ("这回找了个朋友担保，结果他自己的信用卡也在逾期", {"weak_guarantor"}, {"external_guarantee", "overdue_record"}),
    # an overdue settled so many years ago that the record is gone
    ("以前有过逾期，早就还清了，到现在五年多了", set(), {"overdue_record"}),
    ("三年前逾期过一次，已经还清了", {"overdue_record"}, set()),
    # over before, fine now; or something else is over and this still holds
    ("以前是刷满，现在只用三成", set(), {"card_overdraft"}),
    ("网贷都还完销户了，就剩信用卡额度还刷爆着", {"card_overdraft"}, set()),
    ("查询也养了半年，征信不花了", set(), {"frequent_inquiries"}),
    ("化工那摊生意前年就不做了，转成做食品包装", set(), {"high_risk_industry"}),
    ("流水确实没起来，比以前少了很多", {"cashflow_drop"}, set()),  # 没起来 is no denial
    ("信用社那笔贷款拖了两回没还上", {"overdue_record"}, set()),
    ("我不是没有对外担保，那笔确实是我担保的", {"external_guarantee"}, set()),  # two negations affirm
    ("一个月里连着申请了二十多个平台", {"frequent_inquiries"}, {"high_interest_borrowing"}),  # applied, not borrowed
    ("在五个平台借了钱，每个月都在还", {"high_interest_borrowing"}, set()),
    ("半年就查了两次，网上说我这叫征信花了", set(), {"frequent_inquiries"}),  # hearsay
    ("想借五万信用贷，不用抵押不用担保的那种", set(), {"external_guarantee", "collateral_value"}),
    ("申请的是12万的信用贷，不要抵押的那种", {"amount_over_limit"}, set()),  # unsecured: over the cap
    ("老板每个月都发现金，没有任何流水可以证明收入", {"unverifiable_info"}, set()),
    ("之前從來冇同銀行借過錢，信用卡都冇一張", {"thin_credit_file"}, set()),  # Cantonese
    ("I have never had a credit card or a loan, my credit report is empty", {"thin_credit_file"}, set()),
    ("我不光开饭店，还搞了个养殖场，没有一样是专心做的", {"cross_industry"}, set()),
    ("以前每月进账三四十万，今年一个月不到十万", {"cashflow_drop"}, set()),
    ("担保人是我七十多岁的老父亲，没收入也没存款", {"weak_guarantor"}, set()),
    ("开了个小皮革加工厂，排污许可证还没办下来", {"high_risk_industry"}, set()),
    ("跟村里放贷的借了五万，三分利，利滚利", {"high_interest_borrowing"}, {"amount_over_limit"}),
    ("七张信用卡都透支到顶了", {"card_overdraft"}, set()),
    ("近两年的贷款审批查询就两三条", set(), {"frequent_inquiries"}),  # 条 counts records
    ("网贷、民间高息的都没有", set(), {"high_interest_borrowing"}),  # "…的都没有" denies the list
    ("担保人找我姐夫，他年纪大了没工作，也没什么收入", {"weak_guarantor"}, set()),
    ("烟花爆竹嘛，易燃易爆，银行说是限制类", {"high_risk_industry"}, set()),  # 嘛 states
    ("没有给别人担保过，学生能担保啥", set(), {"external_guarantee"}),  # a rhetorical question
    ("十年的记录，不可能是白的", set(), {"thin_credit_file"}),
    ("担保的几户都不行了，老张欠着没还", set(), {"overdue_record"}),  # 老张 is someone else
    ("老家的房子抵押不了", {"collateral_value"}, set()),  # 老家 is no person
    ("环保那块是有点麻烦，粪水处理不达标让整改", {"high_risk_industry"}, set()),  # 有点麻烦 is no permit
    ("没房产证只有宅基地证，估不出啥价，也卖不掉", {"collateral_value"}, set()),
    ("也不是说我没按时还过款，每一期都准点还的", set(), {"overdue_record"}),  # "not that I failed to"
    ("银行说我经营不集中，流水也不对劲", {"cross_industry", "cashflow_drop"}, set()),  # the lender's words
    ("想借20万，流水从10万降到8万", {"amount_over_limit"}, {"cashflow_drop"}),
    ("想借20万", {"amount_over_limit"}, set()),
    ("想借两万", set(), {"amount_over_limit"}),
    ("我是白户，第一次贷款", {"thin_credit_file"}, set()),
    ("家里开了个小化工厂", {"high_risk_industry"}, set()),
    ("拿了一大笔钱炒股", {"stock_speculation"}, set()),
    ("合作五年的老客户，这次不给续贷", {"renewal_review"}, set()),
    ("资料没交齐，回访电话也没接到", {"unverifiable_info"}, set()),
    ("如果我把信用卡刷爆了会怎样", set(), {"card_overdraft"}),
    ("今天天气不错", set(), set()),
    ("我帮老乡签了字做连带担保", {"external_guarantee"}, set()),
    ("今年大家都难批", {"lender_tightening"}, set()),
    ("想贷个二三十万周转", {"amount_over_limit"}, set()),
    ("银行不认我的房子做抵押", {"collateral_value"}, set()),
    (
        "我帮朋友担保了，信用卡也刷爆了，网贷借了五个",
        {"external_guarantee", "card_overdraft", "high_interest_borrowing"},
        set(),
    ),
    ("没有逾期也没有网贷，就是查询比较多", {"frequent_inquiries"}, {"overdue_record", "high_interest_borrowing"}),
]


@pytest.mark.parametrize(("text", "expected", "forbidden"), CASES)
def test_signals(kb: Knowledge, text: str, expected: set[str], forbidden: set[str]) -> None:
    found = set(raised(text, kb))
    assert expected <= found, f"missing {expected - found}"
    assert not (forbidden & found), f"wrongly raised {forbidden & found}"


def test_below_threshold_is_reported_as_fine(kb: Knowledge) -> None:
    finding = analyse("半年查了两次征信", kb)["frequent_inquiries"]
    assert finding.state == FINE
    assert finding.value == 2


def test_utilisation_value(kb: Knowledge) -> None:
    finding = analyse("额度5万欠了4万8", kb)["card_overdraft"]
    assert finding.state == RAISED
    assert finding.value == pytest.approx(0.96)


def test_ranking_puts_overdue_first(kb: Knowledge) -> None:
    assert raised("炒股亏了，也逾期了", kb)[0] == "overdue_record"


@pytest.mark.parametrize(
    ("text", "sid", "state"),
    [
        ("上面一条逾期都没有", "overdue_record", "fine"),  # denied after the phrase
        ("有一笔逾期没有还上", "overdue_record", "raised"),  # "没有还" is not a denial
        ("担保去年就解除了", "external_guarantee", "fine"),  # finished
        ("联保那件事前年就结束了", "external_guarantee", "fine"),  # finished, in other words
        ("征信上面基本是空的，没有信用卡也没有贷款记录", "thin_credit_file", "raised"),  # "没有信用卡" is no "有信用卡"
        ("有信用记录", "thin_credit_file", "fine"),
        ("征信花了还能贷吗 被拒好几次了", "frequent_inquiries", "raised"),  # stated before "还能…吗"; a vague count
        ("大数据花了，平台都不给借", "frequent_inquiries", "raised"),
        ("在好几个平台点了测额度", "frequent_inquiries", "raised"),  # 好几 is no count below the threshold
        ("最近查了两次征信", "frequent_inquiries", "fine"),  # a real count below it
        ("担保合同要到明年才结束", "external_guarantee", "raised"),  # not yet
        ("不是老客户，续贷啥的不存在", "renewal_review", "fine"),  # denied after "…啥的"
        ("去年逾期过一次，已经还清了", "overdue_record", "raised"),  # still on the report for 5 years
        ("七年前逾期过，早还清了", "overdue_record", "fine"),  # older than 5 years
        ("我找我表哥当担保人，结果他自己欠一堆钱，担保不够格", "external_guarantee", None),  # own guarantor
        ("我老公逾期了，我自己没有", "overdue_record", None),  # somebody else's
        ("朋友说我征信花了", "frequent_inquiries", "raised"),  # said about the applicant
        ("会不会是逾期的原因", "overdue_record", None),  # a guess
        ("逾期了两次会不会影响", "overdue_record", "raised"),  # a fact inside a worried question
        ("我给朋友担保，他现在还不上了", "external_guarantee", "raised"),  # about others by nature
        ("他们说我负债太高", "high_interest_borrowing", "raised"),  # slang
        ("为同行做过担保，目前尚有三笔未结清", "external_guarantee", "raised"),  # 未结清 is not finished
        ("从来冇逾期，一次都冇", "overdue_record", "fine"),  # Cantonese negation
        ("担保人是邻居，他自己信用社还欠着十几万", "weak_guarantor", "raised"),
        ("担保人是我表叔，前年让人告了", "weak_guarantor", "raised"),
        ("额度加起来八万多，现在欠着七万五", "card_overdraft", "raised"),  # the nearer word names the amount
        ("额度五万欠了三万", "card_overdraft", "fine"),
        ("信用卡有四张，每个月都只能还个最低", "card_overdraft", "raised"),  # four cards decide nothing
        ("信用卡有四张，都是按时全额还", "card_overdraft", "fine"),
        ("未设抵押", "collateral_value", None),  # a bare topic word is no problem
        ("有啲股票", "stock_speculation", None),
        ("陆陆续续借了二十多万私人的钱", "renewal_review", None),  # 续续借 is no 续借
        ("我找了邻居当担保人，可他自己还欠着信用社的钱", "overdue_record", None),  # 可 + somebody else
        ("银行发了解除通知，担保已经没了", "external_guarantee", "fine"),
        ("现在担保的是我舅", "external_guarantee", None),  # the applicant's own guarantor
        ("原来那个欠一身债的担保人我已经换掉了", "weak_guarantor", "fine"),
        ("没劳动合同，工资都是老板发现金", "unverifiable_info", "raised"),
        ("最近现金流紧张", "unverifiable_info", None),
        ("我教了一辈子书，跟高危行业沾不上边", "high_risk_industry", "fine"),  # a denial after the phrase
        # a word of a signal in another sense, or another person's matter
        ("昨天那单快递逾期派送了，被投诉", "overdue_record", None),
        ("衣服过了退货期，店家说逾期不给退", "overdue_record", None),
        ("我是同事的紧急联系人，他的网贷催收天天打给我", "overdue_record", None),
        ("我闺蜜信用卡逾期了好几期", "overdue_record", None),
        ("今年我婆婆的贷款逾期了", "overdue_record", None),
        ("最近手头紧，生活费收紧了不少", "lender_tightening", None),
        ("卖的冰箱都有五年质保担保", "external_guarantee", None),
        ("我上班的单位给兄弟企业担保了一个亿", "external_guarantee", None),
        ("亲戚拉我一起搞互保，我没答应", "external_guarantee", None),
        ("村里人都找我担保我都签了字", "external_guarantee", "raised"),
        ("门面租约刚续了五年", "renewal_review", None),
        ("营业执照经营范围写了七八项，其实就开了个修车铺", "cross_industry", None),
        ("在电镀厂边上开了个小卖部", "high_risk_industry", None),
        ("以前在煤矿干过几年，早就辞职回家养鸡了", "high_risk_industry", None),
        # a dip every year that comes back, or one that recovered
        ("做冷饮的，每年冬天流水都掉一大半，开春又涨回来", "cashflow_drop", None),
        ("前年流水掉了一半，后来都恢复了", "cashflow_drop", "fine"),
        # pocket money in shares, or a plan not made
        ("股票就是几千块零花钱，玩玩而已", "stock_speculation", "fine"),
        ("还在犹豫要不要拿十万炒股", "stock_speculation", None),
        # the amount lowered under the cap before applying
        ("原先想借二十万，后来改成8万申请的", "amount_over_limit", "fine"),
        ("想申请15万信用贷给家里盖房子，不想抵押", "amount_over_limit", "raised"),
    ],
)
def test_denied_finished_and_own_guarantor(kb: Knowledge, text: str, sid: str, state: str | None) -> None:
    found = analyse(text, kb)
    assert (found[sid].state if sid in found else None) == state


def test_zhuyaoshi_is_not_a_hypothetical(kb: Knowledge) -> None:
    """主要是 contains 要是 ("if") but states a fact."""
    assert analyse("主要是我想借二十来万开店", kb)["amount_over_limit"].state == RAISED
    assert "amount_over_limit" not in analyse("要是我想借二十来万呢", kb)


@pytest.mark.parametrize(
    ("text", "sid"),
    [
        ("没借网贷", "high_interest_borrowing"),
        ("网贷没有", "high_interest_borrowing"),
        ("没抵押东西", "collateral_value"),
        ("股票不碰", "stock_speculation"),
        # a topic named with a good word beside it
        ("白户不是", "thin_credit_file"),  # the denial after the word
        ("做了好些年生意了，哪会没记录", "thin_credit_file"),  # a rhetorical question denies
        ("信用卡一张 额度八千 用得不多", "card_overdraft"),
        ("信用卡一张，额度一万，没咋刷", "card_overdraft"),
        ("厂房有证，评估也正常", "collateral_value"),
        ("单位收入证明开了，盖了章的", "unverifiable_info"),
        ("店里流水每个月四五万，挺稳", "cashflow_drop"),
    ],
)
def test_denials_and_good_words_are_fine(kb: Knowledge, text: str, sid: str) -> None:
    assert analyse(text, kb)[sid].state == FINE


def test_the_lender_is_no_third_party(kb: Knowledge) -> None:
    """The lender ("他们行") is not someone else's situation: its tightening still counts."""
    assert "lender_tightening" in raised("客户经理透露，他们行这阵子放款收得很紧，新客户一律不批", kb)


@pytest.mark.parametrize(
    ("text", "sid"),
    [
        ("我表哥给我当担保人，他在工地打零工没固定收入", "weak_guarantor"),
        ("我跑货拉拉的，前年每个月流水两万多，今年平台派单少了，卡里进账四千来块", "cashflow_drop"),
    ],
)
def test_topic_and_problem_in_neighbouring_clauses(kb: Knowledge, text: str, sid: str) -> None:
    """The best clause names the topic, the next one says what is wrong: read together they state it."""
    assert sid in raised(text, kb)


def test_a_neighbouring_clause_that_says_nothing_wrong_raises_nothing(kb: Knowledge) -> None:
    assert "weak_guarantor" not in raised("给我作保的是我姐夫，他在国企上班，收入稳定", kb)


def test_without_negation_keeps_words_that_only_look_negative(kb: Knowledge) -> None:
    from loanwhy.detect import without_negation

    assert without_negation("网贷从来没碰过", kb) == "网贷碰过"
    assert without_negation("没办法只能以卡养卡", kb) is None  # 没办法 is not a denial
    assert without_negation("信用卡刷爆了", kb) is None


def test_a_year_long_past_is_judged_against_today() -> None:
    from datetime import date

    from loanwhy.detect import _long_past, _rules_for
    from loanwhy.kb import load

    rules = _rules_for(load())
    assert _long_past("2019年晚还过一次", 5, rules, today=date(2026, 11, 30))
    assert not _long_past("2021年晚还过一次", 5, rules, today=date(2026, 11, 30))
    assert not _long_past("2021年晚还过一次", 5, rules, today=date(2025, 1, 1))
    assert _long_past("早还清了，到现在五年多了", 5, rules)  # years since, counted to now
    assert not _long_past("六年前逾期过，现在又逾期了", 5, rules)  # and a new one now


def test_what_the_lender_said_of_the_writer_is_no_hearsay(kb: Knowledge) -> None:
    assert "thin_credit_file" in raised("去银行打了征信，上面一条都没有，人家说我是白户", kb)
    assert "overdue_record" not in raised("群里老哥说我成黑户了，其实我从来没逾期", kb)


def test_the_bank_coming_for_the_guarantors_is_no_guarantor_of_ones_own(kb: Knowledge) -> None:
    text = "我们几家厂是互相担保的，现在有一家老板跑路了，银行正找我们这几个担保的要钱"
    assert "external_guarantee" in raised(text, kb)


def test_the_lenders_word_that_the_trade_is_not_served(kb: Knowledge) -> None:
    assert "high_risk_industry" in raised("我开了个棋牌室，去银行问，人家说我们这个行业不做", kb)


@pytest.mark.parametrize(
    "text",
    ["收入证明也没有，钱都是现结的", "我没单位，收入证明开不了", "工作那栏瞎填的，地址写的宿舍"],
)
def test_a_proof_lacking_or_a_form_filled_at_random_is_unverifiable(kb: Knowledge, text: str) -> None:
    assert "unverifiable_info" in raised(text, kb)


def test_a_large_secured_loan_is_not_over_the_credit_loan_cap(kb: Knowledge) -> None:
    assert "amount_over_limit" not in raised("想借五十万，走抵押", kb)
    assert "amount_over_limit" not in raised("想借三十万，拿厂里的设备押", kb)
    assert "amount_over_limit" in raised("没抵押，想借五十万", kb)
    assert "amount_over_limit" not in raised("打算借四十万，仓库抵押", kb)  # the asset named before the pledge
    assert "amount_over_limit" in raised("要借二十五万，不想押房子", kb)
    assert "amount_over_limit" in raised("想办个二十万的无抵押贷款", kb)


def test_the_lenders_word_that_the_amount_is_within_range(kb: Knowledge) -> None:
    assert "amount_over_limit" not in raised("报了三十万，业务员说在他们额度范围以内", kb)
    assert "amount_over_limit" in raised("报了三十万，业务员说超出额度了", kb)


@pytest.mark.parametrize(
    ("text", "sid"),
    [
        ("炒股的账户前年就全部清仓了", "stock_speculation"),  # a degree word between the adverb and the verb
        ("逾期这事真没有，放心", "overdue_record"),
        ("逾期0次，卡都按时还", "overdue_record"),
        ("我从来按时还，不逾期", "overdue_record"),
        ("说我炒股那是冤枉，一毛钱没投过", "stock_speculation"),
        ("征信报告上已经看不到那条逾期了", "overdue_record"),  # the record is gone
        ("民间的高息钱一分钱都没借过", "high_interest_borrowing"),
        ("担保没替谁做过", "external_guarantee"),
        ("每个月进账跟往年差不太多", "cashflow_drop"),
        ("两张卡，额度用得蛮少", "card_overdraft"),
    ],
)
def test_a_denial_or_a_finished_situation_in_everyday_words(kb: Knowledge, text: str, sid: str) -> None:
    assert sid not in raised(text, kb)


@pytest.mark.parametrize(
    ("text", "sid"),
    [
        ("贷款公司查没查得严我也不晓得", "lender_tightening"),  # an A-not-A question is no statement
        ("行里是不是在收紧额度，我问了也没人讲", "lender_tightening"),  # the doubt inside the hit
        ("信贷员没说过要收紧", "lender_tightening"),
        ("这个真说不准，也没人跟我提", "lender_tightening"),
        ("我咋能是白户，车贷都还了三年", "thin_credit_file"),
        ("前些年在信用社借过钱，记录是有的", "thin_credit_file"),
        ("从没借过一分钱，不会有逾期", "overdue_record"),
        ("征信上的借款记录二十来条，都正常还着", "frequent_inquiries"),
        ("这回就想借个三千一万的，周转一下", "amount_over_limit"),  # two amounts side by side
        ("表格每一栏都核对过，一个字都没填错", "unverifiable_info"),
        ("前两年也以贷养贷过，后来把网贷全部还完了", "high_interest_borrowing"),
        ("借款app点了一圈，一家都没下款，一分钱没借到", "high_interest_borrowing"),
        ("这笔是新申请，不是续贷", "renewal_review"),
        ("原先算白户，去年办了张信用卡按时还，现在征信上有记录了", "thin_credit_file"),
        ("前年那笔高利贷早还干净了，后来再没借过", "high_interest_borrowing"),
        ("前年查得多，可最近半年一次都没查过", "frequent_inquiries"),
        ("担保那是我姐的事，我自己一笔都没有", "external_guarantee"),
        ("押的门面位置挺好，评估不成问题", "collateral_value"),
    ],
)
def test_a_question_a_doubt_or_a_fact_that_is_no_problem(kb: Knowledge, text: str, sid: str) -> None:
    assert sid not in raised(text, kb)


def test_a_later_sentence_or_clause_that_corrects_what_was_said(kb: Knowledge) -> None:
    assert "external_guarantee" not in raised("信贷员说我对外担保太多。可那两笔担保上个月都解除了", kb)
    assert "external_guarantee" in raised(
        "给表哥担保了三十万。不过网贷已经还清了", kb
    )  # the turn is about another thing
    assert "frequent_inquiries" not in raised("我妈说我征信花了，其实我半年只查过一次", kb)
    assert "frequent_inquiries" in raised("征信花了，其实两个月就查了十几次", kb)


def test_a_lender_saying_an_asset_is_hard_to_sell_is_no_doubt(kb: Knowledge) -> None:
    assert "collateral_value" in raised("押的门面在城郊，银行说不好变现", kb)
    assert "lender_tightening" in raised("信贷员说今年上面收紧了", kb)


class _Scores:
    """A stand-in signal model: fixed scores per clause, every signal over 0.5 counts."""

    def __init__(self, table: dict[str, dict[str, float]]) -> None:
        self.table = table

    def scores(self, text: str) -> dict[str, float]:
        return self.table.get(text, {})

    def above(self, text: str) -> dict[str, float]:
        return {sid: p for sid, p in self.scores(text).items() if p >= 0.5}

    def states_problem(self, text: str, sid: str) -> bool:
        return True


def _stub(table: dict[str, dict[str, float]]) -> learned.SignalModel:
    return cast(learned.SignalModel, _Scores(table))


def test_the_evidence_moves_past_a_clause_about_someone_else(kb: Knowledge) -> None:
    """When the best clause is someone else's matter, the next clause that passes alone carries it."""
    rules = detect._rules_for(kb)
    other = {"我哥资料没交全"}
    scored = [("我哥资料没交全", {"unverifiable_info": 0.97}), ("我单位地址填错了", {"unverifiable_info": 0.9})]
    model = _stub(dict(scored))
    clause = detect._evidence(scored, "unverifiable_info", model, rules, other, False)
    assert clause == "我单位地址填错了"
    weak = [("我哥资料没交全", {"unverifiable_info": 0.97}), ("我单位地址填错了", {"unverifiable_info": 0.3})]
    assert detect._evidence(weak, "unverifiable_info", _stub(dict(weak)), rules, other, False) is None
    # the clause whose count has spoken is passed over too
    assert (
        detect._evidence(scored, "unverifiable_info", model, rules, set(), False, "我哥资料没交全")
        == "我单位地址填错了"
    )


def test_a_sure_clause_counts_even_when_the_long_sentence_does_not(kb: Knowledge) -> None:
    scored = [("三样一起做", {"cross_industry": 0.95}), ("今年卡上的钱一下子少了一大截", {"cashflow_drop": 0.98})]
    model = _stub({**dict(scored), "三样一起做，今年卡上的钱一下子少了一大截": {"cross_industry": 0.9}})
    hits = detect._hits("三样一起做，今年卡上的钱一下子少了一大截", scored, model)
    assert set(hits) == {"cross_industry", "cashflow_drop"}
    unsure = [("三样一起做", {"cross_industry": 0.95}), ("今年卡上的钱一下子少了一大截", {"cashflow_drop": 0.9})]
    assert "cashflow_drop" not in detect._hits("x", unsure, _stub(dict(unsure)))


@pytest.mark.parametrize(
    ("text", "sid"),
    [
        ("上回跟您讲我有逾期，那是讲错了，其实一天都没晚过", "overdue_record"),  # a claim taken back
        ("客服说我是白户，这话根本不对", "thin_credit_file"),
        ("之前以为自己卡刷爆了，算错了", "card_overdraft"),
        ("在这家才借过一回，算不上老客户", "renewal_review"),  # a later clause denies it by name
        ("额度八万欠着三万，这不叫刷爆吧", "card_overdraft"),
        ("股票那东西我弄不懂，一直没开户", "stock_speculation"),
        ("前几年玩过虚拟币，去年全撤出来了，再也不碰了", "stock_speculation"),
        ("我那哥们才是网贷借了一堆的人", "high_interest_borrowing"),
        ("信用卡逾期的是我合伙人", "overdue_record"),
        ("那笔逾期记在我前妻名下，我这边干干净净", "overdue_record"),
        ("信贷员讲他们今年不良爆了，收得紧", "overdue_record"),  # the lender's bad loans
        ("拿老家县城的铺面去抵押，想借十五万", "amount_over_limit"),  # secured
        ("押的那套在地铁站边上，不愁卖", "collateral_value"),
    ],
)
def test_a_claim_taken_back_or_denied_by_name_later(kb: Knowledge, text: str, sid: str) -> None:
    assert sid not in raised(text, kb)


@pytest.mark.parametrize(
    ("text", "sid"),
    [
        ("信贷员说我有逾期，我查了确实有两笔", "overdue_record"),  # reported and confirmed
        ("卡都刷爆了，这不算小事吧", "card_overdraft"),  # the later clause denies nothing by name
        ("我是白户，不是没有收入", "thin_credit_file"),
        ("房子在山沟里，不好卖", "collateral_value"),
        ("我弟帮我看过，我自己三张卡都刷爆了", "card_overdraft"),
        ("想借十五万的信用贷，没有抵押", "amount_over_limit"),
    ],
)
def test_the_same_words_still_raise_when_the_problem_stands(kb: Knowledge, text: str, sid: str) -> None:
    assert sid in raised(text, kb)
