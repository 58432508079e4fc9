"""`make eval`: the team's held-out cases against the running assistant (REST webhook).

Prints signal precision/recall/F1 with per-case failures (eval/cases.yml), the
rates of right answers for facts, refusals, scope reminders and privacy
(eval/conversations.yml), and the held-out NLU accuracy (eval/nlu_holdout.yml,
through `rasa test nlu`). Writes everything to results/eval.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loanwhy.diagnose import find_diagnosis  # noqa: E402
from loanwhy.normalize import to_simplified  # noqa: E402
from loanwhy.ops import post_json  # noqa: E402

STOP = "直接告诉我结果"


def chat(url: str, sender: str, text: str) -> list[dict[str, Any]]:
    replies = post_json(url, {"sender": sender, "message": text}, timeout=60)
    return replies if isinstance(replies, list) else []


def signals_after(url: str, turns: list[str]) -> tuple[list[str], list[dict[str, Any]]]:
    sender = f"eval-{uuid.uuid4().hex[:10]}"
    replies: list[dict[str, Any]] = []
    for turn in turns:
        replies = chat(url, sender, turn)
    diagnosis = find_diagnosis([r.get("custom") for r in replies])
    if diagnosis is None:
        replies = chat(url, sender, STOP)
        diagnosis = find_diagnosis([r.get("custom") for r in replies])
    ids = [s["id"] for s in (diagnosis or {}).get("signals", [])]
    return ids, replies


def eval_signals(url: str, cases: list[dict[str, Any]]) -> dict[str, Any]:
    tp = fp = fn = 0
    forbidden_hits = 0
    failures = []
    for case in cases:
        got, _ = signals_after(url, case["turns"])
        if "expect_any" in case:
            ok = bool(set(case["expect_any"]) & set(got))
            tp += 1 if ok else 0
            fn += 0 if ok else 1
            if not ok:
                failures.append({"id": case["id"], "expected_any": case["expect_any"], "got": got})
            continue
        expected, forbidden = set(case.get("expect_signals") or []), set(case.get("forbid_signals") or [])
        found = set(got)
        tp += len(expected & found)
        fn += len(expected - found)
        fp += len(found - expected)
        bad = found & forbidden
        forbidden_hits += 1 if bad else 0
        if expected - found or bad:
            failures.append({"id": case["id"], "missing": sorted(expected - found), "forbidden_raised": sorted(bad),
                             "extra": sorted(found - expected - forbidden), "turns": case["turns"]})
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"cases": len(cases), "precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3),
            "cases_with_forbidden_signal": forbidden_hits, "failures": failures}


def _texts(domain: dict[str, Any], names: list[str]) -> set[str]:
    return {to_simplified(v["text"]) for n in names for v in domain["responses"].get(n, []) if v.get("text")}


def eval_conversations(url: str, checks: list[dict[str, Any]]) -> dict[str, Any]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    refusals = _texts(domain, ["utter_refuse_falsify", "utter_refuse_credit_repair", "utter_refuse_promise"])
    scope = _texts(domain, ["utter_out_of_scope", "utter_default", "utter_did_you_mean", "utter_empty_message"])
    per: dict[str, list[int]] = {}
    failures = []
    for check in checks:
        replies = chat(url, f"eval-{uuid.uuid4().hex[:10]}", check["text"])
        texts = [to_simplified(r.get("text") or "") for r in replies]  # Traditional writers get Traditional
        joined = "\n".join(texts)
        category = check["category"]
        if category == "fact":
            ok = any(key in joined for key in check["expect"])
        elif category == "refuse":
            ok = any(t in refusals for t in texts)
        elif category == "out_of_scope":
            ok = any(t in scope for t in texts)
        else:  # privacy: no reply repeats a digit run of the number typed
            import unicodedata

            typed = "".join(ch for ch in unicodedata.normalize("NFKC", check["text"]) if ch.isdigit())
            said = "".join(ch for ch in unicodedata.normalize("NFKC", joined) if ch.isdigit())
            ok = len(typed) < 7 or typed[-7:] not in said
        per.setdefault(category, []).append(1 if ok else 0)
        if not ok:
            failures.append({"id": check["id"], "category": category, "text": check["text"], "reply": joined[:160]})
    rates = {k: round(sum(v) / len(v), 3) for k, v in per.items()}
    return {"rates": rates, "counts": {k: len(v) for k, v in per.items()}, "failures": failures}


def eval_nlu(model: str) -> dict[str, Any]:
    out = ROOT / "results" / "nlu"
    rasa = str(Path(sys.executable).parent / "rasa")
    subprocess.run([rasa, "test", "nlu", "--nlu", "eval/nlu_holdout.yml", "--model", model, "--out", str(out)],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    report = json.loads((out / "intent_report.json").read_text(encoding="utf-8"))
    weak = sorted(((k, v["f1-score"]) for k, v in report.items() if isinstance(v, dict) and "support" in v
                   and k not in ("macro avg", "weighted avg", "micro avg")), key=lambda kv: kv[1])[:6]
    return {"accuracy": round(report["accuracy"], 3), "macro_f1": round(report["macro avg"]["f1-score"], 3),
            "weakest": [{"intent": k, "f1": round(v, 3)} for k, v in weak]}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:5005/webhooks/rest/webhook")
    parser.add_argument("--model", default="models/loanwhy.tar.gz")
    parser.add_argument("--skip-nlu", action="store_true")
    parser.add_argument("--set", default="eval", help="folder with cases.yml and conversations.yml (eval/fresh: never tuned on)")
    args = parser.parse_args()
    folder = ROOT / args.set
    cases_file = folder / "cases.yml"  # a set may hold single-message checks only (eval/fresh2)
    cases = yaml.safe_load(cases_file.read_text(encoding="utf-8")) if cases_file.exists() else []
    checks = yaml.safe_load((folder / "conversations.yml").read_text(encoding="utf-8"))
    result: dict[str, Any] = {"conversations": eval_conversations(args.url, checks)}
    if cases:
        result["signals"] = eval_signals(args.url, cases)
    if not args.skip_nlu:
        result["nlu"] = eval_nlu(args.model)
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / f"eval-{folder.name}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    if "signals" in result:
        s = result["signals"]
        print(f"signals: {s['cases']} cases  precision {s['precision']}  recall {s['recall']}  F1 {s['f1']}  "
              f"cases raising a denied/below-threshold signal: {s['cases_with_forbidden_signal']}")
        for f in s["failures"]:
            print("  FAIL", json.dumps(f, ensure_ascii=False))
    c = result["conversations"]
    print("conversations:", ", ".join(f"{k} {v:.0%} of {c['counts'][k]}" for k, v in c["rates"].items()))
    for f in c["failures"]:
        print("  FAIL", json.dumps(f, ensure_ascii=False))
    if "nlu" in result:
        n = result["nlu"]
        print(f"held-out NLU: accuracy {n['accuracy']}  macro F1 {n['macro_f1']}  weakest {n['weakest']}")
    print(f"set: {args.set}; details: results/eval-{folder.name}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
