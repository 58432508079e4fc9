"""Simulated applicants: multi-turn conversations drawn from the team's eval files.

The texts come from eval/dev/cases.yml (situations, one or several turns),
eval/dev/conversations.yml (facts, refusals, out-of-scope, privacy) and
eval/dev/nlu_holdout.yml (greetings, follow-ups such as 要等多久 / 如果…呢, stop
requests). Only the order is made up here, so the load looks like the traffic
the team evaluates, not like a loop over one message. Handoff requests are left
out: after one the bot stays quiet on purpose, which would count as an error.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

KINDS = {"report": 0.5, "selfcheck": 0.3, "faq": 0.2}
FOLLOW_UPS = ("ask_how_long", "what_if", "ask_why_matters", "ask_signal_info")
HOLDOUT_INTENTS = (
    "greet",
    "thank",
    "goodbye",
    "ask_refusal_reason",
    "describe_situation",
    "stop_selfcheck",
    "dont_know",
    *FOLLOW_UPS,
)
STOCK_SCRIPTS = (  # the stock `rasa init` bot's own intents, in the orders its stories expect
    ("hi", "great", "are you a bot?", "bye"),
    ("hello", "very sad", "yes", "goodbye"),
    ("hey there", "unhappy", "no", "bye bye"),
    ("good morning", "perfect", "am I talking to a human?", "see you later"),
)


@dataclass(frozen=True)
class Turn:
    text: str
    pick_button: bool = False  # click one of the last reply's buttons if it had any, else say `text`


@dataclass(frozen=True)
class Conversation:
    kind: str
    turns: tuple[Turn, ...]


@dataclass
class EvalTexts:
    situations: list[list[str]] = field(default_factory=list)  # each case's turns
    singles: dict[str, list[str]] = field(default_factory=dict)  # fact / refuse / out_of_scope / privacy
    intents: dict[str, list[str]] = field(default_factory=dict)  # held-out NLU examples by intent


def _read(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_eval(eval_dir: Path) -> EvalTexts:
    """The texts of the three eval files; fails loudly if one is missing or empty."""
    texts = EvalTexts()
    for case in _read(eval_dir / "cases.yml") or []:
        turns = [str(t) for t in case.get("turns") or [] if str(t).strip()]
        if turns:
            texts.situations.append(turns)
    for item in _read(eval_dir / "conversations.yml") or []:
        texts.singles.setdefault(str(item["category"]), []).append(str(item["text"]))
    for block in (_read(eval_dir / "nlu_holdout.yml") or {}).get("nlu", []):
        intent = str(block.get("intent", ""))
        if intent in HOLDOUT_INTENTS:
            lines = [ln.strip()[2:].strip() for ln in str(block.get("examples", "")).splitlines()]
            texts.intents[intent] = [ln for ln in lines if ln]
    missing = [n for n in HOLDOUT_INTENTS if not texts.intents.get(n)]
    if not texts.situations or "fact" not in texts.singles or missing:
        raise ValueError(f"eval files in {eval_dir} lack texts (missing intents: {missing})")
    return texts


class _Maker:
    def __init__(self, texts: EvalTexts, rng: random.Random) -> None:
        self.t, self.rng = texts, rng

    def say(self, intent: str) -> Turn:
        return Turn(self.rng.choice(self.t.intents[intent]))

    def single(self, category: str) -> Turn:
        return Turn(self.rng.choice(self.t.singles[category]))

    def report(self) -> list[Turn]:
        """Greeting, a situation (one or several turns), follow-ups about the report, a fact, thanks."""
        opening = [self.say("greet")] if self.rng.random() < 0.5 else []
        situation = [Turn(s) for s in self.rng.choice(self.t.situations)]
        follow = [self.say(i) for i in self.rng.sample(FOLLOW_UPS, k=2)]
        return opening + situation + follow + [self.single("fact"), self.say("thank")]

    def selfcheck(self) -> list[Turn]:
        """A bare refusal question starts the self-check; answer a few buttons, then ask for the result."""
        answers = [Turn(self.rng.choice(self.t.intents["describe_situation"]), pick_button=True) for _ in range(3)]
        return [
            self.say("ask_refusal_reason"),
            *answers,
            self.say("stop_selfcheck"),
            self.say("ask_how_long"),
            self.say("what_if"),
            self.say("thank"),
        ]

    def faq(self) -> list[Turn]:
        other = self.rng.choice([c for c in ("out_of_scope", "privacy") if c in self.t.singles] or ["fact"])
        refuse = self.single("refuse") if "refuse" in self.t.singles else self.single("fact")
        return [
            self.say("greet"),
            self.single("fact"),
            refuse,
            self.single("fact"),
            self.single(other),
            self.say("ask_signal_info"),
            self.say("goodbye"),
        ]


def conversations(texts: EvalTexts, count: int, turns: int, seed: int = 7) -> list[Conversation]:
    """`count` conversations of exactly `turns` turns (padded with factual questions)."""
    rng = random.Random(seed)
    maker = _Maker(texts, rng)
    out = []
    for _ in range(count):
        kind = rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
        script: list[Turn] = getattr(maker, kind)()
        while len(script) < turns:
            script.append(maker.single("fact"))
        out.append(Conversation(kind, tuple(script[:turns])))
    return out


def stock_conversations(count: int, turns: int, seed: int = 7) -> list[Conversation]:
    """The same shape for the stock bot, in its own English."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        script = list(rng.choice(STOCK_SCRIPTS))
        while len(script) < turns:
            script += list(rng.choice(STOCK_SCRIPTS))
        out.append(Conversation("stock", tuple(Turn(t) for t in script[:turns])))
    return out


def handoff_replies() -> frozenset[str]:
    """The replies that hand a conversation to staff: the bot is silent after them by design."""
    domain = yaml.safe_load((Path(__file__).resolve().parent.parent / "domain.yml").read_text(encoding="utf-8"))
    return frozenset(
        str(v["text"]).strip()
        for name, values in domain["responses"].items()
        if name.startswith("utter_handoff")
        for v in values
        if v.get("text")
    )


def handoff_buttons() -> frozenset[str]:
    """Button payloads that hand the conversation to staff (the bot then stays silent by design)."""
    from loanwhy.kb import load

    label = load().lexicon.get("suggestions", {}).get("request_handoff")
    return frozenset({str(label)} if label else set())
