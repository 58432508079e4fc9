"""`make train` retrains the Rasa model exactly when something it learned from changed.

Each case edits a copy of the project, rebuilds the knowledge base and the jieba
dictionary there as `make kb` does, and compares the fingerprints of
scripts/train_if_changed.py before and after.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from loanwhy import kb as kbmod
from loanwhy import lexicon

ROOT = Path(__file__).resolve().parent.parent
TREE = ["config.yml", "domain.yml", "data", "nlu", "policies", "requirements.lock", "knowledge", "loanwhy/learned.py"]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("train_if_changed", ROOT / "scripts" / "train_if_changed.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


train = _script()


class Project:
    def __init__(self, root: Path) -> None:
        self.root = root
        for name in TREE:
            source, target = ROOT / name, root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy(source, target)
        self.dictionary = root / "var" / "jieba"
        self.make_kb()

    def make_kb(self, dictionary: bool = True) -> None:
        """What `make kb` does: the database, then (unless told not to) the dictionary from it."""
        db = kbmod.build(self.root / "var" / "kb.sqlite", self.root / "knowledge")
        self.kb = kbmod.read_db(db)
        if dictionary:
            lexicon.write_jieba_dictionary(self.dictionary, self.kb)

    def model(self) -> str:
        return str(train.model_fingerprint(self.root, self.kb, self.dictionary))

    def signals(self) -> str:
        return str(train.signal_fingerprint(self.root, self.dictionary))

    def append(self, name: str, text: str) -> None:
        path = self.root / name
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")

    def edit_yaml(self, name: str, change: Callable[[Any], None]) -> None:
        path = self.root / name
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return Project(tmp_path_factory.mktemp("project"))


@pytest.fixture()
def copy(project: Project, tmp_path: Path) -> Project:
    """A fresh copy of the module's project (copying is cheaper than building twice)."""
    fresh = Project.__new__(Project)
    fresh.root = tmp_path / "p"
    shutil.copytree(project.root, fresh.root)
    fresh.dictionary = fresh.root / "var" / "jieba"
    fresh.kb = kbmod.read_db(fresh.root / "var" / "kb.sqlite")
    return fresh


def _first_example(p: Project) -> str:
    for path in sorted((p.root / "data").rglob("*.yml")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip().startswith("- ") and ":" not in line:
                return line
    raise AssertionError("no NLU example in data/")


def _add_example(p: Project) -> None:
    line = _first_example(p)
    for path in sorted((p.root / "data").rglob("*.yml")):
        text = path.read_text(encoding="utf-8")
        if line in text:
            path.write_text(text.replace(line, f"{line}\n{line}呢", 1), encoding="utf-8")
            return


def _typo_in_training_text(p: Project) -> None:
    """A misspelling the normaliser will fix, spelled as a training example has it: the text changes."""
    words = [w for w in lexicon.terms(p.kb) if len(w) >= 2]
    texts = "\n".join(train.training_texts(p.root / "data"))
    word = next(w for w in words if w in texts)
    p.edit_yaml("knowledge/lexicon.yml", lambda d: d["typos"].update({word: word[0]}))
    p.make_kb(dictionary=False)  # the same dictionary: only the training texts differ


def _synonym(p: Project) -> None:
    p.edit_yaml("knowledge/signals/card_overdraft.yml", lambda d: d["synonyms"].append("卡债压身"))
    p.make_kb()


def _fact_answer(p: Project) -> None:
    p.edit_yaml("knowledge/facts/help.yml", lambda d: d[0].update(answer=d[0]["answer"] + "（更新）"))
    p.make_kb()


def _signal_texts_and_cues(p: Project) -> None:
    def change(d: dict[str, Any]) -> None:
        d["why"] += "（更新）"
        d["recognise"]["cues"].append("卡债压得喘不过气")
        d["steps"][0]["horizon"] = "2-4个月"

    p.edit_yaml("knowledge/signals/card_overdraft.yml", change)
    p.make_kb()


def _runtime_lexicon(p: Project) -> None:
    def change(d: dict[str, Any]) -> None:
        d["negators"].append("压根没")
        d["domain_words"].append("借呗")
        d["typos"]["贷歀歀"] = "贷款"  # in no training text, and 贷款 is in the dictionary already

    p.edit_yaml("knowledge/lexicon.yml", change)
    p.make_kb()


def _refusal_wording(p: Project) -> None:
    p.edit_yaml("knowledge/refusals.yml", lambda d: d["request_falsify"]["cues"].append("假装有(工作|收入)"))
    p.make_kb()


def _signal_examples(p: Project) -> None:
    p.edit_yaml("knowledge/examples/none.yml", lambda d: d["negative"].append("他们一句解释都没有"))


RETRAIN: dict[str, Callable[[Project], None]] = {
    "an NLU example": _add_example,
    "a rule or a response (domain.yml)": lambda p: p.append("domain.yml", "\n# edited\n"),
    "the pipeline (config.yml)": lambda p: p.append("config.yml", "\n# edited\n"),
    "the normaliser's code": lambda p: p.append("nlu/normalizer.py", "\n# edited\n"),
    "a policy's code": lambda p: p.append("policies/handoff.py", "\n# edited\n"),
    "a pinned library": lambda p: p.append("requirements.lock", "\n# edited\n"),
    "a typo fix that rewrites a training text": _typo_in_training_text,
    "a signal synonym (jieba dictionary)": _synonym,
}
RESTART_ONLY: dict[str, Callable[[Project], None]] = {
    "a fact's answer": _fact_answer,
    "a signal's texts, cues and horizons": _signal_texts_and_cues,
    "negations, domain words, a typo in no training text": _runtime_lexicon,
    "lender wording rules": _refusal_wording,
    "the signal classifier's examples": _signal_examples,
}


def test_the_fingerprint_is_stable(project: Project) -> None:
    assert project.model() == project.model()
    project.make_kb()  # `make kb` again, nothing edited
    assert project.model() == project.model()


@pytest.mark.parametrize("edit", RETRAIN.values(), ids=RETRAIN.keys())
def test_an_input_of_the_model_retrains_it(copy: Project, edit: Callable[[Project], None]) -> None:
    before = copy.model()
    edit(copy)
    assert copy.model() != before


@pytest.mark.parametrize("edit", RESTART_ONLY.values(), ids=RESTART_ONLY.keys())
def test_knowledge_read_at_run_time_does_not_retrain_the_model(copy: Project, edit: Callable[[Project], None]) -> None:
    before = copy.model()
    edit(copy)
    assert copy.model() == before


def test_the_signal_classifier_has_its_own_fingerprint(copy: Project) -> None:
    model, signals = copy.model(), copy.signals()
    _signal_examples(copy)
    assert copy.signals() != signals and copy.model() == model
    signals = copy.signals()
    copy.append("domain.yml", "\n# edited\n")
    assert copy.model() != model and copy.signals() == signals


def test_a_missing_dictionary_is_named(copy: Project) -> None:
    shutil.rmtree(copy.dictionary)
    with pytest.raises(SystemExit, match="make kb"):
        copy.model()
