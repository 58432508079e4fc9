"""Command line over the library: `python -m loanwhy.cli <command>`."""

from __future__ import annotations

import argparse
import json
import sys

from loanwhy import kb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="loanwhy", description="贷款被拒原因助手 / loan refusal assistant")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build-kb", help="检查 knowledge/ 并生成知识库 / check sources, build var/kb.sqlite")
    explain = sub.add_parser("explain", help="分析一段情况描述 / diagnose a text")
    explain.add_argument("text")
    args = parser.parse_args(argv)
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
