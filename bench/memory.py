"""Peak resident memory of a process, from the kernel's own high-water mark."""

from __future__ import annotations

from pathlib import Path


def _status_kib(pid: int, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def children(pid: int) -> list[int]:
    """Every descendant of `pid` (a server may fork workers)."""
    out: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return out
    for task in tasks:
        try:
            kids = [int(k) for k in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
        for kid in kids:
            out += [kid, *children(kid)]
    return out


def peak_rss_mb(pid: int) -> float | None:
    """VmHWM (peak RSS) in MB (10^6 bytes) of the process and, added, of its descendants; None if gone.

    psutil cannot give a peak on Linux (only the current RSS), so /proc is read directly.
    """
    own = _status_kib(pid, "VmHWM")
    if own is None:
        return None
    total = own + sum(_status_kib(kid, "VmHWM") or 0 for kid in children(pid))
    return round(total * 1024 / 1e6, 1)
