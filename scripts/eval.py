"""`make eval`: every evaluation set against the running assistant (REST webhook).

Sets live in `eval/<name>/` (cases.yml, conversations.yml, personas.yml, any
of them). A set with a `BLIND` file has never been looked at: only its figures
are printed and stored, never which texts failed, so nobody can tune on it.
Other sets are dev sets: their failures are printed to work on.
The held-out NLU accuracy comes from `eval/dev/nlu_holdout.yml` (`rasa test nlu`).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import eval_sets as ev  # noqa: E402


def _load(path: Path) -> list[dict[str, Any]]:
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or []) if path.exists() else []


def eval_nlu(model: str) -> dict[str, Any]:
    out = ROOT / "results" / "nlu"
    rasa = str(Path(sys.executable).parent / "rasa")
    subprocess.run(
        [rasa, "test", "nlu", "--nlu", "eval/dev/nlu_holdout.yml", "--model", model, "--out", str(out)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    report = json.loads((out / "intent_report.json").read_text(encoding="utf-8"))
    return {"accuracy": round(report["accuracy"], 3), "macro_f1": round(report["macro avg"]["f1-score"], 3)}


def run_set(url: str, folder: Path) -> dict[str, Any]:
    chat = ev.rest_chat(url)
    result: dict[str, Any] = {"set": folder.name, "blind": (folder / "BLIND").exists()}
    if cases := _load(folder / "cases.yml"):
        result["signals"] = ev.eval_cases(chat, cases)
    if checks := _load(folder / "conversations.yml"):
        result["checks"] = ev.eval_checks(chat, checks)
    if personas := _load(folder / "personas.yml"):
        result["personas"] = ev.eval_personas(chat, personas)
    if result["blind"]:  # figures only: which texts failed stays unknown
        for part in ("signals", "checks"):
            result.get(part, {}).pop("failures", None)
        if "personas" in result:
            result["personas"]["runs"] = [
                {"asked": len(r["asked"]), "in_time": r["in_time"]} for r in result["personas"]["runs"]
            ]
    return result


def report(result: dict[str, Any]) -> None:
    kind = "BLIND (figures only)" if result["blind"] else "dev (failures shown)"
    print(f"\n== {result['set']}: {kind} ==")
    if s := result.get("signals"):
        print(
            f"signals: {s['cases']} cases  P {s['precision']}  R {s['recall']}  F1 {s['f1']}  "
            f"denied raised in {s['denied_raised_rate']:.1%} of cases  "
            f"first answer diagnosed {s['first_answer_diagnosis']} of {s['first_answer_cases']} descriptions"
            + (
                f"  lender wording explained {s['lender_wording_explained']}"
                if s["lender_wording_explained"] is not None
                else ""
            )
        )
        for sid, m in s["per_signal"].items():
            print(f"   {sid:24s} P {m['precision']:.2f}  R {m['recall']:.2f}  (support {m['support']})")
        for f in s.get("failures", []):
            print("  FAIL", json.dumps(f, ensure_ascii=False))
    if c := result.get("checks"):
        print("checks:", ", ".join(f"{k} {v:.0%} of {c['counts'][k]}" for k, v in c["rates"].items()))
        for f in c.get("failures", []):
            print("  FAIL", json.dumps(f, ensure_ascii=False))
    if p := result.get("personas"):
        print(
            f"personas: {p['personas']}  result within 4 questions {p['result_within_4']:.0%}  "
            f"mean questions {p['mean_questions']}  asked a topic twice {p['asked_twice']}  "
            f"P {p['precision']} R {p['recall']} F1 {p['f1']}  denied raised {p['denied_raised_rate']:.0%}  "
            f"(first result before follow-ups: F1 {p['first_result']['f1']})"
        )
        if not result["blind"]:
            for r in p["runs"]:
                print("  RUN", json.dumps(r, ensure_ascii=False))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:5005/webhooks/rest/webhook")
    parser.add_argument("--model", default="models/loanwhy.tar.gz")
    parser.add_argument("--skip-nlu", action="store_true")
    parser.add_argument("sets", nargs="*", help="folders under eval/ (default: all)")
    args = parser.parse_args()
    folders = [ROOT / "eval" / s for s in args.sets] or sorted(p for p in (ROOT / "eval").iterdir() if p.is_dir())
    (ROOT / "results").mkdir(exist_ok=True)
    for folder in folders:
        result = run_set(args.url, folder)
        (ROOT / "results" / f"eval-{folder.name}.json").write_text(
            json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        report(result)
    if not args.skip_nlu:
        n = eval_nlu(args.model)
        print(f"\nheld-out NLU (eval/dev/nlu_holdout.yml): accuracy {n['accuracy']}  macro F1 {n['macro_f1']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
