"""Train the Rasa model and the signal classifier, each only when its inputs changed.

Inputs: config, domain, training data, the custom components, the lock file,
and the parts of the knowledge that shape NLU: the jieba dictionary generated
by `make kb` into $LOANWHY_VAR/jieba and the lexicon (misspellings the normaliser
fixes). Editing a signal's phrases, thresholds or texts changes the knowledge
base only, so the model is not retrained for it.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loanwhy import paths  # noqa: E402

MODELS = ROOT / "models"
STAMP = MODELS / ".inputs.sha"
INPUTS = ["config.yml", "domain.yml", "data", "nlu", "policies", "requirements.lock", "knowledge/lexicon.yml"]
CONFIG_DICTIONARY = "dictionary_path: var/jieba"  # config.yml's, for the default runtime folder


# the signal classifier (loanwhy/learned.py) learns from knowledge/examples/
SIGNAL_INPUTS = ["knowledge/examples", "knowledge/lexicon.yml", "knowledge/catalog.yml", "loanwhy/learned.py",
                 "requirements.lock"]


def fingerprint(inputs: list[str] = INPUTS) -> str:
    digest = hashlib.sha256()
    for name in inputs:
        path = ROOT / name
        files = sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts) if path.is_dir() else [path]
        for f in files:
            digest.update(str(f.relative_to(ROOT)).encode())
            digest.update(f.read_bytes())
    digest.update(paths.jieba_dir().joinpath("finance.txt").read_bytes())
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


def train_signals() -> int:
    from loanwhy import learned
    from loanwhy.kb import load

    wanted = fingerprint(SIGNAL_INPUTS)
    folder = learned.model_dir()
    stamp = folder / ".inputs.sha"
    if (folder / "meta.json").exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        print("signal classifier is up to date")
        return 0
    started = time.time()
    meta = learned.train(list(load().signals), folder)
    stamp.write_text(wanted + "\n")
    print(f"signal classifier trained in {time.time() - started:.0f} s on {meta['examples']} examples; "
          f"held-out share {meta['dev_examples']}: {meta['held_out']}")
    return 0


def main() -> int:
    if train_signals() != 0:
        return 1
    wanted = fingerprint()
    model = MODELS / "loanwhy.tar.gz"
    if model.exists() and STAMP.exists() and STAMP.read_text().strip() == wanted:
        print("model is up to date")
        return 0
    print("training the model (inputs changed)...", flush=True)
    started = time.time()
    rasa = str(Path(sys.executable).parent / "rasa")
    cmd = [rasa, "train", "--config", str(rasa_config()), "--fixed-model-name", "loanwhy", "--out", str(MODELS),
           "--force", "--quiet"]
    result = subprocess.run(cmd, cwd=ROOT)
    if result.returncode != 0:
        print("training failed", file=sys.stderr)
        return result.returncode
    STAMP.write_text(wanted + "\n")
    print(f"model trained in {time.time() - started:.0f} s: {model}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
