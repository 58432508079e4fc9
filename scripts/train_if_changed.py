"""Train the Rasa model only when its inputs changed.

Inputs: config, domain, training data, the custom components, the lock file,
and the parts of the knowledge that shape NLU: the jieba dictionary generated
by `make kb` and the lexicon (misspellings the normaliser fixes). Editing a
signal's phrases, thresholds or texts changes the knowledge base only, so the
model is not retrained for it.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
STAMP = MODELS / ".inputs.sha"
INPUTS = ["config.yml", "domain.yml", "data", "nlu", "policies", "requirements.lock",
          "knowledge/lexicon.yml", "var/jieba/finance.txt"]


def fingerprint() -> str:
    digest = hashlib.sha256()
    for name in INPUTS:
        path = ROOT / name
        files = sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts) if path.is_dir() else [path]
        for f in files:
            digest.update(str(f.relative_to(ROOT)).encode())
            digest.update(f.read_bytes())
    return digest.hexdigest()


def main() -> int:
    wanted = fingerprint()
    model = MODELS / "loanwhy.tar.gz"
    if model.exists() and STAMP.exists() and STAMP.read_text().strip() == wanted:
        print("model is up to date")
        return 0
    print("training the model (inputs changed)...", flush=True)
    started = time.time()
    rasa = str(Path(sys.executable).parent / "rasa")
    cmd = [rasa, "train", "--fixed-model-name", "loanwhy", "--out", str(MODELS), "--force", "--quiet"]
    result = subprocess.run(cmd, cwd=ROOT)
    if result.returncode != 0:
        print("training failed", file=sys.stderr)
        return result.returncode
    STAMP.write_text(wanted + "\n")
    print(f"model trained in {time.time() - started:.0f} s: {model}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
