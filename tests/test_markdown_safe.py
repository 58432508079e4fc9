"""Every reply reads the same in plain clients (WeChat, our widget, `rasa shell`) and in Markdown
ones (rasa-webchat renders bot text as Markdown): no accidental ordered lists or headings, no
line break that Markdown would fold into the line before (a line ends in two spaces, Markdown's
break, or the next is a "- " bullet), and no blank line, where Rasa cuts a text into messages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from loanwhy import report
from loanwhy.kb import load

ROOT = Path(__file__).resolve().parent.parent
RESPONSES: dict[str, list[dict[str, Any]]] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))[
    "responses"
]
BULLET = re.compile(r"- \S")
MARKDOWN_START = re.compile(r"\d+[.)]\s|[*+#>]|={3,}|-{3,}|\s{4}")


def problems(text: str) -> list[str]:
    """Where `text` would render differently as Markdown than as plain text."""
    found = []
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if MARKDOWN_START.match(line):
            found.append(f"line {i + 1} starts as Markdown syntax: {line!r}")
        if i and line and lines[i - 1] and not lines[i - 1].endswith("  ") and not BULLET.match(line):
            found.append(f"line {i + 1} would be folded into the line before: {line!r}")
    if "\n\n" in text.strip():
        found.append("a blank line: Rasa sends the parts as separate messages")
    return found


def filled_texts() -> list[tuple[str, str]]:
    kb = load()
    values = [report.signal_values(sid, rank=n + 1, kb=kb) for n, sid in enumerate(kb.signals)]
    out = []
    for name, variants in RESPONSES.items():
        for variant in variants:
            text = str(variant.get("text") or "")
            if "{" in text:
                for v in values:
                    try:
                        out.append((name, text.format(**v)))
                    except KeyError:  # filled by other slots; the template itself is checked
                        out.append((name, re.sub(r"\{\w+\}", "x", text)))
                        break
            elif text:
                out.append((name, text))
    return out


@pytest.mark.parametrize(
    ("name", "text"), filled_texts(), ids=lambda v: v if isinstance(v, str) and v.startswith("utter") else ""
)
def test_reply_reads_the_same_as_markdown_and_plain_text(name: str, text: str) -> None:
    assert not problems(text), (name, problems(text))


def test_the_check_finds_what_markdown_would_change() -> None:
    # guards problems(): the report format of issue 12 ("1. name\nsummary\n建议：\n· step") fails it
    old = "1. 征信查询过于频繁\n查得太多。\n建议：\n· 先停止申请（立即）"
    assert len(problems(old)) == 4
    assert problems("原因1：征信查询过于频繁  \n查得太多。  \n建议：\n- 先停止申请（立即）\n- 等三个月（3个月）") == []
    assert problems("原因1：征信查询过于频繁\n\n查得太多。") == [
        "a blank line: Rasa sends the parts as separate messages"
    ]
