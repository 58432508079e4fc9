"""Smoke test of the benchmark code: no servers, a few hundred milliseconds."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bench import convo, diagnosis, report
from bench.load import _next_text, conversations_for
from bench.memory import peak_rss_mb
from bench.stats import LevelResult, percentile

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.parametrize(
    ("values", "pct", "expected"),
    [
        ([1.0], 95, 1.0),
        ([1.0, 2.0], 50, 1.5),
        ([1.0, 2.0, 3.0, 4.0], 0, 1.0),
        ([1.0, 2.0, 3.0, 4.0], 100, 4.0),
        ([4.0, 1.0, 3.0, 2.0], 50, 2.5),  # order does not matter
        (list(range(1, 101)), 95, 95.05),
        (list(range(1, 101)), 99, 99.01),
    ],
)
def test_percentile_interpolates_like_numpy(values: list[float], pct: float, expected: float) -> None:
    assert percentile(values, pct) == pytest.approx(expected)


def test_percentile_edges() -> None:
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_level_summary_counts_errors_and_throughput() -> None:
    lv = LevelResult(4, latencies=[0.1, 0.2, 0.3, 0.4], wall_s=2.0)
    lv.errors.add("empty", "no reply")
    lv.errors.add("status", "503")
    s = lv.summary()
    assert s["turns"] == 4 and s["throughput_tps"] == 2.0
    assert s["p50_ms"] == 250.0 and s["max_ms"] == 400.0
    assert s["errors"]["total"] == 2 and s["errors"]["empty"] == 1 and len(s["errors"]["examples"]) == 2
    assert LevelResult(1).summary()["p95_ms"] is None


@pytest.mark.parametrize(
    ("in_flight", "turns", "minimum", "expected"),
    [(1, 6, 120, 20), (4, 6, 120, 20), (16, 6, 120, 32), (64, 6, 120, 64)],
)
def test_conversations_per_level(in_flight: int, turns: int, minimum: int, expected: int) -> None:
    count = conversations_for(in_flight, turns, minimum)
    assert count == expected and count % in_flight == 0 and count * turns >= minimum


@pytest.fixture(scope="module")
def texts() -> convo.EvalTexts:
    return convo.load_eval(ROOT / "eval" / "dev")


def test_eval_texts_are_read(texts: convo.EvalTexts) -> None:
    assert len(texts.situations) > 50 and any(len(s) > 1 for s in texts.situations)
    assert {"fact", "refuse", "out_of_scope", "privacy"} <= set(texts.singles)
    assert all(texts.intents[i] for i in convo.HOLDOUT_INTENTS)


def test_conversations_are_realistic_and_reproducible(texts: convo.EvalTexts) -> None:
    convs = convo.conversations(texts, 60, 6, seed=3)
    assert convs == convo.conversations(texts, 60, 6, seed=3)
    assert all(len(c.turns) == 6 for c in convs)
    assert {c.kind for c in convs} == set(convo.KINDS)
    said = {t.text for c in convs for t in c.turns}
    situations = {t for case in texts.situations for t in case}
    follow_ups = {t for i in convo.FOLLOW_UPS for t in texts.intents[i]}
    assert said & situations and said & follow_ups and said & set(texts.singles["fact"])
    selfchecks = [c for c in convs if c.kind == "selfcheck"]
    assert all(c.turns[0].text in texts.intents["ask_refusal_reason"] and c.turns[1].pick_button for c in selfchecks)


def test_no_handoff_requests(texts: convo.EvalTexts) -> None:
    assert "request_handoff" not in texts.intents


def test_button_answers_follow_the_last_reply() -> None:
    import random

    turn = convo.Turn("我给朋友做了担保", pick_button=True)
    reply = [{"text": "q", "buttons": [{"title": "没有担保", "payload": "没有担保"}]}]
    assert _next_text(turn, reply, random.Random(1)) == "没有担保"
    assert _next_text(turn, [{"text": "no buttons"}], random.Random(1)) == turn.text
    assert _next_text(convo.Turn("你好"), reply, random.Random(1)) == "你好"


def test_stock_conversations() -> None:
    convs = convo.stock_conversations(5, 6)
    assert all(len(c.turns) == 6 and c.kind == "stock" for c in convs)
    assert all(t.text.isascii() for c in convs for t in c.turns)


def test_diagnosis_only_measurement(texts: convo.EvalTexts, kb: object) -> None:
    result = diagnosis.measure(diagnosis.diagnosis_texts(texts)[:20], count=40, repeats=1)
    assert result["messages"] == 40 and result["msg_per_s"] > 0 and result["cpu_msg_per_s"]


def test_peak_rss_of_this_process() -> None:
    import os

    assert (peak_rss_mb(os.getpid()) or 0) > 1
    assert peak_rss_mb(2**22 + 12345) is None


def _fake_results() -> dict[str, object]:
    def lv(n: int, p95: float, errors: int = 0) -> dict[str, object]:
        s = LevelResult(n, latencies=[p95 / 1000] * 10, wall_s=1.0).summary()
        s["errors"]["total"] = errors
        return s

    results: dict[str, object] = {
        "machine": {"nproc": 2, "cpu_model": "test"},
        "ours": {
            "cold_start_s": 20.0,
            "rss_mb": {"rasa": 900.0, "actions": 60.0},
            "levels": [lv(1, 50), lv(16, 390), lv(64, 900, errors=2)],
        },
        "stock": {"cold_start_s": 10.0, "rss_mb": {"rasa": 800.0}, "levels": [lv(1, 40), lv(16, 300), lv(64, 700)]},
        "diagnosis": {"msg_per_s": 5000.0},
        "training": {"model_mb": 28.0, "train_s": None},
    }
    results["ratio_p95"] = report.p95_ratios(results)
    results["targets"] = report.targets(results)
    return results


def test_targets_and_ratio() -> None:
    results = _fake_results()
    assert results["ratio_p95"] == {"1": 1.25, "16": 1.3, "64": 1.29}
    status = {t["target"]: t["status"] for t in results["targets"]}
    assert status["p95 at 16 in flight / stock p95"] == report.PASS  # 1.3 is at the limit
    assert status["p95 at 16 in flight"] == report.FAIL
    assert status["errors at 64 in flight"] == report.FAIL
    assert status["diagnosis logic, one core"] == report.PASS
    assert status["full training"] == report.SKIP
    assert all(set(t) == {"target", "value", "limit", "unit", "status"} for t in results["targets"])


def test_targets_skip_without_data() -> None:
    assert {t["status"] for t in report.targets({})} == {report.SKIP}


def test_json_table_and_chart(tmp_path: Path) -> None:
    results = _fake_results()
    report.write_json(results, tmp_path / "bench.json")
    back = json.loads((tmp_path / "bench.json").read_text())
    assert back["ours"]["levels"][0]["in_flight"] == 1
    assert {"p50_ms", "p95_ms", "p99_ms", "throughput_tps", "errors"} <= set(back["ours"]["levels"][0])
    text = report.table(results)
    assert "FAIL" in text and "PASS" in text and "ours" in text and "stock" in text
    report.chart(results, tmp_path / "bench.png")
    assert (tmp_path / "bench.png").read_bytes()[:4] == b"\x89PNG"


def test_cli_quick_sets_a_small_run() -> None:
    from bench.__main__ import parse

    args = parse(["--quick"])
    assert args.level_list == [1, 4] and args.no_stock and args.turns < 6
    assert parse([]).level_list == [1, 4, 16, 64]


def test_refuses_a_port_someone_listens_on() -> None:
    import socket

    from bench.servers import BenchError, ensure_free

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(BenchError, match=str(port)):
            ensure_free(port)
    ensure_free(port)  # closed again
