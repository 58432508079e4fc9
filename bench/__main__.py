"""`python -m bench`: start the assistant and a stock Rasa bot, load both, report against the targets.

Exit status: 0 when the benchmark ran (targets missed or not), 1 with --strict
when a target failed, 2 when the benchmark itself broke.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from bench import convo, diagnosis, machine, report, training
from bench.load import conversations_for, play
from bench.servers import ROOT, BenchError, Server, attach, ensure_stock_project, start_ours, start_stock

QUICK_LEVELS, QUICK_TURNS, QUICK_MIN_TURNS = "1,4", 4, 24


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--url", help="use this running assistant (http://host:port) instead of starting one")
    p.add_argument("--var", default="var/bench", help="runtime folder of our assistant (pids, tracker)")
    p.add_argument("--levels", default="1,4,16,64", help="conversations in flight, comma-separated")
    p.add_argument("--turns", type=int, default=6, help="turns per conversation")
    p.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="seconds an applicant pauses between turns (default 0: every conversation always waiting)",
    )
    p.add_argument(
        "--min-turns", type=int, default=600, help="at least this many turns per level (p95 of fewer is noisy)"
    )
    p.add_argument("--quick", action="store_true", help="smoke run: 1 and 4 in flight, few turns, no stock bot")
    p.add_argument("--no-stock", action="store_true", help="skip the stock `rasa init` bot")
    p.add_argument("--stock-dir", default="var/stock", help="where the stock bot is made (git-ignored)")
    p.add_argument("--train", action="store_true", help="also time a full training (a few minutes)")
    p.add_argument("--diag-count", type=int, default=5000, help="messages for the diagnosis-only timing")
    p.add_argument("--out", default="results", help="folder for bench.json and bench.png")
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    p.add_argument("--seed", type=int, default=7)
    for name, default in (
        ("rasa-port", 5705),  # 5005/5105/5205/5305/5505 belong to `make run` and the test stacks
        ("action-port", 5755),
        ("web-port", 8705),
        ("staff-port", 8708),
        ("stock-rasa-port", 5805),
        ("stock-action-port", 5855),
    ):
        p.add_argument(f"--{name}", type=int, default=default)
    args = p.parse_args(argv)
    if args.quick:
        args.levels, args.turns, args.min_turns, args.no_stock = QUICK_LEVELS, QUICK_TURNS, QUICK_MIN_TURNS, True
    args.level_list = [int(x) for x in args.levels.split(",") if x.strip()]
    return args


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def side(server: Server, levels: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "url": server.webhook,
        "cold_start_s": None if server.cold_start_s is None else round(server.cold_start_s, 2),
        "rss_mb": server.peak_rss(),
        "levels": levels,
    }


def drive(
    args: argparse.Namespace, texts: convo.EvalTexts, ours: Server, stock: Server | None, results: dict[str, Any]
) -> None:
    """Every level on both bots, interleaved (ours, stock, next level) so machine drift hits both alike."""
    run_id = format(int(time.time()), "x")
    avoid = convo.handoff_buttons()
    warm = convo.conversations(texts, 4, args.turns, seed=args.seed - 1)
    play(ours.webhook, warm, 2, run_id + "w", avoid)
    if stock:
        play(stock.webhook, convo.stock_conversations(4, args.turns), 2, run_id + "w")
    levels: dict[str, list[dict[str, Any]]] = {"ours": [], "stock": []}
    for n in args.level_list:
        count = conversations_for(n, args.turns, args.min_turns)
        for server, convs in (
            (ours, convo.conversations(texts, count, args.turns, seed=args.seed + n)),
            (stock, convo.stock_conversations(count, args.turns, seed=args.seed + n)),
        ):
            if server is None:
                continue
            result = play(server.webhook, convs, n, run_id, avoid, args.think).summary()
            levels[server.name].append(result)
            say(
                f"{server.name:5} {n:>3} in flight: {result['turns']} turns, p95 {result['p95_ms']} ms, "
                f"{result['throughput_tps']} turns/s, {result['errors']['total']} errors"
            )
    results["ours"] = side(ours, levels["ours"])
    results["stock"] = side(stock, levels["stock"]) if stock else None


def run(args: argparse.Namespace) -> dict[str, Any]:
    texts = convo.load_eval(ROOT / "eval" / "dev")
    out = ROOT / args.out
    results: dict[str, Any] = {
        "schema": 1,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": machine.describe(),
        "settings": {k: v for k, v in vars(args).items() if k != "level_list"},
    }
    say("diagnosis logic alone ...")
    results["diagnosis"] = diagnosis.measure(diagnosis.diagnosis_texts(texts), args.diag_count)
    if args.train:
        say("timing a full training (--train) ...")
    results["training"] = {
        **training.model_info(),
        **(training.train(out) if args.train else training.last_training(out)),
    }
    ours = stock = None
    try:
        if args.url:
            ours = attach(args.url, args.var)
        else:
            say(f"starting our assistant on port {args.rasa_port} ({args.var}) ...")
            ours = start_ours(args.var, args.rasa_port, args.action_port, args.web_port, args.staff_port)
            say(f"ours answered {ours.cold_start_s:.1f} s after start")
        if not args.no_stock:
            stock_dir = ROOT / args.stock_dir
            made = ensure_stock_project(stock_dir)
            if made is not None:
                say(f"stock assistant made and trained in {made:.0f} s ({stock_dir})")
                results["stock_init_s"] = round(made, 1)
            stock = start_stock(stock_dir, args.stock_rasa_port, args.stock_action_port)
            say(f"stock answered {stock.cold_start_s:.1f} s after start")
        drive(args, texts, ours, stock, results)
    finally:
        for server in (stock, ours):
            if server is not None and not (server is ours and args.url):
                server.stop()
    results["machine"]["loadavg_end"] = machine.load_average()
    results["ratio_p95"] = report.p95_ratios(results)
    results["targets"] = report.targets(results)
    results["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    try:
        results = run(args)
    except (BenchError, OSError, ValueError) as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 2
    stem = "bench-quick" if args.quick else "bench"
    out = ROOT / args.out
    report.write_json(results, out / f"{stem}.json")
    report.chart(results, out / f"{stem}.png")
    print(report.table(results))
    print(f"\nwritten: {out / (stem + '.json')}, {out / (stem + '.png')}")
    failed = any(t["status"] == report.FAIL for t in results["targets"])
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
