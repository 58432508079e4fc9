"""Train the Rasa model only when its inputs changed.

Inputs: config, domain, training data, the knowledge sources (they feed the
jieba dictionary and the normaliser), the custom components and the lock file.
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
INPUTS = ["config.yml", "domain.yml", "data", "knowledge", "nlu", "policies", "requirements.lock"]


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
