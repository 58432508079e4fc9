"""Command line over the library: `python -m loanwhy.cli <command>`."""

from __future__ import annotations

import argparse
import json
import sys

from loanwhy import kb, paths


def main(argv: list[str] | None = None) -> int:
    paths.private_umask()
    parser = argparse.ArgumentParser(prog="loanwhy", description="贷款被拒原因助手 / loan refusal assistant")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "build-kb", help="检查 knowledge/ 并生成知识库 / check sources, build kb.sqlite and jieba/ in LOANWHY_VAR"
    )
    explain = sub.add_parser("explain", help="分析一段情况描述 / diagnose a text")
    explain.add_argument("text")
    stores = sub.add_parser("check-stores", help="检查运行数据目录可写 / check runtime storage")
    stores.add_argument("--var", default=None, help="default: LOANWHY_VAR, else var")
    ready = sub.add_parser("wait-ready", help="等待服务就绪并预热 / wait for the servers and warm up")
    ready.add_argument("--rasa", default="http://127.0.0.1:5005")
    ready.add_argument("--actions", default="http://127.0.0.1:5055")
    ready.add_argument("--timeout", type=float, default=180.0)
    older = sub.add_parser(
        "forget-older", help="删除超过保存期限的对话 / delete conversations idle past the retention age"
    )
    older.add_argument("--days", type=float, default=None, help="default: LOANWHY_RETENTION_DAYS, else 180")
    user = sub.add_parser("forget-user", help="删除一个用户的全部数据 / delete everything about one conversation id")
    user.add_argument("sender")
    args = parser.parse_args(argv)
    if args.command in ("forget-older", "forget-user"):
        from loanwhy import retention

        try:
            if args.command == "forget-older":
                counts = retention.forget_older(args.days)
            else:
                counts = retention.forget_user(args.sender)
        except retention.RetentionError as exc:
            print(f"retention error: {exc}", file=sys.stderr)
            return 2
        print(json.dumps({"conversations": counts.senders, "deleted": counts.deleted}, ensure_ascii=False))
        return 0
    if args.command == "check-stores":
        from pathlib import Path

        from loanwhy import ops

        # scripts/run.sh runs this before starting anything: the runtime folder and what a
        # former run left in it (logs, databases made world-readable) become private
        var = Path(args.var) if args.var else paths.var_dir()
        paths.private_tree(var)
        problems = ops.check_stores(var)
        for p in problems:
            print(f"storage error: {p}", file=sys.stderr)
        return 1 if problems else 0
    if args.command == "wait-ready":
        from loanwhy import ops

        try:
            took = ops.wait_ready(args.rasa, args.actions, args.timeout)
        except TimeoutError as exc:
            print(f"not ready: {exc}", file=sys.stderr)
            return 1
        print(f"ready and warmed up after {took:.1f} s")
        return 0
    if args.command == "build-kb":
        try:
            path = kb.build()
        except kb.KnowledgeError as exc:
            print(f"knowledge error: {exc}", file=sys.stderr)
            return 2
        from loanwhy import lexicon

        lexicon.write_jieba_dictionary()
        print(f"knowledge base built: {path}")
        return 0
    if args.command == "explain":
        from loanwhy import diagnose

        result = diagnose.diagnose_text(args.text)
        print(json.dumps(result.payload(), ensure_ascii=False, indent=2))
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
