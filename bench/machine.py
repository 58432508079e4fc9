"""The machine a run came from, so figures are never quoted without it."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any


def describe() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem_gb = round(kib * 1024 / 1e9, 1)
    except (OSError, ValueError, IndexError):
        pass
    try:
        rasa_version: str | None = metadata.version("rasa")
    except metadata.PackageNotFoundError:
        rasa_version = None
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu,
        "mem_gb": mem_gb,
        "python": platform.python_version(),
        "rasa": rasa_version,
        "loadavg_start": load_average(),
    }


def load_average() -> list[float] | None:
    """1, 5 and 15 minute load: a busy shared machine makes every figure slower."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None
