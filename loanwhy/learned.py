"""Learned signal detection: a multi-label text classifier trained from `knowledge/examples/`.

Hand-written cue patterns cannot cover how a population talks, so a classifier
learns the signals from labelled examples: TF-IDF over character 1-3 grams and
jieba word 1-2 grams (with the finance dictionary built by `make kb`, kept in the model), one
balanced logistic regression per signal. Thresholds per signal are chosen on a
held-out share of the examples, never on an evaluation set.

Why not spaCy's `textcat_multilabel` (bag of n-grams, on the same words and
characters)? Measured on the same held-out share on 2026-11-30: F1 0.55-0.58 with
thresholds chosen the same way (recall 0.39-0.43), 35-100 s to train; this model
F1 0.79, 6 s. spaCy keeps the quantity work (`loanwhy.nlp`).

The model scores sentences and clauses; `loanwhy.detect` decides last (numbers,
negation, finished situations).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import pickle
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

import yaml

from loanwhy.kb import ROOT, SOURCE_DIR, KnowledgeError

log = logging.getLogger(__name__)
EXAMPLES_DIR = SOURCE_DIR / "examples"
DEFAULT_DIR = ROOT / "models" / "signals"
DEV_SHARE = 0.15  # of the examples, held out to choose thresholds
THRESHOLD_GRID = [round(0.3 + i * 0.05, 2) for i in range(12)]  # 0.30 … 0.85
REGULARISATION = 10.0
CONTRAST_REGULARISATION = 1.0
CONTRAST_GRID = [round(0.3 + i * 0.05, 2) for i in range(9)]  # 0.30 … 0.70
FLOOR = 0.75  # a message is longer than an example: a learned signal needs a clear score (chosen on the dev sets)
ROW_CACHE = 4096  # texts whose features are kept (a message reads a few dozen)
_STACKED: WeakKeyDictionary[Any, tuple[Any, Any]] = WeakKeyDictionary()  # see `_stacked`


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


class _Words:
    """jieba words, with the finance dictionary the classifier was trained with.

    The dictionary's text is pickled with the classifier (as Rasa's JiebaTokenizer
    copies it into its model), so scores do not depend on which runtime folder's
    `jieba/finance.txt` a process finds, or on whether `make kb` wrote one there.
    """

    def __init__(self, dictionary: str) -> None:
        self.dictionary = dictionary
        self._tok: Any = None

    def __getstate__(self) -> dict[str, str]:
        return {"dictionary": self.dictionary}

    def __setstate__(self, state: dict[str, str]) -> None:
        self.dictionary, self._tok = state["dictionary"], None

    def __call__(self, text: str) -> list[str]:
        if self._tok is None:
            import jieba  # type: ignore[import-untyped]

            jieba.setLogLevel(logging.WARNING)
            tok = jieba.Tokenizer()
            tok.load_userdict(io.BytesIO(self.dictionary.encode("utf-8")))
            self._tok = tok
        return [w for w in self._tok.lcut(text) if w.strip()]


def _prepare(text: str) -> str:
    from loanwhy.detect import prepare

    return prepare(text)


class NgramFeatures:
    """Character 1-3 grams and jieba word 1-2 grams, TF-IDF, of the prepared text (shared by the
    signal classifier and the refusal check, `loanwhy.deceit`)."""

    def __init__(self, dictionary: str) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
        self.words = TfidfVectorizer(
            tokenizer=_Words(dictionary), token_pattern=None, lowercase=False, ngram_range=(1, 2), sublinear_tf=True
        )

    def _features(self, texts: list[str], fit: bool = False) -> Any:
        from scipy.sparse import hstack

        prepared = [_prepare(t) for t in texts]
        if fit:
            return hstack([self.chars.fit_transform(prepared), self.words.fit_transform(prepared)]).tocsr()
        return hstack([self.chars.transform(prepared), self.words.transform(prepared)]).tocsr()


def save_model(target: Path, classifier: Any, meta: dict[str, Any]) -> None:
    """classifier.pkl and meta.json, each replaced whole: a server starting meanwhile reads old or new."""
    target.mkdir(parents=True, exist_ok=True)
    with open(target / "classifier.pkl.tmp", "wb") as fh:
        pickle.dump(classifier, fh)
    os.replace(target / "classifier.pkl.tmp", target / "classifier.pkl")
    (target / "meta.json.tmp").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(target / "meta.json.tmp", target / "meta.json")


def read_model(folder: Path) -> tuple[Any, dict[str, Any]]:
    """What `save_model` wrote: the classifier and its meta."""
    with open(folder / "classifier.pkl", "rb") as fh:
        classifier = pickle.load(fh)  # noqa: S301 - our own build output, like Rasa's model
    return classifier, json.loads((folder / "meta.json").read_text(encoding="utf-8"))


def _stacked(model: Any) -> tuple[Any, Any] | None:
    """Every per-signal logistic regression's weights side by side (columns) and intercepts, or None
    when one of them is not a fitted linear model (a label seen with one value only). Kept beside the
    model, not in it (nothing extra is pickled), and made again after each fit."""
    estimators = getattr(model, "estimators_", None)
    kept = _STACKED.get(model)
    if kept is not None and kept[0] is estimators:
        return kept[1]
    stacked = None
    if estimators and all(getattr(e, "coef_", None) is not None and e.coef_.shape[0] == 1 for e in estimators):
        import numpy as np

        stacked = (
            np.ascontiguousarray(np.vstack([e.coef_ for e in estimators]).T),
            np.concatenate([e.intercept_ for e in estimators]),
        )
    _STACKED[model] = (estimators, stacked)
    return stacked


class _Classifier(NgramFeatures):
    """Character and word n-gram TF-IDF, one logistic regression per signal."""

    def __init__(self, signals: list[str], dictionary: str) -> None:
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier

        super().__init__(dictionary)
        self.signals = signals
        self.model = OneVsRestClassifier(
            LogisticRegression(C=REGULARISATION, max_iter=3000, class_weight="balanced", random_state=7)
        )

    def fit(self, examples: list[Example]) -> _Classifier:
        from sklearn.linear_model import LogisticRegression

        labels = [[int(s in e.labels) for s in self.signals] for e in examples]
        self.model.fit(self._features([e.text for e in examples], fit=True), labels)
        # within each signal's topic: the problem (its positives) against the same topic without it
        # (its file's negatives: "资料都交了", "没设抵押"); the model above mostly learns the topic
        self.contrast: dict[str, Any] = {}
        for sid in self.signals:
            pos = [e.text for e in examples if sid in e.labels]
            neg = [e.text for e in examples if not e.labels and e.source == sid]
            if pos and neg:
                model = LogisticRegression(
                    C=CONTRAST_REGULARISATION, max_iter=3000, class_weight="balanced", random_state=7
                )
                self.contrast[sid] = model.fit(self._features(pos + neg), [1] * len(pos) + [0] * len(neg))
        return self

    def scores(self, texts: list[str]) -> list[dict[str, float]]:
        return self.scores_of(self._features(texts))

    def scores_of(self, features: Any) -> list[dict[str, float]]:
        """`scores` of texts already turned into features (rows of `_features`)."""
        weights = _stacked(self.model)
        if weights is None:
            probs = self.model.predict_proba(features)
        else:  # the same logistic probabilities, one product instead of one call per signal
            from scipy.special import expit

            probs = expit(features @ weights[0] + weights[1])
        return [{s: float(p) for s, p in zip(self.signals, row, strict=True)} for row in probs]

    def problem(self, text: str, sid: str) -> float:
        """How much `text` states the problem rather than only its topic (1.0 without a contrast model)."""
        return self.problem_of(self._features([text]), sid)

    def problem_of(self, features: Any, sid: str) -> float:
        model = getattr(self, "contrast", {}).get(sid)
        return 1.0 if model is None else float(model.predict_proba(features)[0][1])


def _is_dev(e: Example) -> bool:
    return int(hashlib.sha1(e.text.encode()).hexdigest()[:8], 16) % 1000 < DEV_SHARE * 1000


def choose_thresholds(clf: _Classifier, dev: list[Example]) -> dict[str, float]:
    """Per signal, the threshold with the best F1 on the held-out examples (ties: the higher one)."""
    scored = list(zip(dev, clf.scores([e.text for e in dev]), strict=True))
    out: dict[str, float] = {}
    for sid in clf.signals:
        best, best_f1 = 0.5, -1.0
        for t in THRESHOLD_GRID:
            tp = sum(1 for e, s in scored if s[sid] >= t and sid in e.labels)
            fp = sum(1 for e, s in scored if s[sid] >= t and sid not in e.labels)
            fn = sum(1 for e, s in scored if s[sid] < t and sid in e.labels)
            f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
            if f1 >= best_f1:
                best, best_f1 = t, f1
        out[sid] = best
    return out


def choose_contrast(clf: _Classifier, dev: list[Example]) -> dict[str, float]:
    """Per signal, the least "problem" score a learned finding needs: the threshold with the best F1
    between the signal's held-out positives and its own file's held-out negatives (ties: the lower)."""
    out: dict[str, float] = {}
    for sid in clf.signals:
        pairs = [
            (clf.problem(e.text, sid), sid in e.labels)
            for e in dev
            if sid in e.labels or (not e.labels and e.source == sid)
        ]
        best, best_f1 = CONTRAST_GRID[0], -1.0
        for t in CONTRAST_GRID:
            tp = sum(1 for p, y in pairs if p >= t and y)
            fp = sum(1 for p, y in pairs if p >= t and not y)
            fn = sum(1 for p, y in pairs if p < t and y)
            f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
            if f1 > best_f1:
                best, best_f1 = t, f1
        out[sid] = best
    return out


def held_out_report(clf: _Classifier, dev: list[Example], thresholds: dict[str, float]) -> dict[str, float]:
    tp = fp = fn = 0
    for e, s in zip(dev, clf.scores([e.text for e in dev]), strict=True):
        got = {sid for sid in clf.signals if s[sid] >= thresholds[sid]}
        tp += len(got & e.labels)
        fp += len(got - e.labels)
        fn += len(e.labels - got)
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0}


def train(
    signals: list[str], target: Path | None = None, folder: Path = EXAMPLES_DIR, dictionary: Path | None = None
) -> dict[str, Any]:
    """Choose thresholds on a held-out share, then fit on every example and save model + thresholds.

    `dictionary`: the jieba dictionary `make kb` wrote (default: the runtime folder's); kept in the model.
    """
    from loanwhy.lexicon import dictionary_file

    target = target or model_dir()
    dictionary = dictionary or dictionary_file()
    if not dictionary.exists():
        raise KnowledgeError(f"no jieba dictionary at {dictionary}: build the knowledge base first (make kb)")
    words = dictionary.read_text(encoding="utf-8")
    examples = read_examples(signals, folder)
    dev = [e for e in examples if _is_dev(e)]
    trial = _Classifier(signals, words).fit([e for e in examples if not _is_dev(e)])
    thresholds = choose_thresholds(trial, dev)
    contrast = choose_contrast(trial, dev)
    final = _Classifier(signals, words).fit(examples)
    meta = {
        "thresholds": thresholds,
        "contrast": contrast,
        "examples": len(examples),
        "dev_examples": len(dev),
        "held_out": held_out_report(trial, dev, thresholds),
    }
    save_model(target, final, meta)
    return meta


class SignalModel:
    """A trained classifier and its thresholds (files written by `train`, in the project's models/)."""

    def __init__(self, folder: Path) -> None:
        self.clf: _Classifier
        self.clf, meta = read_model(folder)
        self.thresholds: dict[str, float] = {k: float(v) for k, v in meta["thresholds"].items()}
        self.contrast: dict[str, float] = {k: float(v) for k, v in (meta.get("contrast") or {}).items()}
        self.floor = float(os.environ.get("LOANWHY_SIGNAL_FLOOR", FLOOR))
        self._rows: dict[str, Any] = {}  # text -> its features (`warm`)

    def warm(self, texts: list[str]) -> None:
        """Read the features of the texts not read yet in one pass (a message's clauses): one call
        into the vectorisers costs about as much for one text as for ten."""
        new = [t for t in dict.fromkeys(texts) if t not in self._rows]
        if not new:
            return
        if len(self._rows) + len(new) > ROW_CACHE:
            self._rows.clear()
        rows = self.clf._features(new)
        for i, text in enumerate(new):
            self._rows[text] = rows[i]

    def _row(self, text: str) -> Any:
        """The text's features, read once for its scores and for `states_problem`."""
        if text not in self._rows:
            self.warm([text])
        return self._rows[text]

    @lru_cache(maxsize=4096)  # noqa: B019
    def _cached(self, text: str) -> tuple[tuple[str, float], ...]:
        return tuple(self.clf.scores_of(self._row(text))[0].items())

    def scores(self, text: str) -> dict[str, float]:
        return dict(self._cached(text))

    @lru_cache(maxsize=4096)  # noqa: B019
    def states_problem(self, text: str, sid: str) -> bool:
        """The text states the signal's problem, not only its topic ("资料交了" names the topic)."""
        return self.clf.problem_of(self._row(text), sid) >= self.contrast.get(sid, 0.0)

    def above(self, text: str) -> dict[str, float]:
        """Signals whose score passes their threshold, with the score."""
        return {sid: p for sid, p in self.scores(text).items() if p >= max(self.floor, self.thresholds.get(sid, 1.0))}


@lru_cache(maxsize=2)
def _load(folder: str) -> SignalModel | None:
    path = Path(folder)
    if not (path / "meta.json").exists() or not (path / "classifier.pkl").exists():
        log.warning("no trained signal model in %s (make train): rules only", path)
        return None
    return SignalModel(path)


def load_model() -> SignalModel | None:
    """The trained model, or None (rules only) when `make train` has not made one."""
    if os.environ.get("LOANWHY_RULES_ONLY") == "1":
        return None
    return _load(str(model_dir()))
