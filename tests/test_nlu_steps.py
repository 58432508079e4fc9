"""Our NLU steps after DIET: the refusal cues and the domain gate override DIET's guess."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.message import Message

from loanwhy import scope, search
from loanwhy.kb import read_db
from loanwhy.refusals import compile_rules
from nlu.fact_vote import FactVote, faq_guesses, unsure
from nlu.refusal_cues import RefusalCues
from nlu.relevance import DomainRelevance


def parsed(text: str, intent: str, ranking: list[tuple[str, float]]) -> Message:
    return Message(
        data={
            "text": text,
            "intent": {"name": intent, "confidence": ranking[0][1] if ranking else 0.5},
            "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
        }
    )


def names(message: Message) -> list[str]:
    return [r["name"] for r in message.get("intent_ranking")]


def test_a_clear_refusal_request_wins_over_diet(kb_db: Path) -> None:
    step = RefusalCues(compile_rules(read_db(kb_db).lexicon["refusals"]))
    message = parsed("帮我做一份假流水", "greet", [("greet", 0.6), ("request_falsify", 0.3)])
    step.process([message])
    assert message.get("intent") == {"name": "request_falsify", "confidence": 1.0}
    assert names(message) == ["request_falsify", "greet"]
    untouched = parsed("我没有做假流水，为什么被拒", "ask_refusal_reason", [("ask_refusal_reason", 0.8)])
    step.process([untouched])
    assert untouched.get("intent")["name"] == "ask_refusal_reason"


def test_no_domain_word_means_out_of_scope(kb_db: Path) -> None:
    step = DomainRelevance(list(read_db(kb_db).lexicon["domain_words"]))
    story = parsed("今天天气怎么样呢", "describe_situation", [("describe_situation", 0.7)])
    step.process([story])
    assert story.get("intent")["name"] == "out_of_scope" and names(story)[0] == "out_of_scope"
    loan = parsed("我的贷款被拒了", "describe_situation", [("describe_situation", 0.7)])
    step.process([loan])
    assert loan.get("intent")["name"] == "describe_situation"


def test_a_faq_guess_with_no_domain_word_is_out_of_scope(kb_db: Path) -> None:
    step = DomainRelevance(list(read_db(kb_db).lexicon["domain_words"]))
    house = parsed("明年房价会跌吗，现在上车是不是接盘", "faq_cities", [("faq_cities", 0.6)])
    cities = parsed("亚联财在哪些城市能办", "faq_cities", [("faq_cities", 0.9)])
    step.process([house, cities])
    assert house.get("intent")["name"] == "out_of_scope"
    assert cities.get("intent")["name"] == "faq_cities"


def test_a_message_with_no_domain_word_makes_no_situation(kb_db: Path) -> None:
    # "没有白糖" reads like a thin file to the detector; a recipe is no loan situation
    from nlu.situation_cues import SituationCues

    step = SituationCues(None, domain=read_db(kb_db).mentions_domain)
    recipe = step.process([parsed("红烧肉怎么做才不腻？家里只有冰糖没有白糖", "thank", [("thank", 0.4)])])[0]
    loan = step.process([parsed("从来没办过信用卡，也没贷过款", "thank", [("thank", 0.4)])])[0]
    assert recipe.get("intent")["name"] == "thank"
    assert loan.get("intent")["name"] == "describe_situation"


def test_a_faint_question_why_starts_the_refusal_path(kb_db: Path) -> None:
    from nlu.situation_cues import SituationCues

    kb = read_db(kb_db)
    step = SituationCues(None, None, None, None, None, re.compile(kb.lexicon["asks_why"]), kb.mentions_domain)
    why = step.process([parsed("是不是因为我之前借过高利贷？", "faq_reapply", [("faq_reapply", 0.3)])])[0]
    sure = step.process([parsed("为什么征信记录要保留五年", "faq_record_keep", [("faq_record_keep", 0.9)])])[0]
    assert why.get("intent")["name"] == "ask_refusal_reason"
    assert sure.get("intent")["name"] == "faq_record_keep"  # a sure FAQ guess stands


@pytest.mark.parametrize(
    ("text", "off_topic"),
    [
        ("我家的猫做完手术要等多长时间才能好起来", True),
        ("被拒以后要等多久才能再申请贷款", False),  # a word of ours
        ("要等多久?", False),  # a bare follow-up: about the last report
        ("征 信 要 多 久 才 能 恢 复", False),  # the words are read without the gaps
        ("连三累六了，还有没有救，要等多久", False),  # credit slang is ours
        ("押的那台车开了十几年，评估才给几千，要等多久", False),  # a pledge said short
        ("房东押金拖了三个月都不退，要等多久", True),  # a deposit is not a pledge
    ],
)
def test_every_message_carries_nlus_scope_verdict(kb_db: Path, text: str, off_topic: bool) -> None:
    step = DomainRelevance(read_db(kb_db).domain_words)
    message = step.process([parsed(text, "ask_how_long", [("ask_how_long", 0.9)])])[0]
    assert message.get("off_topic") is off_topic
    assert message.as_dict(only_output_properties=True)["off_topic"] is off_topic  # it reaches the actions
    assert message.get("intent")["name"] == "ask_how_long"  # a follow-up: its action decides what to say


def test_a_second_forced_intent_does_not_tie_with_the_first() -> None:
    """Two steps forcing in turn must not leave two intents at 1.0 (the fallback would call it ambiguous)."""
    from nlu.intents import SECOND_BEST, force_intent

    message = parsed("我想P一张流水", "greet", [("greet", 0.6), ("thank", 0.3)])
    force_intent(message, "describe_situation")
    force_intent(message, "request_falsify")
    ranking = message.get("intent_ranking")
    assert ranking[0] == {"name": "request_falsify", "confidence": 1.0}
    assert all(r["confidence"] <= SECOND_BEST for r in ranking[1:])
    assert names(message).count("request_falsify") == 1


def test_a_stated_situation_becomes_describe_situation(kb_db: Path) -> None:
    import re

    from nlu.situation_cues import SituationCues

    step = SituationCues(re.compile("综合评分|资质不符"))
    said = step.process([parsed("信用卡全刷爆了还借了七八个网贷", "greet", [("greet", 0.7)])])[0]
    wording = step.process([parsed("综合评分不足啥意思", "describe_situation", [("describe_situation", 0.7)])])[0]
    question = step.process([parsed("亚联财在哪些城市有网点", "faq_yalian_cities", [("faq_yalian_cities", 0.9)])])[0]
    assert said.get("intent")["name"] == "describe_situation"
    assert wording.get("intent")["name"] == "ask_lender_wording"
    assert question.get("intent")["name"] == "faq_yalian_cities"


def test_a_message_taking_back_what_was_said_is_a_situation_not_a_faq(kb_db: Path) -> None:
    from nlu.situation_cues import SituationCues

    kb = read_db(kb_db)
    step = SituationCues(None, None, None, re.compile(kb.lexicon["question_words"]), domain=kb.mentions_domain)
    back = "刚才说的不对，炒币的是我哥，用的他自己的钱，跟我店里没关系"
    taken = step.process([parsed(back, "faq_self_query", [("faq_self_query", 0.7)])])[0]
    asked = step.process([parsed("逾期还清了多久能消除？", "faq_record_keep", [("faq_record_keep", 0.7)])])[0]
    assert taken.get("intent")["name"] == "describe_situation"
    assert asked.get("intent")["name"] == "faq_record_keep"  # a question stays the FAQ's


def test_lender_wording_that_mentions_people_is_not_a_handoff_request(kb_db: Path) -> None:
    import re

    from nlu.situation_cues import SituationCues

    step = SituationCues(re.compile("秒拒"), None, re.compile("转人工|人工客服"))
    wording = step.process([parsed("秒拒，连人工审核都没有", "request_handoff", [("request_handoff", 0.8)])])[0]
    asked = step.process([parsed("秒拒了，给我转人工", "request_handoff", [("request_handoff", 0.8)])])[0]
    assert wording.get("intent")["name"] == "ask_lender_wording"
    assert asked.get("intent")["name"] == "request_handoff"


def test_a_refusal_in_any_words_starts_the_refusal_path(kb_db: Path) -> None:
    import re

    from nlu.situation_cues import SituationCues

    step = SituationCues(None, re.compile("被拒|没通过|不给我?贷|没下来"))
    unsure = step.process([parsed("贷款没下来,你说说是哪的问题", "thank", [("thank", 0.3), ("greet", 0.28)])])[0]
    greeting = step.process([parsed("你好,请问我的贷款为什么没通过呀?", "greet", [("greet", 0.8)])])[0]
    question = step.process([parsed("被拒后多久能再申请", "faq_reapply_wait", [("faq_reapply_wait", 0.5)])])[0]
    assert unsure.get("intent")["name"] == "ask_refusal_reason"
    assert greeting.get("intent")["name"] == "ask_refusal_reason"
    guess = step.process([parsed("信用社不给贷", "faq_reapply_wait", [("faq_reapply_wait", 0.3)])])[0]
    assert question.get("intent")["name"] == "faq_reapply_wait"
    assert guess.get("intent")["name"] == "ask_refusal_reason"  # not "did you mean" over a faint FAQ guess
    asks = SituationCues(None, re.compile("没批"), None, re.compile("吗|多久|？"))
    stated = asks.process([parsed("抵押贷款没批", "faq_yalian_products", [("faq_yalian_products", 0.6)])])[0]
    asked = asks.process([parsed("抵押贷款没批多久能再申请", "faq_reapply_wait", [("faq_reapply_wait", 0.6)])])[0]
    assert stated.get("intent")["name"] == "ask_refusal_reason"  # a statement of refusal, whatever FAQ DIET heard
    assert asked.get("intent")["name"] == "faq_reapply_wait"
    faint = step.process([parsed("今年贷款没下来", "ask_refusal_reason", [("ask_refusal_reason", 0.27)])])[0]
    assert faint.get("intent")["confidence"] >= 0.9  # right but faint: made sure before FallbackClassifier


def test_a_stated_situation_wins_when_diet_is_unsure(kb_db: Path) -> None:
    from nlu.situation_cues import SituationCues

    unsure = SituationCues(None).process(
        [parsed("有当前逾期，银行直接拒了", "what_if", [("what_if", 0.35), ("faq_overdue_help", 0.33)])]
    )[0]
    sure = SituationCues(None).process(
        [parsed("信用卡逾期了怎么办", "faq_overdue_help", [("faq_overdue_help", 0.95)])]
    )[0]
    assert unsure.get("intent")["name"] == "describe_situation"
    assert sure.get("intent")["name"] == "faq_overdue_help"


def test_a_statement_of_how_things_stand_is_no_faq_question(kb_db: Path) -> None:
    # an answer to the report's follow-up question, in words the record-retention FAQ also uses
    from nlu.situation_cues import SituationCues

    step = SituationCues(None, None, None, re.compile("吗|多久|几年|？"))
    ranking = [("faq_report_duration", 0.8)]
    told = step.process([parsed("没拖过款，钱都是到日子就还。就申请了这一回", "faq_report_duration", ranking)])[0]
    asked = step.process([parsed("没逾期的话，查询记录留几年", "faq_report_duration", ranking)])[0]
    plain = step.process([parsed("征信报告上的记录会保留一段时间", "faq_report_duration", ranking)])[0]
    assert told.get("intent")["name"] == "describe_situation"
    faint = [("describe_situation", 0.34), ("faq_report_duration", 0.3)]
    sure = step.process([parsed("没拖过款，钱都是到日子就还。就申请了这一回", "describe_situation", faint)])[0]
    assert sure.get("intent")["confidence"] == 1.0  # made sure: no FAQ vote or "did you mean" after it
    assert asked.get("intent")["name"] == "faq_report_duration"  # a question keeps its FAQ
    assert plain.get("intent")["name"] == "faq_report_duration"  # nothing of the writer's situation in it


def test_a_lawful_question_is_not_refused_on_diets_word(kb_db: Path) -> None:
    step = RefusalCues(compile_rules(read_db(kb_db).lexicon["refusals"]))
    lawful = step.process(
        [
            parsed(
                "收入是现金发的没有流水，怎么证明自己的收入才合规",
                "request_falsify",
                [("request_falsify", 0.7), ("faq_refusal_general", 0.2)],
            )
        ]
    )[0]
    assert lawful.get("intent")["name"] == "faq_refusal_general"


def test_a_request_with_no_loan_or_document_word_is_not_refused(kb_db: Path) -> None:
    lex = read_db(kb_db).lexicon
    step = RefusalCues(compile_rules(lex["refusals"]), lex["loan_words"] + lex["document_words"])
    recipe = step.process(
        [parsed("糖醋排骨怎么做好吃，教教我", "request_falsify", [("request_falsify", 0.6), ("help", 0.3)])]
    )[0]
    assert recipe.get("intent")["name"] == "out_of_scope"
    fake = step.process(
        [parsed("教教我怎么弄一份好看的流水", "request_falsify", [("request_falsify", 0.6), ("out_of_scope", 0.3)])]
    )[0]
    assert fake.get("intent")["name"] == "request_falsify"


def test_a_signal_word_in_another_sense_leaves_a_sure_out_of_scope(kb_db: Path) -> None:
    # guards SituationCues._elsewhere: "逾期" of a library book, "额度" of a phone plan made a diagnosis
    from nlu.situation_cues import SituationCues

    step = SituationCues(None, loan_words=["贷", "借", "征信", "银行"])
    book = step.process([parsed("图书馆那本书逾期了三天会罚钱吗", "out_of_scope", [("out_of_scope", 0.8)])])[0]
    loan = step.process([parsed("车贷逾期了三个月", "out_of_scope", [("out_of_scope", 0.8)])])[0]
    unsure = step.process([parsed("图书逾期三个月了", "out_of_scope", [("out_of_scope", 0.5)])])[0]
    assert book.get("intent")["name"] == "out_of_scope"
    assert loan.get("intent")["name"] == "describe_situation"
    assert unsure.get("intent")["name"] == "describe_situation"  # DIET unsure: the stated situation wins


def test_a_stated_situation_too_close_to_the_runner_up_is_made_sure(kb_db: Path) -> None:
    # guards the ambiguity part of SituationCues' "faint": 0.43 against 0.41 ended in "did you mean"
    from nlu.situation_cues import SituationCues

    close = SituationCues(None).process(
        [
            parsed(
                "续贷被拒了，经理说上面收紧了",
                "describe_situation",
                [("describe_situation", 0.43), ("ask_signal_info", 0.41)],
            )
        ]
    )[0]
    assert close.get("intent")["confidence"] >= 0.9


def test_the_thresholds_are_the_fallback_classifiers() -> None:
    import yaml

    from nlu import situation_cues

    config = yaml.safe_load((Path(__file__).resolve().parent.parent / "config.yml").read_text(encoding="utf-8"))
    fallback = next(c for c in config["pipeline"] if c["name"] == "FallbackClassifier")
    assert (situation_cues.FALLBACK, situation_cues.AMBIGUITY) == (
        fallback["threshold"],
        fallback["ambiguity_threshold"],
    )


def test_a_refusal_diet_guessed_faintly_is_made_sure(kb_db: Path) -> None:
    # guards RefusalCues: DIET's own guess at 0.19 was left as it was and ended in "did you mean"
    step = RefusalCues(compile_rules(read_db(kb_db).lexicon["refusals"]))
    faint = step.process(
        [
            parsed(
                "帮我写份证明，就说我在银行上班",
                "request_falsify",
                [("request_falsify", 0.19), ("faq_report_get", 0.15)],
            )
        ]
    )[0]
    assert faint.get("intent") == {"name": "request_falsify", "confidence": 1.0}


def test_a_statement_is_no_request_to_falsify(kb_db: Path) -> None:
    lex = read_db(kb_db).lexicon
    step = RefusalCues(
        compile_rules(lex["refusals"]), lex["loan_words"] + lex["document_words"], lex["request_markers"]
    )
    said = step.process(
        [
            parsed(
                "这半年店里的流水掉了一大半，银行说流水不够",
                "request_falsify",
                [("request_falsify", 0.6), ("describe_situation", 0.3)],
            )
        ]
    )[0]
    assert said.get("intent")["name"] == "describe_situation"
    asked = step.process(
        [
            parsed(
                "流水不够，你看能不能弄得好看一点",
                "request_falsify",
                [("request_falsify", 0.6), ("describe_situation", 0.3)],
            )
        ]
    )[0]
    assert asked.get("intent")["name"] == "request_falsify"


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("开货车的，问了好几家银行都不给", True),
        ("网上申请，系统直接说no", True),
        ("my loan被reject了", True),
        ("我都不给别人担保", False),
        ("都不给我面子", False),
        ("他说nothing", False),
    ],
)
def test_refusals_said_in_everyday_words(kb_db: Path, text: str, refused: bool) -> None:
    import re

    assert bool(re.search(read_db(kb_db).lexicon["refused_words"], text)) is refused


def test_a_stated_situation_wins_over_a_sure_faq_guess_but_a_question_keeps_it(kb_db: Path) -> None:
    # guards SituationCues' statement_not_faq: "房贷还不上了…" got the overdue FAQ, not a diagnosis
    import re

    from nlu.situation_cues import SituationCues

    step = SituationCues(None, None, None, re.compile("吗|多久|怎么|？|\\?"))
    said = step.process([parsed("房贷还不上了，已经拖了两个月没还", "faq_overdue_help", [("faq_overdue_help", 0.9)])])[
        0
    ]
    asked = step.process(
        [parsed("房贷还不上了，已经拖了两个月，怎么办？", "faq_overdue_help", [("faq_overdue_help", 0.9)])]
    )[0]
    assert said.get("intent")["name"] == "describe_situation"
    assert asked.get("intent")["name"] == "faq_overdue_help"


def test_asking_why_one_was_refused_is_no_faq(kb_db: Path) -> None:
    # guards SituationCues._asks_why and the question words: "怎么就没批呢" and "申了好几家都不给" got FAQ answers

    from nlu.situation_cues import SituationCues

    step = SituationCues.from_knowledge(read_db(kb_db))

    def intent(text: str, faq: str) -> str:
        return str(step.process([parsed(text, faq, [(faq, 0.9)])])[0].get("intent")["name"])

    assert intent("小同志，我这笔贷款怎么就没批呢", "faq_report_dispute") == "ask_refusal_reason"
    assert intent("跑车的，急用钱修车，申了好几家都不给", "faq_overdue_help") == "ask_refusal_reason"
    assert intent("被拒后多久能再申请", "faq_reapply_wait") == "faq_reapply_wait"


def test_asking_why_is_no_request_for_a_promise(kb_db: Path) -> None:

    from nlu.situation_cues import SituationCues

    step = SituationCues.from_knowledge(read_db(kb_db))
    why = step.process(
        [parsed("你好，想问下你们这边为啥不给我批？我条件挺好的啊", "ask_promise", [("ask_promise", 0.9)])]
    )[0]
    assert why.get("intent")["name"] == "ask_refusal_reason"


def test_unsure_is_what_the_fallback_classifier_would_catch() -> None:
    assert unsure([{"name": "faq_a", "confidence": 0.3}], 0.4, 0.05)
    assert unsure([{"name": "faq_a", "confidence": 0.5}, {"name": "faq_b", "confidence": 0.47}], 0.4, 0.05)
    assert not unsure([{"name": "faq_a", "confidence": 0.5}, {"name": "faq_b", "confidence": 0.3}], 0.4, 0.05)
    assert not unsure([], 0.4, 0.05)
    ranking = [{"name": n, "confidence": 0.1} for n in ("greet", "faq_a", "describe_situation", "faq_b", "faq_c")]
    assert faq_guesses(ranking, 4) == ["a", "b"]


@pytest.fixture(scope="module")
def fact_vote(kb_db: Path, tmp_path_factory: pytest.TempPathFactory) -> FactVote:
    kb = read_db(kb_db)
    index = tmp_path_factory.mktemp("index") / "app.sqlite"
    search.ensure_index(kb, index)
    return FactVote(FactVote.get_default_config(), kb, index)


def test_an_unsure_factual_question_gets_the_fact_diet_and_the_search_agree_on(fact_vote: FactVote) -> None:
    unsure_legit = parsed(
        "亚联财哪一年到内地来的，算不算正规",
        "faq_yalian_cities",
        [("faq_yalian_cities", 0.35), ("faq_yalian_legit", 0.3), ("greet", 0.1)],
    )
    fact_vote.process([unsure_legit])
    assert unsure_legit.get("intent") == {"name": "faq_yalian_legit", "confidence": 1.0}


def test_sure_guesses_and_disagreements_are_left_alone(fact_vote: FactVote) -> None:
    sure = parsed(
        "亚联财哪一年到内地来的", "faq_yalian_cities", [("faq_yalian_cities", 0.8), ("faq_yalian_legit", 0.1)]
    )
    # the search's best fact is not among DIET's guesses: no answer is better than a wrong one
    apart = parsed("亚联财哪一年到内地来的，算不算正规", "greet", [("greet", 0.3), ("faq_loan_use", 0.2)])
    no_faq = parsed("随便聊聊", "greet", [("greet", 0.3), ("goodbye", 0.28)])
    # off topic by the domain gate's verdict: whatever the search finds for its question words
    holiday = parsed("高速什么时候开始免费", "faq_reapply_wait", [("faq_reapply_wait", 0.3), ("greet", 0.2)])
    holiday.set(scope.OFF_TOPIC, True)
    fact_vote.process([sure, apart, no_faq, holiday])
    assert holiday.get("intent")["name"] == "faq_reapply_wait" and holiday.get("intent")["confidence"] == 0.3
    assert sure.get("intent")["name"] == "faq_yalian_cities"
    assert apart.get("intent")["name"] == "greet"
    assert no_faq.get("intent")["name"] == "greet"


def test_fact_vote_uses_the_fallback_classifiers_thresholds() -> None:
    import yaml

    pipeline = yaml.safe_load((Path(__file__).resolve().parent.parent / "config.yml").read_text())["pipeline"]
    vote = next(c for c in pipeline if c["name"] == "nlu.fact_vote.FactVote")
    fallback = next(c for c in pipeline if c["name"] == "FallbackClassifier")
    assert (vote["threshold"], vote["ambiguity_threshold"]) == (fallback["threshold"], fallback["ambiguity_threshold"])
    assert pipeline.index(vote) == pipeline.index(fallback) - 1


def _relevance(kb_db: Path) -> DomainRelevance:
    """The relevance step as the knowledge base configures it, off-topic asks included."""
    kb = read_db(kb_db)
    asks = [re.compile(p) for p in kb.lexicon["off_topic_asks"]]
    return DomainRelevance(list(kb.domain_words), asks, list(kb.lexicon["loan_words"]))


def test_a_question_about_another_topic_in_our_words_is_out_of_scope(kb_db: Path) -> None:
    step = _relevance(kb_db)
    points = parsed("信用卡积分快到期了能兑点什么", "describe_situation", [("describe_situation", 0.6)])
    market = parsed("大盘走势怎么样，还能买吗", "ask_signal_info", [("ask_signal_info", 0.5)])
    loan = parsed("信用卡积分攒了不少，可贷款还是被拒了", "describe_situation", [("describe_situation", 0.6)])
    stocks = parsed("最近行情差，炒股亏了十几万", "describe_situation", [("describe_situation", 0.6)])
    step.process([points, market, loan, stocks])
    assert points.get("intent")["name"] == "out_of_scope" and points.get("off_topic")
    assert market.get("intent")["name"] == "out_of_scope"
    assert loan.get("intent")["name"] == "describe_situation" and not loan.get("off_topic")
    assert stocks.get("intent")["name"] == "describe_situation"


def test_everyday_banking_is_another_topic(kb_db: Path) -> None:
    step = _relevance(kb_db)
    deposit = parsed("三年定期存款利率怎么算", "faq_puhui_amount", [("faq_puhui_amount", 0.9)])
    refund = parsed("网购的退款几天能到账啊", "faq_report_duration", [("faq_report_duration", 0.9)])
    loan = parsed("贷款批了钱还没到账，正常吗", "faq_report_duration", [("faq_report_duration", 0.9)])
    step.process([deposit, refund, loan])
    assert deposit.get("intent")["name"] == "out_of_scope"
    assert refund.get("intent")["name"] == "out_of_scope"
    assert loan.get("intent")["name"] == "faq_report_duration"


def test_a_refusal_taken_back_does_not_fall_to_a_faq_of_another_topic(kb_db: Path) -> None:
    lex = read_db(kb_db).lexicon
    relevance = DomainRelevance(list(read_db(kb_db).domain_words))
    step = RefusalCues(compile_rules(lex["refusals"]), request=lex["request_markers"])
    ranking = [("request_falsify", 0.2), ("faq_report_duration", 0.15)]
    transfer = parsed("跨省转账一般几小时能到", "request_falsify", ranking)
    record = parsed("逾期的记录一般几年能消掉", "request_falsify", ranking)
    step.process(relevance.process([transfer, record]))
    assert transfer.get("intent")["name"] == "out_of_scope"
    assert record.get("intent")["name"] == "faq_report_duration"
