"""No module outside knowledge/ holds language knowledge (issue 13).

Words and patterns of Chinese that the understanding reads live in knowledge/ and come to the
code through loanwhy.kb. This test reads every module of the packages that understand or answer a
message and fails on a string literal (not a docstring) with a Chinese character in it.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("loanwhy", "actions", "nlu", "channels", "policies")
CJK = re.compile("[\u4e00-\u9fff\u3400-\u4dbf]")
# tokens that carry literal text: strings, and the text parts of f-strings on Python 3.12+
TEXT_TOKENS = {tokenize.STRING} | ({tokenize.FSTRING_MIDDLE} if hasattr(tokenize, "FSTRING_MIDDLE") else set())

# Chinese that is not language knowledge: text shown to people, not words a message is read by.
# A whole file (literal None) only where every Chinese literal in it is such text.
ALLOWED: dict[tuple[str, str | None], str] = {
    ("loanwhy/privacy.py", '"[已隐藏]"'): "the mask shown in place of a number; nothing reads a message by it",
    ("loanwhy/ops.py", '"你好"'): "the warm-up message sent to a started bot",
    ("loanwhy/ops.py", '"信用卡额度5万欠了4万8"'): "the warm-up diagnosis sent to a started bot",
    ("loanwhy/accounts.py", None): "the staff tool's account errors, shown to staff in both languages",
    ("loanwhy/cli.py", None): "the command line's help, in both languages",
}


def _docstrings(source: str) -> set[tuple[int, int]]:
    """Where each module, class and function docstring starts (line, column)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                if isinstance(first.value.value, str):
                    found.add((first.lineno, first.col_offset))
    return found


def chinese_literals(source: str) -> list[tuple[int, str]]:
    """(line, literal) for every string literal with a Chinese character that is not a docstring."""
    docstrings = _docstrings(source)
    return [
        (token.start[0], token.string)
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type in TEXT_TOKENS and CJK.search(token.string) and token.start not in docstrings
    ]


def _modules() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def _found() -> list[tuple[str, int, str]]:
    out = []
    for path in _modules():
        name = path.relative_to(ROOT).as_posix()
        out += [(name, line, literal) for line, literal in chinese_literals(path.read_text(encoding="utf-8"))]
    return out


def test_no_module_holds_chinese_words() -> None:
    offending = [
        f"{name}:{line}: {literal}"
        for name, line, literal in _found()
        if (name, literal) not in ALLOWED and (name, None) not in ALLOWED
    ]
    assert not offending, "Chinese in code; move it to knowledge/ and read it through loanwhy.kb:\n" + "\n".join(
        offending
    )


def test_every_allowed_entry_is_still_needed() -> None:
    found = {(name, literal) for name, _, literal in _found()} | {(name, None) for name, _, _ in _found()}
    assert set(ALLOWED) <= found, f"stale allowlist entries: {set(ALLOWED) - found}"


def test_the_packages_are_read() -> None:
    names = {path.relative_to(ROOT).as_posix() for path in _modules()}
    assert {"loanwhy/detect.py", "loanwhy/privacy.py", "actions/common.py", "channels/guard.py"} <= names
    assert any(name.startswith("nlu/") for name in names) and any(name.startswith("policies/") for name in names)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('WORDS = "如果|假如"\n', [(1, '"如果|假如"')]),
        ("x = f'{n}个月'\n", [(1, "f'{n}个月'")]),
        ("x = r'\\d+年'\n", [(1, "r'\\d+年'")]),
        ('x = "㐀"\n', [(1, '"㐀"')]),  # extension A
        ('def f() -> None:\n    """如果: a docstring."""\n    return None\n', []),
        ('"""模块的说明."""\nx = 1  # 注释\n', []),
        ('def f() -> str:\n    """Doc."""\n    return "万一"\n', [(3, '"万一"')]),
        ('x = "only ASCII, -, ～ and ，"\n', []),
    ],
)
def test_chinese_literals_are_found_and_docstrings_and_comments_are_not(
    source: str, expected: list[tuple[int, str]]
) -> None:
    assert chinese_literals(source) == expected
