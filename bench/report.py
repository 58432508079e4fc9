"""The issue's targets, the printed table, results/bench.json and the chart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PASS, FAIL, SKIP = "PASS", "FAIL", "SKIP"
TARGET_LEVEL = 16  # conversations in flight for the latency targets
ERROR_LEVEL = 64
RATIO_LIMIT = 1.3
P95_LIMIT_MS = 300.0
DIAGNOSIS_LIMIT = 2000.0
COLD_START_LIMIT_S = 40.0
RSS_LIMIT_MB = 1500.0  # 1.5 GB
TRAIN_LIMIT_S = 300.0


def level(results: dict[str, Any], who: str, in_flight: int) -> dict[str, Any] | None:
    side = results.get(who) or {}
    return next((lv for lv in side.get("levels", []) if lv["in_flight"] == in_flight), None)


def p95_ratios(results: dict[str, Any]) -> dict[str, float | None]:
    """Our p95 over stock p95, per level both measured."""
    out: dict[str, float | None] = {}
    for lv in (results.get("ours") or {}).get("levels", []):
        stock = level(results, "stock", lv["in_flight"])
        if stock and stock.get("p95_ms") and lv.get("p95_ms") is not None:
            out[str(lv["in_flight"])] = round(lv["p95_ms"] / stock["p95_ms"], 2)
    return out


def _check(name: str, value: float | None, limit: float, ok: bool | None, unit: str) -> dict[str, Any]:
    status = SKIP if value is None or ok is None else (PASS if ok else FAIL)
    return {"target": name, "value": value, "limit": limit, "unit": unit, "status": status}


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    ours16 = level(results, "ours", TARGET_LEVEL)
    p95 = ours16["p95_ms"] if ours16 else None
    ratio = results.get("ratio_p95", {}).get(str(TARGET_LEVEL))
    at64 = level(results, "ours", ERROR_LEVEL)
    errors = at64["errors"]["total"] if at64 else None
    diag = (results.get("diagnosis") or {}).get("msg_per_s")
    cold = (results.get("ours") or {}).get("cold_start_s")
    rss = ((results.get("ours") or {}).get("rss_mb") or {}).get("rasa")
    train = (results.get("training") or {}).get("train_s")

    def le(v: float | None, lim: float) -> bool | None:
        return None if v is None else v <= lim

    return [
        _check(f"p95 at {TARGET_LEVEL} in flight / stock p95", ratio, RATIO_LIMIT, le(ratio, RATIO_LIMIT), "x"),
        _check(f"p95 at {TARGET_LEVEL} in flight", p95, P95_LIMIT_MS, le(p95, P95_LIMIT_MS), "ms"),
        _check(f"errors at {ERROR_LEVEL} in flight", errors, 0, le(errors, 0), "turns"),
        _check(
            "diagnosis logic, one core",
            diag,
            DIAGNOSIS_LIMIT,
            None if diag is None else diag >= DIAGNOSIS_LIMIT,
            "msg/s",
        ),
        _check("cold start to first answer", cold, COLD_START_LIMIT_S, le(cold, COLD_START_LIMIT_S), "s"),
        _check("Rasa process peak RSS", rss, RSS_LIMIT_MB, le(rss, RSS_LIMIT_MB), "MB"),
        _check("full training", train, TRAIN_LIMIT_S, le(train, TRAIN_LIMIT_S), "s"),
    ]


def _fmt(x: Any, spec: str = ".0f") -> str:
    return "-" if x is None else format(x, spec) if isinstance(x, (int, float)) else str(x)


def table(results: dict[str, Any]) -> str:
    """The per-level table, the one-off figures and the targets, as plain text."""
    lines = [
        f"{'bot':6} {'in flight':>9} {'turns':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'turns/s':>8} {'errors':>6} {'p95/stock':>9}"
    ]
    ratios = results.get("ratio_p95", {})
    for who in ("ours", "stock"):
        for lv in (results.get(who) or {}).get("levels", []):
            ratio = ratios.get(str(lv["in_flight"])) if who == "ours" else None
            lines.append(
                f"{who:6} {lv['in_flight']:>9} {lv['turns']:>6} {_fmt(lv['p50_ms']):>8} "
                f"{_fmt(lv['p95_ms']):>8} {_fmt(lv['p99_ms']):>8} {_fmt(lv['throughput_tps'], '.1f'):>8} "
                f"{lv['errors']['total']:>6} {_fmt(ratio, '.2f'):>9}"
            )
    lines.append("")
    for who in ("ours", "stock"):
        side = results.get(who)
        if side:
            rss = side.get("rss_mb") or {}
            lines.append(
                f"{who}: cold start {_fmt(side.get('cold_start_s'), '.1f')} s, peak RSS rasa "
                f"{_fmt(rss.get('rasa'))} MB, action server {_fmt(rss.get('actions'))} MB"
            )
    diag = results.get("diagnosis") or {}
    lines.append(
        f"diagnosis alone: {_fmt(diag.get('msg_per_s'))} msg/s wall, {_fmt(diag.get('cpu_msg_per_s'))} "
        f"msg/s CPU ({_fmt(diag.get('us_per_msg'), '.1f')} µs/msg, one core)"
    )
    tr = results.get("training") or {}
    lines.append(
        f"model {_fmt(tr.get('model_mb'), '.1f')} MB; training {_fmt(tr.get('train_s'), '.0f')} s"
        + ("" if tr.get("train_s") is not None else " (not measured: --train)")
    )
    lines.append("")
    for t in results.get("targets", []):
        lines.append(f"{t['status']:4}  {t['target']}: {_fmt(t['value'], '.2f')} {t['unit']} (limit {t['limit']})")
    return "\n".join(lines)


def write_json(results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def chart(results: dict[str, Any], path: Path) -> None:
    """p50 and p95 per turn against conversations in flight, ours and stock; throughput beside it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (lat, thr) = plt.subplots(1, 2, figsize=(11, 4.2))
    for who, colour in (("ours", "tab:red"), ("stock", "tab:blue")):
        levels = (results.get(who) or {}).get("levels", [])
        if not levels:
            continue
        xs = [lv["in_flight"] for lv in levels]
        lat.plot(xs, [lv["p95_ms"] for lv in levels], "o-", color=colour, label=f"{who} p95")
        lat.plot(xs, [lv["p50_ms"] for lv in levels], "s--", color=colour, alpha=0.6, label=f"{who} p50")
        thr.plot(xs, [lv["throughput_tps"] for lv in levels], "o-", color=colour, label=who)
    lat.axhline(P95_LIMIT_MS, color="grey", lw=0.8, ls=":", label=f"{P95_LIMIT_MS:.0f} ms target")
    levels = sorted({lv["in_flight"] for who in ("ours", "stock") for lv in (results.get(who) or {}).get("levels", [])})
    lat.set_yscale("log")
    for ax, title, unit in ((lat, "latency per turn (log scale)", "ms"), (thr, "throughput", "turns/s")):
        ax.set_xscale("log", base=2)
        if levels:
            ax.set_xticks(levels, [str(n) for n in levels])
        ax.set_xlabel("conversations in flight")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    machine = results.get("machine") or {}
    fig.suptitle(
        f"{machine.get('cpu_model', '')}, {machine.get('nproc', '?')} CPUs; {results.get('started_at', '')}", fontsize=9
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
