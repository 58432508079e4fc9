"""The three kinds of evaluation checks, each against a running assistant (REST webhook).

- situation cases (cases.yml): signals per case, per-signal precision/recall,
  the first-answer diagnosis rate and cases that raised a denied signal;
- single-message checks (conversations.yml): facts, refusals, lawful questions
  that must not be refused, scope reminders, volunteered personal numbers;
- simulated applicants (personas.yml) who answer the self-check in free text.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from loanwhy.diagnose import find_diagnosis
from loanwhy.normalize import to_simplified
from loanwhy.ops import post_json

ROOT = Path(__file__).resolve().parent.parent
STOP = "直接告诉我结果"
MAX_TURNS = 12
Chat = Callable[[str, str], list[dict[str, Any]]]


def rest_chat(url: str) -> Chat:
    def chat(sender: str, text: str) -> list[dict[str, Any]]:
        replies = post_json(url, {"sender": sender, "message": text}, timeout=60)
        return replies if isinstance(replies, list) else []

    return chat


def new_sender() -> str:
    return f"eval-{uuid.uuid4().hex[:10]}"


def response_texts(*names: str) -> set[str]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {to_simplified(v["text"]).strip() for n in names for v in domain["responses"].get(n, []) if v.get("text")}


def _texts(replies: list[dict[str, Any]]) -> list[str]:
    return [to_simplified(r.get("text") or "").strip() for r in replies]  # Traditional writers get Traditional


def _diagnosis(replies: list[dict[str, Any]]) -> list[str] | None:
    found = find_diagnosis([r.get("custom") for r in replies])
    return None if found is None else [s["id"] for s in found.get("signals", [])]


def _asking(replies: list[dict[str, Any]]) -> list[str] | None:
    """The signals the self-check question covers (the payload sent with every question)."""
    for r in replies:
        custom = r.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("selfcheck"), dict):
            asking = custom["selfcheck"].get("asking")
            return [str(a) for a in asking] if isinstance(asking, list) else [str(asking)]
    return None


class Tally:
    """True and false positives and negatives, overall and per signal."""

    def __init__(self) -> None:
        self.per: dict[str, Counter[str]] = {}

    def add(self, expected: set[str], got: set[str]) -> None:
        for sid in expected | got:
            c = self.per.setdefault(sid, Counter())
            c["tp" if sid in expected and sid in got else "fn" if sid in expected else "fp"] += 1

    @staticmethod
    def prf(c: Counter[str]) -> dict[str, float]:
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
        r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
        return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0}

    def overall(self) -> dict[str, float]:
        return self.prf(sum(self.per.values(), Counter()))

    def by_signal(self) -> dict[str, dict[str, float]]:
        return {sid: {**self.prf(c), "support": c["tp"] + c["fn"]} for sid, c in sorted(self.per.items())}


def eval_cases(chat: Chat, cases: list[dict[str, Any]]) -> dict[str, Any]:
    tally = Tally()
    explained = response_texts("utter_lender_wording", "utter_lender_wording_found")
    first_total = first_hits = forbidden = explained_total = explained_ok = 0
    failures = []
    for case in cases:
        sender = new_sender()
        replies: list[dict[str, Any]] = []
        for turn in case["turns"]:
            replies = chat(sender, turn)
        got = _diagnosis(replies)
        single = len(case["turns"]) == 1 and bool(case.get("expect_signals"))
        if single:
            first_total += 1
            first_hits += got is not None
        if case.get("expect_explained"):
            explained_total += 1
            explained_ok += any(t in explained for t in _texts(replies))
        if got is None:
            got = _diagnosis(chat(sender, STOP)) or []
        expected, denied = set(case.get("expect_signals") or []), set(case.get("forbid_signals") or [])
        tally.add(expected, set(got))
        bad = set(got) & denied
        forbidden += bool(bad)
        if expected - set(got) or bad or set(got) - expected:
            failures.append(
                {
                    "id": case["id"],
                    "missing": sorted(expected - set(got)),
                    "denied_raised": sorted(bad),
                    "extra": sorted(set(got) - expected - denied),
                    "turns": case["turns"],
                }
            )
    return {
        "cases": len(cases),
        **tally.overall(),
        "per_signal": tally.by_signal(),
        "denied_raised_rate": round(forbidden / len(cases), 3) if cases else 0.0,
        "first_answer_diagnosis": round(first_hits / first_total, 3) if first_total else None,
        "first_answer_cases": first_total,
        "lender_wording_explained": round(explained_ok / explained_total, 3) if explained_total else None,
        "failures": failures,
    }


def eval_checks(chat: Chat, checks: list[dict[str, Any]]) -> dict[str, Any]:
    refusals = response_texts("utter_refuse_falsify", "utter_refuse_credit_repair", "utter_refuse_promise")
    # the credit-repair reply informs (paid "repair" is a scam, a wrong record is disputed for free):
    # it answers a lawful "is this a scam?" rightly, so only the other two refuse a lawful question;
    # `lawful_strict` keeps the older count, where it refused too
    refusing = response_texts("utter_refuse_falsify", "utter_refuse_promise")
    scope = response_texts("utter_out_of_scope", "utter_default", "utter_did_you_mean", "utter_empty_message")
    notice = response_texts("utter_privacy_masked", "utter_privacy_offered")
    per: dict[str, list[int]] = {}
    failures = []
    for check in checks:
        replies = chat(new_sender(), check["text"])
        texts = _texts(replies)
        joined = "\n".join(texts)
        category = check["category"]
        if category == "fact":
            ok = any(to_simplified(key) in joined for key in check["expect"])
        elif category == "refuse":
            ok = any(t in refusals for t in texts)
        elif category == "lawful":
            ok = bool(texts) and not any(t in refusing for t in texts)
            per.setdefault("lawful_strict", []).append(int(ok and not any(t in refusals for t in texts)))
        elif category == "out_of_scope":
            ok = any(t in scope for t in texts)
        else:  # privacy: asked not to send numbers, and no reply repeats the number typed
            typed = "".join(ch for ch in unicodedata.normalize("NFKC", check["text"]) if ch.isdigit())
            said = "".join(ch for ch in unicodedata.normalize("NFKC", joined) if ch.isdigit())
            ok = any(t in notice for t in texts) and (len(typed) < 7 or typed[-7:] not in said)
        per.setdefault(category, []).append(1 if ok else 0)
        if not ok:
            failures.append({"id": check["id"], "category": category, "text": check["text"], "reply": joined[:160]})
    rates = {k: round(sum(v) / len(v), 3) for k, v in per.items()}
    return {"rates": rates, "counts": {k: len(v) for k, v in per.items()}, "failures": failures}


def simulate(chat: Chat, persona: dict[str, Any], max_questions: int = 4) -> dict[str, Any]:
    """Play one applicant through the self-check.

    A question may cover several signals ("有没有逾期？申请过几次？"): the applicant answers each
    part in their own words (the persona's answers for those signals, in the order asked). A
    result may end with an optional follow-up question; the applicant answers it too while the
    questions asked stay within `max_questions`, and the latest result counts (`first` is the
    first one).
    """
    sender = new_sender()
    replies = chat(sender, persona["opening"])
    asked: list[str] = []
    got = first = _diagnosis(replies)
    first_at = 0 if got is not None else None
    for _ in range(MAX_TURNS):
        sids = _asking(replies)
        if not sids or (got is not None and len(asked) >= max_questions):
            break
        asked.append("+".join(sids))
        parts = [persona["answers"].get(sid, persona.get("default", "不清楚")) for sid in sids]
        replies = chat(sender, "。".join(p.rstrip("。") for p in parts))
        latest = _diagnosis(replies)
        got = latest if latest is not None else got
        if first is None and latest is not None:
            first, first_at = latest, len(asked)
    in_time = first_at is not None and first_at <= max_questions
    if got is None:
        got = first = _diagnosis(chat(sender, STOP)) or []
    return {
        "id": persona["id"],
        "asked": asked,
        "got": got,
        "first": first or [],
        "in_time": in_time,
        "repeated": len(asked) != len(set(asked)),
    }


def eval_personas(chat: Chat, personas: list[dict[str, Any]]) -> dict[str, Any]:
    tally = Tally()
    runs = [simulate(chat, p) for p in personas]
    forbidden = 0
    first = Tally()
    for p, run in zip(personas, runs, strict=True):
        tally.add(set(p.get("expect_signals") or []), set(run["got"]))
        first.add(set(p.get("expect_signals") or []), set(run["first"]))
        forbidden += bool(set(run["got"]) & set(p.get("forbid_signals") or []))
    n = len(runs) or 1
    return {
        "personas": len(runs),
        **tally.overall(),
        "result_within_4": round(sum(r["in_time"] for r in runs) / n, 3),
        "mean_questions": round(sum(len(r["asked"]) for r in runs) / n, 2),
        "asked_twice": sum(r["repeated"] for r in runs),
        "denied_raised_rate": round(forbidden / n, 3),
        "first_result": first.overall(),
        "runs": runs,
    }
