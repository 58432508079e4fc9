"""Run a few lines of Python in a fresh interpreter: what a module imports shows only there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_snippet(code: str, root: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`code` run with the project on the path and `env` added to the environment."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
