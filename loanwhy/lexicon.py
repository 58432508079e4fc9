"""The jieba user dictionary, generated from the knowledge base.

Rasa's JiebaTokenizer reads every file in a folder (`dictionary_path`) when it
trains and copies them into the model, so the finance words and signal synonyms
are written to `jieba/finance.txt` in the runtime folder (LOANWHY_VAR, default
`var/`) by `make kb`. The signal classifier keeps its own copy in its model
(loanwhy/learned.py); the staff search reads this file.
"""

from __future__ import annotations

import os
from pathlib import Path

from loanwhy import paths
from loanwhy.kb import Knowledge, load

FILE_NAME = "finance.txt"


def terms(kb: Knowledge | None = None) -> list[str]:
    kb = kb or load()
    words = set(kb.lexicon["finance_terms"])
    for s in kb.signals.values():
        words.update(s["synonyms"])
    words.update(kb.lexicon["typos"].values())
    return sorted(w for w in words if w and " " not in w)


def dictionary_file() -> Path:
    return paths.jieba_dir() / FILE_NAME


def write_jieba_dictionary(target: Path | None = None, kb: Knowledge | None = None) -> Path:
    target = target or paths.jieba_dir()
    target.mkdir(parents=True, exist_ok=True)
    path = target / FILE_NAME
    tmp = target / f".{FILE_NAME}.{os.getpid()}"  # replaced whole: a training reading it never sees half
    tmp.write_text("".join(f"{w} 2000\n" for w in terms(kb)), encoding="utf-8")
    os.replace(tmp, path)
    return path
