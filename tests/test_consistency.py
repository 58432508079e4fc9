"""Things that must agree across files; no training needed."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from rasa_sdk.executor import ActionExecutor

from actions.selfcheck import SELFCHECK_TOPICS
from loanwhy.kb import Knowledge

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
BUILTIN_RESPONSES = {"utter_default", "utter_ask_rephrase"}


def code_actions() -> set[str]:
    """The actions the action server registers: rasa-sdk imports every module of actions/ and takes
    every concrete Action subclass (an action in a module nobody imports here is found too)."""
    executor = ActionExecutor()
    executor.register_package("actions")
    return {name for name, run in executor.actions.items() if type(run.__self__).__module__.startswith("actions.")}


def data_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "data").rglob("*.yml"))


def test_domain_actions_exist_in_code_and_back() -> None:
    custom = {a for a in DOMAIN["actions"] if not a.startswith("utter_")}
    assert custom == code_actions()


def test_every_response_used_is_defined_and_every_defined_is_used() -> None:
    defined = set(DOMAIN["responses"])
    sources = data_text() + "".join(p.read_text(encoding="utf-8") for p in (ROOT / "actions").glob("*.py"))
    sources += "".join(p.read_text(encoding="utf-8") for p in (ROOT / "channels").rglob("*.py"))
    sources += (ROOT / "loanwhy" / "report.py").read_text(encoding="utf-8")  # the report's layout (loanwhy.report)
    used = set(re.findall(r"utter_[a-z_]+", sources)) - {"utter_message"}
    assert used - defined - BUILTIN_RESPONSES == set()
    assert defined - used == set(), "responses never used"


def test_every_signal_is_complete_and_covered_by_a_story(kb: Knowledge) -> None:
    stories = (ROOT / "tests" / "test_stories.yml").read_text(encoding="utf-8")
    for sid, s in kb.signals.items():
        assert s["name"] and s["why"] and s["steps"] and s["summary"] and s["script"], sid
        assert f"# covers: {sid}" in stories, f"no story test covers {sid}"


def test_every_fact_has_an_intent_and_a_rule(kb: Knowledge) -> None:
    faq_intents = {i for i in DOMAIN["intents"] if i.startswith("faq_")}
    assert {f"faq_{f}" for f in kb.facts} == faq_intents
    rules = (ROOT / "data" / "rules_faq.yml").read_text(encoding="utf-8")
    for intent in faq_intents:
        assert rules.count(f"intent: {intent}\n") == 2, intent


def test_selfcheck_form_matches_catalog(kb: Knowledge) -> None:
    topics = kb.catalog["selfcheck_topics"]
    slots = DOMAIN["forms"]["selfcheck_form"]["required_slots"]
    assert slots == [f"sc_{t['id']}" for t in topics]
    assert tuple(t["id"] for t in topics) == SELFCHECK_TOPICS
    assert len(topics) <= kb.catalog["selfcheck_max"]  # every topic fits in the questions allowed
    covered = [s for t in topics for s in t["signals"]]
    assert sorted(covered) == sorted(kb.signals), "every signal is asked about exactly once"
    for t in topics:
        assert t["question"] and t["answers"], t["id"]
        for answer in t["answers"]:
            assert set(answer.get("raised", [])) | set(answer.get("fine", [])) <= set(t["signals"]), answer


def test_suggestions_name_real_intents(kb: Knowledge) -> None:
    assert set(kb.lexicon["suggestions"]) <= set(DOMAIN["intents"])


def test_refusal_cues_name_intents_with_a_refusal_rule(kb: Knowledge) -> None:
    rules = yaml.safe_load((ROOT / "data" / "rules.yml").read_text(encoding="utf-8"))["rules"]
    answered = {r["steps"][0]["intent"] for r in rules if "intent" in r["steps"][0]}
    for intent in kb.lexicon["refusals"]:
        assert intent in DOMAIN["intents"], intent
        assert intent in answered, intent


def test_no_chinese_literals_in_actions() -> None:
    for path in (ROOT / "actions").glob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip().startswith("#") or line.strip().startswith('"""'):
                continue
            assert not re.search(r"[\"'][^\"']*[\u4e00-\u9fff]", line), f"{path.name}: {line}"


def test_story_coverage_texts_really_raise_their_signal(kb: Knowledge) -> None:
    from loanwhy.detect import raised

    text = (ROOT / "tests" / "test_stories.yml").read_text(encoding="utf-8")
    blocks = re.findall(r"# covers: (\w+)\n.*?- user: \|\n\s+(.+?)\n", text, flags=re.S)
    assert len(blocks) == len(kb.signals)
    for sid, said in blocks:
        assert sid in raised(said, kb), (sid, said)


def test_a_regex_featurizer_only_with_regexes() -> None:
    """Without regex or lookup entries in data/ it adds no feature (same predictions on 1,701 texts, 2026-11-30)."""
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    in_pipeline = any(c["name"] == "RegexFeaturizer" for c in config["pipeline"])
    nlu = [
        item
        for p in (ROOT / "data").rglob("*.yml")
        for item in (yaml.safe_load(p.read_text(encoding="utf-8")) or {}).get("nlu") or []
    ]
    assert in_pipeline == any("regex" in item or "lookup" in item for item in nlu)
