"""Train the Rasa model and the signal classifier, each only when its inputs changed.

The Rasa model (`model_fingerprint`) is retrained when something it learned from
or keeps changed:
- config.yml, domain.yml, data/ and requirements.lock (library versions);
- nlu/ and policies/, the custom code the model names. Of it, only the normaliser
  and the policies run in training; the intent steps after DIET (relevance,
  situation cues, lender wording) learn nothing and would need only a restart, but
  "the model's code" is easier to keep right than a list of files;
- what the normaliser makes of every training example, so the lexicon's typos and
  the normalisation code in loanwhy/ count only when they change a training text;
- the jieba dictionary `make kb` writes to $LOANWHY_VAR/jieba/ (the lexicon's
  finance terms and typos, every signal's synonyms): training copies it into the model.

Everything else in knowledge/ (cue patterns, numbers and thresholds, negations,
finished situations, domain words, lender wording, texts, facts) is read from the
knowledge base when the servers start, by the actions and by the NLU steps after
DIET, so an edit there needs `make kb` and a restart (`make stop && make run`),
not training.

The signal classifier (loanwhy/learned.py) has its own fingerprint: its examples
in knowledge/examples/, the lexicon, the catalog, its code, the same dictionary and
what the normaliser makes of every example. So has the learned refusal check
(loanwhy/deceit.py): knowledge/requests/, the NLU examples of data/nlu/, the signal
examples, its code, the dictionary and its prepared training texts.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loanwhy import paths  # noqa: E402
from loanwhy.kb import Knowledge  # noqa: E402

MODELS = ROOT / "models"
STAMP = MODELS / ".inputs.sha"
MODEL_FILES = ["config.yml", "domain.yml", "data", "nlu", "policies", "requirements.lock"]
SIGNAL_FILES = [
    "knowledge/examples",
    "knowledge/lexicon.yml",
    "knowledge/catalog.yml",
    "loanwhy/learned.py",
    "requirements.lock",
]
DECEIT_FILES = [
    "knowledge/requests",
    "data/nlu",
    "knowledge/examples",
    "knowledge/lexicon.yml",
    "loanwhy/deceit.py",
    "loanwhy/learned.py",
    "requirements.lock",
]
CONFIG_DICTIONARY = "dictionary_path: var/jieba"  # config.yml's, for the default runtime folder


def _files(root: Path, names: list[str]) -> list[Path]:
    out: list[Path] = []
    for name in names:
        path = root / name
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        else:
            out.append(path)
    return out


def _add_files(digest: hashlib._Hash, root: Path, files: list[Path]) -> None:
    for f in files:
        digest.update(str(f.relative_to(root)).encode())
        digest.update(f.read_bytes())


def _add_dictionary(digest: hashlib._Hash, dictionary: Path) -> None:
    """Every file in the folder, as Rasa's JiebaTokenizer copies them all."""
    files = sorted(p for p in dictionary.glob("*") if p.is_file() and not p.name.startswith("."))
    if not files:
        raise SystemExit(f"no jieba dictionary in {dictionary}: build the knowledge base first (make kb)")
    _add_files(digest, dictionary, files)


def training_texts(data: Path) -> list[str]:
    """The NLU examples of data/, as written."""
    texts: list[str] = []
    for path in sorted(data.rglob("*.yml")):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            examples = item.get("examples") if isinstance(item, dict) else None
            if isinstance(examples, str):
                texts += [line.strip()[2:].strip() for line in examples.splitlines() if line.strip().startswith("- ")]
    return texts


def model_fingerprint(root: Path = ROOT, kb: Knowledge | None = None, dictionary: Path | None = None) -> str:
    """What the Rasa model depends on (see the module docstring)."""
    from loanwhy.detect import prepare
    from loanwhy.kb import load

    kb = kb or load()
    digest = hashlib.sha256()
    _add_files(digest, root, _files(root, MODEL_FILES))
    for text in training_texts(root / "data"):  # as nlu/normalizer.py rewrites them before training
        digest.update((prepare(text, kb) or text).encode() + b"\n")
    _add_dictionary(digest, dictionary or paths.jieba_dir())
    return digest.hexdigest()


def signal_fingerprint(
    root: Path = ROOT,
    dictionary: Path | None = None,
    files: list[str] | None = None,
    texts: list[str] | None = None,
    kb: Knowledge | None = None,
) -> str:
    """A classifier's input files, its dictionary, and its training texts as the features see them (prepared),
    so a change of the normalisation code in loanwhy/ counts when it changes what a classifier learns from."""
    from loanwhy.detect import prepare

    digest = hashlib.sha256()
    _add_files(digest, root, _files(root, files or SIGNAL_FILES))
    _add_dictionary(digest, dictionary or paths.jieba_dir())
    for text in texts or []:
        digest.update((prepare(text, kb) or text).encode() + b"\n")
    return digest.hexdigest()


def rasa_config() -> Path:
    """config.yml, or a copy naming this runtime folder's dictionary when LOANWHY_VAR is not `var`."""
    source = ROOT / "config.yml"
    dictionary = paths.jieba_dir()
    if dictionary.resolve() == (ROOT / "var" / "jieba").resolve():
        return source
    text = source.read_text(encoding="utf-8")
    if CONFIG_DICTIONARY not in text:
        raise SystemExit(f"config.yml: expected '{CONFIG_DICTIONARY}' to point training at {dictionary}")
    target = paths.private_dir(paths.var_dir()) / "config.train.yml"
    target.write_text(text.replace(CONFIG_DICTIONARY, f"dictionary_path: {dictionary}"), encoding="utf-8")
    return target


def _train_stale(
    what: str, folder: Path, wanted: str, fit: Callable[[], dict[str, Any]], report: Callable[[dict[str, Any]], str]
) -> int:
    """Train one classifier into `folder` unless its stamp says its inputs are unchanged."""
    stamp = folder / ".inputs.sha"
    if (folder / "meta.json").exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        print(f"{what} is up to date")
        return 0
    started = time.time()
    meta = fit()
    stamp.write_text(wanted + "\n")
    print(f"{what} trained in {time.time() - started:.0f} s on {meta['examples']} examples; {report(meta)}")
    return 0


def train_signals() -> int:
    from loanwhy import learned
    from loanwhy.kb import load

    folder = learned.model_dir()
    return _train_stale(
        "signal classifier",
        folder,
        signal_fingerprint(texts=[e.text for e in learned.read_examples(list(load().signals))]),
        lambda: learned.train(list(load().signals), folder),
        lambda m: f"held-out share {m['dev_examples']}: {m['held_out']}",
    )


def train_deceit() -> int:
    from loanwhy import deceit

    folder = deceit.model_dir()
    return _train_stale(
        "refusal check",
        folder,
        signal_fingerprint(files=DECEIT_FILES, texts=[text for text, _ in deceit.examples()]),
        lambda: deceit.train(folder),
        lambda m: f"{m['positive']} requests to deceive; threshold {m['threshold']}, held-out {m['held_out']}",
    )


def main() -> int:
    if train_signals() != 0 or train_deceit() != 0:
        return 1
    wanted = model_fingerprint()
    model = MODELS / "loanwhy.tar.gz"
    if model.exists() and STAMP.exists() and STAMP.read_text().strip() == wanted:
        print("model is up to date")
        return 0
    print("training the model (inputs changed)...", flush=True)
    started = time.time()
    rasa = str(Path(sys.executable).parent / "rasa")
    cmd = [
        rasa,
        "train",
        "--config",
        str(rasa_config()),
        "--fixed-model-name",
        "loanwhy",
        "--out",
        str(MODELS),
        "--force",
        "--quiet",
    ]
    result = subprocess.run(cmd, cwd=ROOT)
    if result.returncode != 0:
        print("training failed", file=sys.stderr)
        return result.returncode
    STAMP.write_text(wanted + "\n")
    print(f"model trained in {time.time() - started:.0f} s: {model}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
