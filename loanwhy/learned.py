"""Learned signal detection: a multi-label text classifier trained from `knowledge/examples/`.

Hand-written cue patterns cannot cover how a population talks, so a spaCy
`textcat_multilabel` model (bag of n-grams on a blank Chinese pipeline) learns
the signals from labelled examples. Each text becomes the jieba words (with the
finance dictionary built by `make kb`) followed by its characters, so the
n-grams are word and character n-grams at once. Thresholds per signal are
chosen on a held-out part of the examples, never on an evaluation set.

The model scores clauses; `loanwhy.detect` decides last (numbers, negation,
finished situations), so nothing here needs to know about thresholds in money.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from loanwhy.kb import ROOT, SOURCE_DIR, KnowledgeError

log = logging.getLogger(__name__)
EXAMPLES_DIR = SOURCE_DIR / "examples"
DEFAULT_DIR = ROOT / "models" / "signals"
SEPARATOR = "‖"
EPOCHS = 14
DEV_SHARE = 0.15  # of the examples, held out to choose thresholds
THRESHOLD_RANGE = (0.3, 0.85)
SEED = 7


@dataclass(frozen=True)
class Example:
    text: str
    labels: frozenset[str]
    source: str  # the file it came from, for error messages and the stratified split


def model_dir() -> Path:
    return Path(os.environ.get("LOANWHY_SIGNAL_MODEL", DEFAULT_DIR))


def read_examples(signals: list[str], folder: Path = EXAMPLES_DIR) -> list[Example]:
    """Every labelled example; a broken file fails with its name and the entry at fault."""
    known = set(signals)
    out: list[Example] = []
    for path in sorted(folder.glob("*.y*ml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        sid = data.get("signal")
        if sid not in known and sid not in ("mixed", "none"):
            raise KnowledgeError(f"examples/{path.name}: 'signal' must be a catalog id, 'mixed' or 'none'")
        for kind in ("positive", "negative"):
            for item in data.get(kind) or []:
                text, also = (item, []) if isinstance(item, str) else (item.get("text"), item.get("also") or [])
                if not isinstance(text, str) or not text.strip():
                    raise KnowledgeError(f"examples/{path.name}: empty {kind} entry")
                bad = [a for a in also if a not in known]
                if bad:
                    raise KnowledgeError(f"examples/{path.name}: unknown ids {bad} in {text!r}")
                labels = set(also)
                if kind == "positive" and sid in known:
                    labels.add(sid)
                out.append(Example(text.strip(), frozenset(labels), path.stem))
    return out


def tokens(text: str) -> list[str]:
    """jieba words, a separator, then characters: word and character n-grams in one bag."""
    words = [w for w in _jieba().lcut(text) if w.strip()]
    return words + [SEPARATOR] + [ch for ch in text if not ch.isspace()]


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import jieba  # type: ignore[import-untyped]

    from loanwhy.lexicon import JIEBA_DIR

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    user = JIEBA_DIR / "finance.txt"
    if user.exists():
        tok.load_userdict(str(user))
    return tok


def _prepare(text: str) -> str:
    from loanwhy.detect import prepare

    return prepare(text)


def _blank(signals: list[str]) -> Any:
    import spacy

    nlp = spacy.blank("zh")
    textcat = nlp.add_pipe(
        "textcat_multilabel",
        config={"model": {"@architectures": "spacy.TextCatBOW.v2", "exclusive_classes": False,
                          "ngram_size": 3, "no_output_layer": False}},
    )
    for sid in signals:
        textcat.add_label(sid)  # type: ignore[attr-defined]
    return nlp


def _doc(nlp: Any, text: str) -> Any:
    from spacy.tokens import Doc

    return Doc(nlp.vocab, words=tokens(_prepare(text)))


def _fit(examples: list[Example], signals: list[str], epochs: int = EPOCHS) -> Any:
    from spacy.training import Example as SpacyExample
    from spacy.util import fix_random_seed, minibatch

    fix_random_seed(SEED)
    nlp = _blank(signals)
    train = [SpacyExample.from_dict(_doc(nlp, e.text), {"cats": {s: float(s in e.labels) for s in signals}})
             for e in examples]
    optimizer = nlp.initialize(lambda: train)
    rng = random.Random(SEED)
    for _ in range(epochs):
        rng.shuffle(train)
        for batch in minibatch(train, size=16):
            nlp.update(batch, sgd=optimizer, drop=0.1)
    return nlp


def _is_dev(e: Example) -> bool:
    return int(hashlib.sha1(e.text.encode()).hexdigest()[:8], 16) % 1000 < DEV_SHARE * 1000


def choose_thresholds(nlp: Any, dev: list[Example], signals: list[str]) -> dict[str, float]:
    """Per signal, the threshold with the best F1 on the held-out examples (ties: the higher one)."""
    scored = [(e, _score_doc(nlp, e.text)) for e in dev]
    out: dict[str, float] = {}
    lo, hi = THRESHOLD_RANGE
    grid = [round(lo + i * 0.05, 2) for i in range(int((hi - lo) / 0.05) + 1)]
    for sid in signals:
        best, best_f1 = 0.5, -1.0
        for t in grid:
            tp = sum(1 for e, s in scored if s[sid] >= t and sid in e.labels)
            fp = sum(1 for e, s in scored if s[sid] >= t and sid not in e.labels)
            fn = sum(1 for e, s in scored if s[sid] < t and sid in e.labels)
            f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
            if f1 >= best_f1:
                best, best_f1 = t, f1
        out[sid] = best
    return out


def _score_doc(nlp: Any, text: str) -> dict[str, float]:
    doc = _doc(nlp, text)
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return {k: float(v) for k, v in doc.cats.items()}


def train(signals: list[str], target: Path | None = None, folder: Path = EXAMPLES_DIR) -> dict[str, Any]:
    """Choose thresholds on a held-out share, then fit on every example and save model + thresholds."""
    target = target or model_dir()
    examples = read_examples(signals, folder)
    dev = [e for e in examples if _is_dev(e)]
    fitted = _fit([e for e in examples if not _is_dev(e)], signals)
    thresholds = choose_thresholds(fitted, dev, signals)
    report = held_out_report(fitted, dev, signals, thresholds)
    final = _fit(examples, signals)
    target.mkdir(parents=True, exist_ok=True)
    final.to_disk(target / "textcat")
    meta = {"thresholds": thresholds, "examples": len(examples), "dev_examples": len(dev), "held_out": report}
    (target / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return meta


def held_out_report(nlp: Any, dev: list[Example], signals: list[str], thresholds: dict[str, float]) -> dict[str, Any]:
    tp = fp = fn = 0
    for e in dev:
        s = _score_doc(nlp, e.text)
        got = {sid for sid in signals if s[sid] >= thresholds[sid]}
        tp += len(got & e.labels)
        fp += len(got - e.labels)
        fn += len(e.labels - got)
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0}


class SignalModel:
    """A trained classifier and its thresholds."""

    def __init__(self, folder: Path) -> None:
        import spacy

        self.nlp = spacy.load(folder / "textcat")
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        self.thresholds: dict[str, float] = {k: float(v) for k, v in meta["thresholds"].items()}

    def scores(self, text: str) -> dict[str, float]:
        return _score_doc(self.nlp, text)

    def above(self, text: str) -> dict[str, float]:
        """Signals whose score passes their threshold, with the score."""
        return {sid: p for sid, p in self.scores(text).items() if p >= self.thresholds.get(sid, 1.0)}


@lru_cache(maxsize=2)
def _load(folder: str) -> SignalModel | None:
    path = Path(folder)
    if not (path / "meta.json").exists():
        log.warning("no trained signal model in %s (make train): rules only", path)
        return None
    return SignalModel(path)


def load_model() -> SignalModel | None:
    """The trained model, or None (rules only) when `make train` has not made one."""
    if os.environ.get("LOANWHY_RULES_ONLY") == "1":
        return None
    return _load(str(model_dir()))
