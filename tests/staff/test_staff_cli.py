"""Staff command line: exit codes, output and database state; explain gives exactly the bot's diagnosis."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from channels import guard
from loanwhy import accounts, audit, cases
from loanwhy import diagnose as dx
from staff import cli, explain

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse 42"


def run(argv: list[str], stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    return cli.main(argv, out=out, stdin=io.StringIO(stdin)), out.getvalue()


@pytest.fixture()
def env(kb_db: Path, app_db: Path) -> Path:
    return app_db


def test_add_user_from_stdin_then_login(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run(["add-user", "张三", "--password-stdin"], PASSWORD + "\n")
    assert code == 0 and "张三" in capsys.readouterr().out
    row = sqlite3.connect(env).execute("select username, password_hash from staff_users").fetchone()
    assert row[0] == "张三" and row[1].startswith("scrypt$")
    assert accounts.login("张三", PASSWORD).username == "张三"
    assert audit.recent(1)[0]["action"] == "add_user"


def test_add_user_prompts_twice(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert run(["add-user", "agent1"])[0] == 0
    answers = iter([PASSWORD, "different 123"])
    assert run(["add-user", "agent2"])[0] == 2
    assert accounts.users() == ["agent1"]


@pytest.mark.parametrize(
    ("argv", "stdin", "code"),
    [
        (["add-user", "agent1", "--password-stdin"], "short\n", 2),
        (["add-user", "a b", "--password-stdin"], PASSWORD + "\n", 2),
    ],
)
def test_add_user_refusals(env: Path, argv: list[str], stdin: str, code: int) -> None:
    assert run(argv, stdin)[0] == code
    assert accounts.users() == []


def test_add_existing_user_is_1(env: Path) -> None:
    accounts.add_user("agent1", PASSWORD)
    assert run(["add-user", "agent1", "--password-stdin"], "another pass 9\n")[0] == 1
    assert accounts.login("agent1", PASSWORD)


def test_search(env: Path) -> None:
    code, out = run(["search", "征信查询"])
    assert code == 0 and out.splitlines()[0] == "1. [signal] frequent_inquiries  [征信查询]过于频繁"
    code, out = run(["search", "亚联财", "产品", "--json"])
    assert code == 0 and json.loads(out)[0]["ref"] == "yalian_products"
    assert run(["search", "火星殖民"])[0] == 1
    assert run(["search", "，"])[0] == 2


def test_show_signal(env: Path, kb) -> None:  # type: ignore[no-untyped-def]
    code, out = run(["show-signal", "external_guarantee"])
    assert code == 0
    s = kb.signals["external_guarantee"]
    assert s["name"] in out and s["ask_staff"] in out and s["steps"][0]["action"] in out and "话术" in out
    code, out = run(["show-signal", "external_guarantee", "--json"])
    assert json.loads(out)["id"] == "external_guarantee"
    assert run(["show-signal", "nope"])[0] == 1


EXPLAIN_TEXTS = [
    "我最近半年申请了8次网贷，信用卡也刷爆了",
    "我给朋友公司做了担保，流水最近少了一半",
    "征信很干净，没有逾期",
    "我的贷款被拒了",
    "电话13812345678，身份证110101199003074518，逾期了三个月",
    "＝信用卡刷爆了" + "啊" * 3000,
]


@pytest.mark.parametrize("text", EXPLAIN_TEXTS)
def test_explain_is_exactly_the_bot_diagnosis(env: Path, text: str) -> None:
    expected = dx.diagnose_text(guard.inbound(text).text).payload()
    assert explain.explain(text).payload == expected
    code, out = run(["explain", text, "--json"])
    assert code == 0 and json.loads(out) == expected


def test_explain_report_uses_the_domain_templates(env: Path) -> None:
    result = explain.explain("信用卡刷爆了")
    assert result.messages[0].startswith("根据您说的情况") and "原因1：信用卡长期大额透支" in result.messages[1]
    assert not any("{" in m for m in result.messages)
    code, out = run(["explain", "-"], "信用卡刷爆了")
    assert code == 0 and out.startswith("根据您说的情况") and '"card_overdraft"' in out
    assert run(["explain", " "])[0] == 2


def test_export_cases(env: Path, tmp_path: Path) -> None:
    cases.record("u1", "socketio", ["card_overdraft"], {}, "卡刷爆了 13812345678")
    cases.record("u2", "rest", ["overdue_record"], {}, "逾期")
    code, out = run(["export-cases", "--signal", "card_overdraft"])
    rows = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))
    assert code == 0 and [r["signals"] for r in rows] == ["card_overdraft"] and "13812345678" not in out
    target = tmp_path / "out.csv"
    assert run(["export-cases", "--since", "2000-01-01", "-o", str(target)])[0] == 0
    assert len(list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8").lstrip("\ufeff"))))) == 2
    assert run(["export-cases", "--since", "yesterday"])[0] == 2
    assert run(["export-cases", "--signal", "nope"])[0] == 2
    assert audit.recent(1)[0]["action"] == "export_cases"


def test_help_in_chinese_and_english_from_a_real_process(env: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "staff.cli", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert proc.returncode == 0
    for words in (
        "客服命令行",
        "staff command line",
        "add-user",
        "创建客服账号",
        "create a staff account",
        "export-cases",
    ):
        assert words in proc.stdout
    for command in ("search", "show-signal", "explain", "export-cases", "add-user"):
        with pytest.raises(SystemExit) as done:
            cli.main([command, "--help"])
        assert done.value.code == 0


def test_bad_usage_exits_2(env: Path) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["no-such-command"])
    assert done.value.code == 2


def test_every_command_is_documented() -> None:
    readme = (ROOT / "staff" / "README.md").read_text(encoding="utf-8")
    commands = cli._parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in commands:
        assert f"staff.cli {name}" in readme, name
