"""Leaks between evaluation texts and what the assistant learns from.

An evaluation text that is also a training example, or shares a long piece
with one (or with a cue pattern), measures memory, not understanding. Texts
are compared after normalisation (NFKC, Traditional → Simplified, lower case,
punctuation and spaces removed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from loanwhy.normalize import normalize

MIN_SHARED = 12  # characters
MIN_EXACT = 5  # shorter texts ("没有", "不知道") are vocabulary, not sentences
_KEEP = re.compile(r"[\w%]+")


@dataclass(frozen=True)
class Leak:
    eval_source: str
    eval_text: str
    train_source: str
    train_text: str
    shared: str


def canonical(text: str) -> str:
    return "".join(_KEEP.findall(normalize(text).lower())).replace("_", "")


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def eval_texts(folder: Path) -> Iterator[tuple[str, str]]:
    """Every user text of every evaluation file: turns, single texts, persona answers, NLU examples."""
    for path in sorted(folder.rglob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        items = data.get("nlu", []) if isinstance(data, dict) else data or []
        for item in items:
            if not isinstance(item, dict):
                continue
            if "examples" in item:
                for line in str(item["examples"]).splitlines():
                    if line.strip().startswith("- "):
                        yield path.name, line.strip()[2:]
            for key in ("turns", "text", "opening", "answers", "default"):
                for text in _strings(item.get(key)):
                    yield f"{path.parent.name}/{path.name}", text


def nlu_texts(folder: Path) -> Iterator[tuple[str, str]]:
    """Training examples of Rasa NLU files (`- text` lines under `examples`)."""
    for path in sorted(folder.rglob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu", []) if isinstance(data, dict) else []:
            for line in str(block.get("examples", "")).splitlines():
                if line.strip().startswith("- "):
                    yield f"data/{path.name}", line.strip()[2:]


def example_texts(folder: Path) -> Iterator[tuple[str, str]]:
    """Texts of the signal classifier's examples."""
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for kind in ("positive", "negative"):
            for item in data.get(kind) or []:
                yield f"examples/{path.name}", item if isinstance(item, str) else str(item.get("text", ""))


def pattern_texts(folder: Path) -> Iterator[tuple[str, str]]:
    """Literal runs of the cue patterns in signal files and refusal rules (regex syntax split off)."""
    for path in sorted([*folder.glob("signals/*.yml"), folder / "refusals.yml"]):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for text in _strings(data.get("recognise", data)):
            for run in re.split(r"[\\()\[\]{}?*+|.^$:]+", text):
                yield f"knowledge/{path.relative_to(folder)}", run


def find_leaks(evaluation: Iterable[tuple[str, str]], training: Iterable[tuple[str, str]]) -> list[Leak]:
    train = [(src, text, canonical(text)) for src, text in training]
    by_piece: dict[str, list[int]] = {}
    for n, (_, _, c) in enumerate(train):
        for i in range(max(1, len(c) - MIN_SHARED + 1)):
            by_piece.setdefault(c[i : i + MIN_SHARED], []).append(n)
    exact = {c: n for n, (src, _, c) in enumerate(train) if c and not src.startswith("knowledge/")}
    leaks = []
    for src, text in evaluation:
        c = canonical(text)
        if not c:
            continue
        hit: int | None = exact.get(c) if len(c) >= MIN_EXACT else None
        shared = c if hit is not None else None
        if hit is None and len(c) >= MIN_SHARED:
            for i in range(len(c) - MIN_SHARED + 1):
                found = by_piece.get(c[i : i + MIN_SHARED])
                if found:
                    hit, shared = found[0], c[i : i + MIN_SHARED]
                    break
        if hit is not None and shared is not None:
            t_src, t_text, _ = train[hit]
            leaks.append(Leak(src, text, t_src, t_text, shared))
    return leaks
