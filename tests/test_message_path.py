"""One message from the channel to the actions: masked once, by the channel's guard, and
normalised once, by NLU's first step; every later step reads the text it left."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rasa.shared.nlu.training_data.message import Message
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.diagnosis import ActionAnalyseMessage, ActionHowLong
from actions.handoff import ActionHandoff
from channels import guard
from loanwhy import detect, handoff
from loanwhy.kb import read_db
from loanwhy.privacy import MASK
from loanwhy.refusals import compile_rules
from nlu.normalizer import TextNormalizer
from nlu.refusal_cues import RefusalCues
from nlu.relevance import DomainRelevance
from nlu.situation_cues import SituationCues

TYPED = "帶款被拒了，信用卡刷爆了，電話13800138000"


def counted(calls: list[str], real: Callable[..., str]) -> Callable[..., str]:
    def wrapper(text: str, *args: Any) -> str:
        calls.append(text)
        return real(text, *args)

    return wrapper


@pytest.fixture()
def normalised(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text `loanwhy.detect.prepare` normalises (the learned models, which prepare their own
    features, left out)."""
    monkeypatch.setenv("LOANWHY_RULES_ONLY", "1")
    calls: list[str] = []
    monkeypatch.setattr(detect, "normalize", counted(calls, detect.normalize))
    return calls


def through_nlu(text: str, kb_db: Path) -> Message:
    message = Message(data={"text": text, "intent": {"name": "greet", "confidence": 0.7}, "intent_ranking": []})
    lexicon = read_db(kb_db).lexicon
    steps = [
        TextNormalizer(),
        DomainRelevance(list(lexicon["domain_words"])),
        SituationCues(None),
        RefusalCues(compile_rules(lexicon["refusals"])),
    ]
    for step in steps:
        step.process([message])
    return message


def conversation(latest: dict[str, Any], said: list[str]) -> Tracker:
    return Tracker(
        sender_id="test-user",
        slots={},
        latest_message={"intent_ranking": [], **latest},
        events=[{"event": "user", "text": t} for t in said],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def test_the_channel_masks_and_nlu_normalises_once(kb_db: Path, normalised: list[str]) -> None:
    inbound = guard.inbound(TYPED)
    assert MASK in inbound.text and "13800138000" not in inbound.text
    message = through_nlu(inbound.text, kb_db)
    assert normalised == [inbound.text]  # the first NLU step; the steps after it read its text
    assert isinstance(message.get("text"), detect.Prepared) and "贷款" in message.get("text")
    assert message.get("intent")["name"] == "describe_situation"


def test_the_actions_read_the_text_nlu_left(kb_db: Path, normalised: list[str]) -> None:
    inbound = guard.inbound(TYPED)
    message = through_nlu(inbound.text, kb_db)
    normalised.clear()
    parse_data = json.loads(json.dumps(message.as_dict(only_output_properties=True)))  # as Rasa sends it
    tracker = conversation(parse_data, [inbound.text])
    events = asyncio.run(ActionAnalyseMessage().run(CollectingDispatcher(), tracker, {}))
    asyncio.run(ActionHowLong().run(CollectingDispatcher(), tracker, {}))
    facts = next(e["value"] for e in events if e.get("name") == "facts")
    assert facts["card_overdraft"]["state"] == "raised"
    assert normalised == []


def test_a_number_split_over_two_messages_is_masked_where_the_summary_is_stored(kb_db: Path, app_db: Path) -> None:
    said = [guard.inbound("我电话是1380013").text, guard.inbound("8000，打这个").text]
    assert MASK not in "".join(said)  # each message alone holds no whole number
    tracker = conversation({"text": "转人工", "intent": {"name": "request_handoff"}}, said)
    asyncio.run(ActionHandoff().run(CollectingDispatcher(), tracker, {}))
    summary = handoff.pending(app_db)[0]["summary"]
    assert MASK in summary and "1380013" not in summary
