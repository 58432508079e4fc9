"""Model size, and training time when asked (`--train`), recorded in results/train.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.servers import ROOT, VENV_BIN

MODEL = ROOT / "models" / "loanwhy.tar.gz"


def model_info(model: Path = MODEL) -> dict[str, Any]:
    if not model.exists():
        return {"model": str(model), "model_mb": None}
    stat = model.stat()
    return {
        "model": str(model.relative_to(ROOT)),
        "model_mb": round(stat.st_size / 1e6, 1),
        "model_trained_at": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(stat.st_mtime)),
    }


def train(out_dir: Path) -> dict[str, Any]:
    """What `make train` does when inputs changed (`rasa train --force`), into out_dir, not models/.

    Writing elsewhere leaves the model other people are running untouched; a
    private cache folder keeps the shared .rasa cache out of the timing.
    """
    target = out_dir / "train"
    target.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "RASA_CACHE_DIRECTORY": str(target / "cache"),
    }
    cmd = [str(VENV_BIN / "rasa"), "train", "--fixed-model-name", "loanwhy", "--out", str(target), "--force", "--quiet"]
    started = time.perf_counter()
    with (target / "train.log").open("w") as log:
        done = subprocess.run(cmd, cwd=ROOT, env=env, stdout=log, stderr=log)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        print(f"training failed; see {target / 'train.log'}", file=sys.stderr)
        return {"train_s": None, "train_failed": True}
    record = {
        "train_s": round(seconds, 1),
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "trained_model_mb": round((target / "loanwhy.tar.gz").stat().st_size / 1e6, 1),
    }
    (out_dir / "train.json").write_text(json.dumps(record, indent=2))
    return record


def last_training(out_dir: Path) -> dict[str, Any]:
    """The last training time recorded by `--train`, if any."""
    path = out_dir / "train.json"
    if not path.exists():
        return {"train_s": None}
    try:
        return {**json.loads(path.read_text()), "from_record": str(path.name)}
    except (OSError, ValueError):
        return {"train_s": None}
