"""The report is laid out once (loanwhy.report) and filled once outside Rasa (loanwhy.responses):
the staff console's texts are the bot's texts, as Rasa fills them and the channels convert them."""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path
from typing import Any

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg.interpolator import interpolate_text
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk.executor import CollectingDispatcher

from actions.diagnosis import send_report
from channels import guard
from loanwhy import diagnose as dx
from loanwhy import report, responses
from loanwhy.kb import Knowledge
from staff import explain
from tests.snippet import run_snippet

ROOT = Path(__file__).resolve().parent.parent
TEXTS = [
    "我最近半年申请了8次网贷，信用卡也刷爆了",
    "我给朋友公司做了担保，流水最近少了一半",
    "征信很干净，没有逾期",
    "我的贷款被拒了",
    "最近半年申請了8次網貸，信用卡也刷爆了",  # Traditional: the replies are Traditional too
    "电话13812345678，逾期了三个月",
]


@pytest.mark.parametrize(
    ("template", "values"),
    [
        ("原因{rank}：{name}", {"rank": 2, "name": "逾期"}),
        ("{count} 个", {"count": 3}),
        ("缺 {missing} 和 {name}", {"name": "x"}),  # a missing value leaves the whole text unfilled
        ("{{name}} 原样", {"name": "x"}),  # doubled braces
        ("没有占位", {"name": "x"}),
        ("{a\nb} 跨行不算", {"a\nb": "x"}),
        ("{ } 空格", {" ": "y"}),
    ],
)
def test_interpolate_is_rasas_rule(template: str, values: dict[str, Any]) -> None:
    assert responses.interpolate(template, values) == interpolate_text(template, dict(values))


def test_template_prefers_the_channels_variant(tmp_path: Path) -> None:
    domain = tmp_path / "domain.yml"
    domain.write_text(
        "responses:\n"
        "  utter_x:\n  - text: 通用\n  - text: 微信\n    channel: wechat\n  - text: 条件\n    condition: []\n",
        encoding="utf-8",
    )
    assert responses.template("utter_x", path=domain) == "通用"
    assert responses.template("utter_x", "wechat", path=domain) == "微信"
    assert responses.template("utter_x", "rest", path=domain) == "通用"
    assert responses.template("utter_nope", path=domain) == ""


def test_render_masks_and_converts_like_the_channels() -> None:
    seen = responses.as_seen("您的号码13812345678，征信报告", True)
    assert seen == guard.outbound("您的号码13812345678，征信报告", True)
    assert "13812345678" not in seen and "徵信報告" in seen
    assert responses.as_seen("征信报告", False) == "征信报告"


def test_build_lays_out_the_report(kb: Knowledge) -> None:
    built = report.build(dx.findings_to_facts("我最近半年申请了8次网贷，信用卡也刷爆了", kb), kb)
    names = [u.response or "custom" for u in built.utterances]
    principal = len(built.payload["diagnosis"]["principal"])
    assert names[0] == report.INTRO and names[1 : 1 + principal] == [report.SIGNAL] * principal
    assert names[-3:] == [report.HONESTY, "custom", report.FOLLOW_UP]
    assert built.utterances[0].values == {"count": principal}
    assert [u.values["rank"] for u in built.utterances if u.response == report.SIGNAL] == list(range(1, principal + 1))
    assert built.raised == [s["id"] for s in built.payload["diagnosis"]["signals"]]
    nothing = report.build({}, kb)
    assert [u.response or "custom" for u in nothing.utterances] == [report.NONE, report.HONESTY, "custom"]
    assert nothing.raised == []


@pytest.fixture(scope="module")
def rasa_domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def _bot_texts(domain: Domain, text: str) -> list[str]:
    """What the applicant reads: the action's messages, filled by Rasa's own NLG as the Rasa server
    fills them, then through the channels' output guard."""
    clean = guard.inbound(text)
    dispatcher = CollectingDispatcher()
    send_report(dispatcher, dx.findings_to_facts(clean.text))
    tracker = DialogueStateTracker.from_events("report-test", [], slots=domain.slots)
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    uttered = asyncio.run(
        RemoteAction._utter_responses(copy.deepcopy(dispatcher.messages), CollectingOutputChannel(), nlg, tracker)
    )
    return [guard.outbound(u.text, clean.traditional) or "" for u in uttered if u.text]


@pytest.mark.parametrize("text", TEXTS)
def test_staff_explanation_is_what_the_applicant_reads(kb_db: Path, rasa_domain: Domain, text: str) -> None:
    assert explain.explain(text).messages == _bot_texts(rasa_domain, text)


def test_traditional_text_gets_traditional_report(kb_db: Path) -> None:
    result = explain.explain("最近半年申請了8次網貸，信用卡也刷爆了")
    assert result.raised and "徵信查詢過於頻繁" in result.messages[1]
    assert "征信查询过于频繁" in explain.explain("最近半年申请了8次网贷，信用卡也刷爆了").messages[1]


def test_staff_explain_loads_nothing_of_the_action_server(kb_db: Path) -> None:
    code = (
        "import sys\n"
        "from staff import explain\n"
        "assert explain.explain('信用卡刷爆了').raised\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('actions', 'rasa_sdk', 'rasa')))\n"
    )
    done = run_snippet(code, ROOT, LOANWHY_KB=str(kb_db))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
