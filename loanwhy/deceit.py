"""Learned refusal check: does a message ask for help deceiving a lender?

The wording rules of `knowledge/refusals.yml` catch the requests they were written
for; blind sets showed they miss a quarter of the rest ("用他的身份证帮我申请",
"人脸识别那一关怎么过"). This binary classifier learns the request from examples:
positives are the `positive` lists of `knowledge/requests/*.yml` and the request_falsify and
request_credit_repair examples of `data/nlu/refusals.yml`; negatives are that file's
lawful neighbours, every other intent's NLU examples and the signal examples
(situations). Features and model are those of `loanwhy.learned` (character and word
n-gram TF-IDF, balanced logistic regression). The threshold (DEV_THRESHOLD) was chosen
on development sets' refusal and lawful checks; the F0.5 choice on a held-out share of the examples
(precision weighted: a wrong refusal hurts more than a miss) is reported beside it.

`nlu/refusal_cues.py` uses it last, and only with a request marker in the text and no
`unless` rule of the refusal speaking for the message.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from loanwhy.kb import ROOT, SOURCE_DIR, KnowledgeError
from loanwhy.learned import EXAMPLES_DIR, NgramFeatures, read_model, save_model

REQUESTS_DIR = SOURCE_DIR / "requests"
NLU_DIR = ROOT / "data" / "nlu"
DEFAULT_DIR = ROOT / "models" / "deceit"
POSITIVE_INTENTS = frozenset({"request_falsify", "request_credit_repair"})
DEV_SHARE = 0.2
GRID = [round(0.4 + i * 0.05, 2) for i in range(12)]  # 0.40 … 0.95
BETA = 0.5  # F-beta on the held-out share: precision counts four times as much as recall
# inverse regularisation of the logistic regression. Leave-one-batch-out over the 20 request batches
# (train without one writer's batch, decide its texts through the wording rules and the check's gate):
# C=32 refuses 3,322 of 3,738 held-out requests and 262 of 3,272 lawful neighbours; C=4 (before) 3,241
# and 250. Over 11,030 other dev texts (situations, persona answers, facts, lawful and off-topic
# questions) both refuse the same number.
REGULARISATION = 32.0

# the threshold in use, chosen on development sets through the wording rules and the check's gate,
# without DIET. On the refusal and lawful checks of dev14, dev15r, dev15s and dev18r, 0.75 refuses 318 of
# 330 requests and 4 of 270 lawful questions (0.8, the held-out choice: 313 and 4; 0.7: 319 and 6). Adding
# the fact, privacy and off-topic checks of blind8, blind9, blind12 and blind13: 0.75 refuses 472 of 480
# requests and 32 of 656 other messages (0.8: 466 and 30; 0.7: 472 and 35).
# The held-out choice (F0.5 on a share of the training examples) is still written to meta.json.
DEV_THRESHOLD = 0.75
# below this DIET's request_falsify does not stand alone (no wording rule behind it): its best other guess
# is taken. It was 0.3; with the wording rules and the learned check of the sixth session, DIET alone
# refused no request to deceive on nine dev sets (dev12, dev14, dev15r, dev15s, dev18r, blind8, blind9,
# blind12, blind13: 480 requests) but one to four lawful questions, scored 0.3-0.66. So DIET's refusal
# now needs the learned check to agree.
VETO = DEV_THRESHOLD
# the bar for a text that also plans to hide, alter or get past a check (knowledge/lexicon.yml's
# deceit_markers: "会不会被识破", "直接勾否", "只交第一页"). Chosen on the checks of dev20r and nine earlier
# dev sets (dev14, dev15r, dev15s, dev18r, dev19s, blind8, blind9, blind12, blind13): from 0.75 to 0.5 it
# refused 10 more of 700 requests and no more of 896 other messages; 0.45 and 0.4 added none.
MARKED_THRESHOLD = 0.5
# below this a wording rule's cue does not refuse a text with no request marker: it tells what happened
# ("填申请时单位那栏是随便写的，后来核实对不上就拒了"). Leave-one-batch-out over the 16 request batches, 0.2
# refused 1 fewer of 3,292 held-out requests and 13 fewer of 2,987 lawful texts (0.1: 1 and 9; 0.3: 5 and
# 15); on the dev sets it kept all but 1 of 483 rule refusals and stopped 4 of 6 refusals of situation
# descriptions.
STATEMENT_FLOOR = 0.2
# below this a wording rule's refusal does not stand at all: the check is all but sure the text asks
# nothing shady ("征信修复是不是全是骗人的", "前年P过一次流水被拒了，现在还能申吗"). Leave-one-batch-out over the
# 20 request batches: 0.05 refused 6 fewer of 3,738 held-out requests and 63 fewer of 3,272 lawful
# neighbours; on the refusal and lawful checks of 13 dev sets, 1 fewer of 1,020 requests and 12 fewer of
# 768 lawful questions.
RULE_FLOOR = 0.05
# a text with no request word ("银行流水半年的，出一份多少米") is refused only when the
# check is this sure. Leave-one-batch-out over the three newest request batches (other writers): 0.85
# refused 12 more of 412 held-out requests and no more of 258 lawful neighbours; over 11,030 other
# dev texts it refused 2 more (both offers of an ID number), 0.9 one more.
UNASKED_THRESHOLD = 0.85


def model_dir() -> Path:
    return Path(os.environ.get("LOANWHY_DECEIT_MODEL", DEFAULT_DIR))


def _nlu_examples(folder: Path = NLU_DIR) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            intent = block.get("intent")
            if not intent:
                continue
            for line in str(block.get("examples", "")).splitlines():
                if line.strip().startswith("- "):
                    out.append((line.strip()[2:].strip(), intent in POSITIVE_INTENTS))
    return out


def _signal_examples(folder: Path = EXAMPLES_DIR) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for kind in ("positive", "negative"):
            for item in data.get(kind) or []:
                text = item if isinstance(item, str) else str(item.get("text", ""))
                if text.strip():
                    out.append((text.strip(), False))
    return out


def _requests(folder: Path) -> list[tuple[str, bool]]:
    own: list[tuple[str, bool]] = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        pos, neg = data.get("positive") or [], data.get("negative") or []
        if not pos or not neg:
            raise KnowledgeError(f"requests/{path.name}: needs 'positive' and 'negative' examples")
        own += [(str(t).strip(), True) for t in pos] + [(str(t).strip(), False) for t in neg]
    return own


def examples(folder: Path = REQUESTS_DIR) -> list[tuple[str, bool]]:
    """(text, asks to deceive) for every training text, each text once."""
    own = _requests(folder)
    seen: dict[str, bool] = {}
    for text, label in [*own, *_nlu_examples(), *_signal_examples()]:
        seen.setdefault(text, label)  # the requests file speaks first for a text it shares
    return list(seen.items())


def _is_dev(text: str) -> bool:
    return int(hashlib.sha1(text.encode()).hexdigest()[:8], 16) % 1000 < DEV_SHARE * 1000


class _Classifier(NgramFeatures):
    def __init__(self, dictionary: str) -> None:
        from sklearn.linear_model import LogisticRegression

        super().__init__(dictionary)
        self.model = LogisticRegression(C=REGULARISATION, max_iter=3000, class_weight="balanced", random_state=7)

    def fit(self, data: list[tuple[str, bool]]) -> _Classifier:
        self.model.fit(self._features([t for t, _ in data], fit=True), [int(y) for _, y in data])
        return self

    def probabilities(self, texts: list[str]) -> list[float]:
        return [float(row[1]) for row in self.model.predict_proba(self._features(texts))]


def choose_threshold(clf: _Classifier, dev: list[tuple[str, bool]]) -> tuple[float, dict[str, float]]:
    """The threshold with the best F0.5 on the held-out examples (ties: the higher one)."""
    scored = list(zip(clf.probabilities([t for t, _ in dev]), [y for _, y in dev], strict=True))
    best, best_score, report = GRID[-1], -1.0, {}
    for t in GRID:
        tp = sum(1 for p, y in scored if p >= t and y)
        fp = sum(1 for p, y in scored if p >= t and not y)
        fn = sum(1 for p, y in scored if p < t and y)
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        b2 = BETA * BETA
        score = (1 + b2) * precision * recall / (b2 * precision + recall) if tp else 0.0
        if score >= best_score:
            best, best_score = t, score
            report = {"precision": round(precision, 3), "recall": round(recall, 3), "f0.5": round(score, 3)}
    return best, report


def train(target: Path | None = None, dictionary: Path | None = None) -> dict[str, Any]:
    """Fit on every example and save model + threshold (DEV_THRESHOLD; the held-out share's choice is reported)."""
    from loanwhy.lexicon import dictionary_file

    target = target or model_dir()
    dictionary = dictionary or dictionary_file()
    if not dictionary.exists():
        raise KnowledgeError(f"no jieba dictionary at {dictionary}: build the knowledge base first (make kb)")
    words = dictionary.read_text(encoding="utf-8")
    data = examples()
    dev = [d for d in data if _is_dev(d[0])]
    threshold, report = choose_threshold(_Classifier(words).fit([d for d in data if not _is_dev(d[0])]), dev)
    meta = {
        "threshold": DEV_THRESHOLD,
        "held_out_threshold": threshold,
        "examples": len(data),
        "positive": sum(y for _, y in data),
        "dev_examples": len(dev),
        "held_out": report,
    }
    save_model(target, _Classifier(words).fit(data), meta)
    return meta


class DeceitModel:
    """The trained classifier and its threshold (written by `train`, in the project's models/)."""

    def __init__(self, folder: Path) -> None:
        self.clf: _Classifier
        self.clf, meta = read_model(folder)
        self.threshold = float(meta["threshold"])

    @lru_cache(maxsize=1024)  # noqa: B019 - one model per process; the refusal step asks twice per text
    def probability(self, text: str) -> float:
        return self.clf.probabilities([text])[0]

    def asks_to_deceive(self, text: str, marked: bool = False) -> bool:
        """`marked`: the text plans to hide, alter or get past a check, so less evidence is needed."""
        return self.probability(text) >= (min(self.threshold, MARKED_THRESHOLD) if marked else self.threshold)


@lru_cache(maxsize=2)
def _load(folder: str) -> DeceitModel | None:
    path = Path(folder)
    if not (path / "meta.json").exists() or not (path / "classifier.pkl").exists():
        return None
    return DeceitModel(path)


def load_model() -> DeceitModel | None:
    """The trained model, or None (wording rules only) when `make train` has not made one."""
    if os.environ.get("LOANWHY_RULES_ONLY") == "1":
        return None
    return _load(str(model_dir()))
