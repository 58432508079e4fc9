"""Staff command line: `python -m staff.cli <command>`, thin over the library.

Exit codes: 0 done, 1 nothing found / refused, 2 bad usage or input.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from loanwhy import accounts, audit, paths, search
from loanwhy.kb import KnowledgeError, load

CLI_USER = "cli"
DESCRIPTION = """贷款被拒原因助手 · 客服命令行 / staff command line of the loan refusal assistant

常用 / common:
  python -m staff.cli add-user 张三             创建客服账号（提示输入密码）/ create a staff account
  python -m staff.cli reset-password 张三       重设密码，已登录的会话失效 / new password, sessions end
  python -m staff.cli disable-user 张三         停用账号 / disable an account (sessions end)
  python -m staff.cli remove-user 张三          删除账号 / remove an account
  python -m staff.cli search 征信查询            搜索知识 / search the knowledge
  python -m staff.cli show-signal frequent_inquiries
  python -m staff.cli explain "最近半年申请了8次网贷"
  python -m staff.cli export-cases --since 2024-01-01 -o cases.csv"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m staff.cli", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="命令/command")
    s = sub.add_parser("search", help="搜索信号、建议和知识 / search signals, guidance and facts")
    s.add_argument("query", nargs="+", help="搜索词 / words to search for")
    s.add_argument("-n", "--limit", type=int, default=10, help="最多几条 / at most this many results (10)")
    s.add_argument("--json", action="store_true", help="输出 JSON / print JSON")
    sh = sub.add_parser("show-signal", help="查看一个信号：含义、原因、话术、要问什么、建议 / show a signal")
    sh.add_argument("signal", help="信号编号，如 frequent_inquiries / signal id")
    sh.add_argument("--json", action="store_true", help="输出 JSON / print JSON")
    e = sub.add_parser("explain", help="分析一段客户描述，结果与机器人相同 / diagnose a text as the bot does")
    e.add_argument("text", help="客户的描述；- 表示从标准输入读 / the description, - reads stdin")
    e.add_argument("--json", action="store_true", help="只输出诊断 JSON / print only the diagnosis JSON")
    x = sub.add_parser("export-cases", help="导出案例记录为 CSV（号码已隐藏）/ export the case log as CSV (masked)")
    x.add_argument("--signal", help="只要这个信号 / only cases with this signal id")
    x.add_argument("--since", help="开始日期 YYYY-MM-DD / first day")
    x.add_argument("--until", help="结束日期 YYYY-MM-DD（含）/ last day, inclusive")
    x.add_argument("-o", "--output", help="写入文件，默认标准输出 / write to a file instead of stdout")
    a = sub.add_parser("add-user", help="创建客服账号 / create a staff account")
    a.add_argument("username", help="用户名 / user name")
    a.add_argument("--password-stdin", action="store_true", help="从标准输入读密码 / read the password from stdin")
    r = sub.add_parser("reset-password", help="重设客服密码，其会话全部失效 / set a new password, ending its sessions")
    r.add_argument("username", help="用户名 / user name")
    r.add_argument("--password-stdin", action="store_true", help="从标准输入读密码 / read the password from stdin")
    d = sub.add_parser("disable-user", help="停用客服账号，其会话立即失效 / disable an account, ending its sessions")
    d.add_argument("username", help="用户名 / user name")
    rm = sub.add_parser("remove-user", help="删除客服账号（审计记录保留）/ remove an account (the audit log stays)")
    rm.add_argument("username", help="用户名 / user name")
    return p


def _password(from_stdin: bool, stdin: TextIO) -> str | None:
    if from_stdin:
        return stdin.readline().rstrip("\r\n")
    first = getpass.getpass("密码 / password: ")
    if first != getpass.getpass("再输一次 / again: "):
        return None
    return first


def cmd_search(args: argparse.Namespace, out: TextIO) -> int:
    try:
        hits = search.search(" ".join(args.query), limit=args.limit)
    except search.SearchError:
        print("请输入搜索词 / empty query", file=sys.stderr)
        return 2
    audit.log(CLI_USER, "search", " ".join(args.query), f"{len(hits)} hits")
    if args.json:
        print(json.dumps([h.as_dict() for h in hits], ensure_ascii=False, indent=2), file=out)
    else:
        for i, h in enumerate(hits, start=1):
            print(f"{i}. [{h.kind}] {h.ref}  {search.plain(h.title_parts)}", file=out)
            print(f"   {search.plain(h.snippet).replace(chr(10), ' ')}", file=out)
            if h.synonyms:
                print(f"   同义词 / synonyms: {', '.join(h.synonyms)}", file=out)
    if not hits:
        print("没有找到 / nothing found", file=sys.stderr)
        return 1
    return 0


def cmd_show_signal(args: argparse.Namespace, out: TextIO) -> int:
    kb = load()
    s = kb.signals.get(args.signal)
    if s is None:
        print(f"没有这个信号 / unknown signal: {args.signal}\n可选 / known: {', '.join(kb.signals)}", file=sys.stderr)
        return 1
    audit.log(CLI_USER, "view_signal", args.signal)
    if args.json:
        print(json.dumps(s, ensure_ascii=False, indent=2, default=str), file=out)
        return 0
    lines = [
        f"{s['name']} ({args.signal}, {s['severity']})",
        "",
        f"含义 / meaning: {s['summary']}",
        f"原因 / why lenders care: {' '.join(str(s['why']).split())}",
        "",
        f"话术 / phone script: {' '.join(str(s['script']).split())}",
        "",
        f"要问 / ask: {s['ask_staff']}",
        "",
        "建议 / advise:",
    ]
    lines += [f"  - {st['action']}（{st['horizon']}）" for st in s["steps"]]
    lines += ["", f"同义词 / synonyms: {', '.join(s['synonyms'])}"]
    print("\n".join(lines), file=out)
    return 0


def cmd_explain(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    from staff.explain import explain

    text = stdin.read() if args.text == "-" else args.text
    if not text.strip():
        print("请提供客户的描述 / empty text", file=sys.stderr)
        return 2
    result = explain(text)
    audit.log(CLI_USER, "explain", "", result.understood[:200])
    if not args.json:
        print("\n\n".join(result.messages), file=out)
        print(file=out)
    print(json.dumps(result.payload, ensure_ascii=False, indent=2), file=out)
    return 0


def cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    from staff import caselog

    if args.signal and args.signal not in load().signals:
        print(f"没有这个信号 / unknown signal: {args.signal}", file=sys.stderr)
        return 2
    try:
        since, until = caselog.parse_day(args.since), caselog.parse_day(args.until)
    except ValueError:
        print("日期格式应为 YYYY-MM-DD / dates must be YYYY-MM-DD", file=sys.stderr)
        return 2
    rows = caselog.rows(args.signal, since, until, limit=None)
    text = caselog.to_csv(rows)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"已导出 {len(rows)} 条 / exported {len(rows)} cases → {args.output}", file=sys.stderr)
    else:
        out.write(text)
    audit.log(CLI_USER, "export_cases", args.signal or "", f"{since or ''}..{until or ''}: {len(rows)} rows")
    return 0


def _set_password(
    args: argparse.Namespace, stdin: TextIO, change: Callable[[str, str], object], missing: type[Exception]
) -> int:
    """Read the password twice and apply `change`: 0 done, 1 `missing` (name taken or unknown), 2 refused."""
    password = _password(args.password_stdin, stdin)
    if password is None:
        print("两次输入的密码不一致 / passwords differ", file=sys.stderr)
        return 2
    try:
        change(args.username, password)
    except missing as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except accounts.AccountError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    return 0


def cmd_add_user(args: argparse.Namespace, stdin: TextIO) -> int:
    code = _set_password(args, stdin, accounts.add_user, accounts.UserExists)
    if code == 0:
        audit.log(CLI_USER, "add_user", args.username)
        from staff.server import DEFAULT_PORT

        port = os.environ.get("STAFF_PORT") or DEFAULT_PORT
        print(f"已创建账号 / account created: {args.username}  → http://localhost:{port}/staff/")
    return code


def cmd_reset_password(args: argparse.Namespace, stdin: TextIO) -> int:
    code = _set_password(args, stdin, accounts.set_password, accounts.UnknownUser)
    if code == 0:
        audit.log(CLI_USER, "reset_password", args.username)
        print(f"已重设密码 / password reset: {args.username}")
    return code


def cmd_end_account(args: argparse.Namespace) -> int:
    """disable-user and remove-user."""
    disable = args.command == "disable-user"
    try:
        (accounts.disable_user if disable else accounts.remove_user)(args.username)
    except accounts.UnknownUser as exc:
        print(str(exc), file=sys.stderr)
        return 1
    audit.log(CLI_USER, "disable_user" if disable else "remove_user", args.username)
    done = "已停用 / disabled" if disable else "已删除 / removed"
    print(f"{done}: {args.username}")
    return 0


def main(argv: list[str] | None = None, out: TextIO | None = None, stdin: TextIO | None = None) -> int:
    paths.private_umask()
    args = _parser().parse_args(argv)
    out, stdin = out or sys.stdout, stdin or sys.stdin
    try:
        if args.command == "search":
            return cmd_search(args, out)
        if args.command == "show-signal":
            return cmd_show_signal(args, out)
        if args.command == "explain":
            return cmd_explain(args, out, stdin)
        if args.command == "export-cases":
            return cmd_export(args, out)
        if args.command == "add-user":
            return cmd_add_user(args, stdin)
        if args.command == "reset-password":
            return cmd_reset_password(args, stdin)
        if args.command in ("disable-user", "remove-user"):
            return cmd_end_account(args)
    except KnowledgeError as exc:
        print(f"知识库错误 / knowledge error: {exc}", file=sys.stderr)
        return 2
    return 2


if __name__ == "__main__":
    sys.exit(main())
