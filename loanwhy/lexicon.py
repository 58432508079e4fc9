"""The jieba user dictionary, generated from the knowledge base.

Rasa's JiebaTokenizer reads every file in a folder (`dictionary_path`), so the
finance words and signal synonyms are written to var/jieba/finance.txt.
"""

from __future__ import annotations

from pathlib import Path

from loanwhy.kb import ROOT, Knowledge, load

JIEBA_DIR = ROOT / "var" / "jieba"


def terms(kb: Knowledge | None = None) -> list[str]:
    kb = kb or load()
    words = set(kb.lexicon["finance_terms"])
    for s in kb.signals.values():
        words.update(s["synonyms"])
    words.update(kb.lexicon["typos"].values())
    return sorted(w for w in words if w and " " not in w)


def write_jieba_dictionary(target: Path = JIEBA_DIR) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    path = target / "finance.txt"
    path.write_text("".join(f"{w} 2000\n" for w in terms()), encoding="utf-8")
    return path
