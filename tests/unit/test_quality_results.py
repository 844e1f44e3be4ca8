"""Judging measurements, anomaly detection on history, the gate message, and the reports (pure Python)."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest

from spark_apps.config import TableSuite
from spark_apps.quality import report
from spark_apps.quality.results import (
    Measurements,
    RunContext,
    breaches,
    detect_anomalies,
    disagreements,
    gate_message,
    judge,
    relative_change,
)

NOW = dt.datetime(2026, 1, 2, 3, 4, 5)
CTX = RunContext("run-1", "processing", "curated.fact", "native", NOW)


def suite(*checks, anomalies=(), **extra) -> TableSuite:
    return TableSuite.model_validate(
        {"table": "curated.fact", "layer": "processing", "checks": list(checks), "anomalies": list(anomalies), **extra}
    )


def test_thresholds_come_from_the_check_then_the_suite_then_the_layer():
    s = suite(
        {"name": "a", "kind": "completeness", "column": "x"},
        {"name": "b", "kind": "completeness", "column": "x", "min_pass_rate": 0.5},
        min_pass_rate=0.97,
    )
    results = judge(s, Measurements(100, {"a": 0.96, "b": 0.96}), 0.95, CTX)
    assert [(r.check_name, r.threshold, r.status) for r in results] == [("a", 0.97, "failure"), ("b", 0.5, "warning")]
    assert results[0].message == "4 of 100 rows failed; pass rate 96.00% < threshold 97.00%"


def test_an_empty_frame_passes_row_checks_vacuously_and_fails_a_minimum_row_count():
    s = suite({"name": "a", "kind": "completeness", "column": "x"}, {"name": "n", "kind": "row_count", "min": 1})
    results = judge(s, Measurements(0, {"a": None}), 0.95, CTX)
    assert [(r.status, r.message) for r in results] == [
        ("success", "no rows to check"),
        ("failure", "0 rows: outside [1, None]"),
    ]


def test_anomaly_compares_with_the_mean_of_recent_history():
    s = suite(
        {"name": "a", "kind": "completeness", "column": "x"},
        anomalies=[
            {"metric": "row_count", "max_decrease": 0.5, "history": 2, "level": "error"},
            {"metric": "null_rate", "column": "x", "max_increase": 1.0},
        ],
    )
    m = Measurements(40, {"a": 0.9}, {"x": 0.1})
    history = {"anomaly_row_count": [100.0, 120.0, 5.0], "anomaly_null_rate_x": [0.02]}
    rows, nulls = detect_anomalies(s, m, history, CTX)
    # 40 vs mean(100, 120) = 110: -63.6 % beyond -50 %  -> failure (error level)
    assert (rows.status, rows.metric_value) == ("failure", 40.0)
    assert "change -63.6% outside [-0.5, +inf]" in rows.message
    # null rate 0.1 vs 0.02: +400 % beyond +100 % -> warning (default level)
    assert nulls.status == "warning" and nulls.pass_rate == 0.0
    # no history: nothing to compare, passes
    (first,) = detect_anomalies(
        suite(
            {"name": "a", "kind": "completeness", "column": "x"}, anomalies=[{"metric": "row_count", "max_increase": 1}]
        ),
        m,
        {},
        CTX,
    )
    assert (first.status, first.message) == ("success", "no history yet")


def test_relative_change_from_zero():
    assert relative_change(0, 0) == 0.0
    assert math.isinf(relative_change(3, 0))
    assert relative_change(150, 100) == pytest.approx(0.5)


def test_gate_message_names_table_rule_rate_and_threshold():
    s = suite({"name": "known", "kind": "sql", "predicate": "k <> -1"}, {"name": "n", "kind": "row_count", "max": 5})
    failed = breaches(judge(s, Measurements(10, {"known": 0.8}), 0.95, CTX))
    assert gate_message("processing", failed) == (
        "quality gate 'processing' failed: 2 check(s) breached\n"
        "  curated.fact: rule known pass rate 80.00% < threshold 95.00% (2 of 10 rows failed: k <> -1)\n"
        "  curated.fact: rule n failed: 10 rows: outside [None, 5] (row count between 0 and 5)"
    )


def _results(run_id: str, at: dt.datetime, rows: int, rate: float, table="curated.fact"):
    s = suite({"name": "a", "kind": "completeness", "column": "x"})
    ctx = RunContext(run_id, "processing", table, "native", at)
    return [r.as_json() for r in judge(s, Measurements(rows, {"a": rate}), 0.95, ctx)]


def test_reports_hold_the_results_and_the_trend_across_runs():
    history = _results("run-0", NOW - dt.timedelta(days=1), 90, 1.0) + _results("run-x", NOW, 5, 1.0, "marts.m")
    current = _results("run-1", NOW, 100, 0.9)
    data = json.loads(report.render_json("t", current, history))
    assert data["status"] == "failure"
    assert [(p["run_id"], p["rows"], p["min_pass_rate"]) for p in data["trend"]["curated.fact"]] == [
        ("run-0", 90, 1.0),
        ("run-1", 100, 0.9),
    ]
    page = report.render_html("Quality <run-1>", current, history)
    assert page.startswith("<!DOCTYPE html>") and "Quality &lt;run-1&gt;" in page
    assert '<svg id="chart-pass-rate"' in page and 'data-pass-rate="0.9000"' in page
    assert 'id="trend-rows-curated-fact"' in page and 'id="trend-pass-rate-curated-fact"' in page
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")


def test_a_report_note_heads_the_page_and_the_json():
    current = _results("run-1", NOW, 100, 1.0)

    page = report.render_html("t", current, [], note="3 rows failed the contract <before> the checks")
    data = json.loads(report.render_json("t", current, [], note="3 rows failed the contract"))

    assert '<h1>t</h1><p id="scope">3 rows failed the contract &lt;before&gt; the checks</p>' in page
    assert data["note"] == "3 rows failed the contract"


def test_stored_results_split_into_each_tables_newest_run_and_its_history():
    # Given results of two runs of curated.fact and one of marts.m, as ops.quality_results holds them
    older = _results("run-0", NOW - dt.timedelta(days=1), 90, 1.0)
    newer = _results("run-1", NOW, 100, 0.9)
    mart = _results("run-x", NOW - dt.timedelta(days=3), 5, 1.0, "marts.m")

    # When they are split for the history page
    current, history = report.latest_and_history(older + mart + newer)

    # Then each table's newest run is current (however old), and everything before it is history
    assert sorted({(r["table_name"], r["run_id"]) for r in current}) == [
        ("curated.fact", "run-1"),
        ("marts.m", "run-x"),
    ]
    assert {r["run_id"] for r in history} == {"run-0"}
    page = report.sections(current, history)
    assert page.count('class="bar"') == 2 and 'id="trend-rows-curated-fact"' in page


def test_a_check_without_a_metric_fails_with_the_engines_message_and_counts_its_rows_as_failed():
    # given: 10 rows; a uniqueness check covering 8 of them; a SQL predicate with no metric
    s = suite(
        {"name": "u", "kind": "uniqueness", "columns": ["id"]},
        {"name": "p", "kind": "sql", "predicate": "x > 0"},
        {"name": "w", "kind": "sql", "predicate": "y > 0", "level": "warning"},
    )
    empty = "Empty state for analyzer Compliance(p,x > 0,None,List(),None), all input values were NULL."
    m = Measurements(10, {"u": 0.75, "p": None, "w": None}, checked={"u": 8}, errors={"p": empty, "w": "none"})

    # when: judged
    r = {x.check_name: x for x in judge(s, m, 0.9, CTX)}

    # then: uniqueness counts its covered rows; a missing metric fails (warns at warning level) with the message
    assert (r["u"].rows_checked, r["u"].rows_failed, r["u"].pass_rate) == (8, 2, 0.75)
    assert (r["p"].status, r["p"].pass_rate, r["p"].rows_failed, r["p"].metric_value, r["p"].message) == (
        "failure",
        0.0,
        10,
        None,
        empty,
    )
    assert r["w"].status == "warning"


def test_disagreements_name_each_field_that_differs():
    s = suite({"name": "p", "kind": "sql", "predicate": "x > 0"}, {"name": "q", "kind": "sql", "predicate": "y"})
    left = judge(s, Measurements(4, {"p": 0.5, "q": 1.0}), 0.9, CTX)
    same = judge(s, Measurements(4, {"p": 0.5, "q": 1.0}), 0.9, CTX)
    other = judge(s, Measurements(4, {"p": 0.75, "q": None}, errors={"q": "no metric"}), 0.9, CTX)

    assert disagreements(left, same) == []
    found = disagreements(left, other)
    assert "p.pass_rate: left=0.5 right=0.75" in found and "p.rows_failed: left=2 right=1" in found
    assert (
        "q.message: left='0 of 4 rows failed; pass rate 100.00%' right='no metric'" in found
        and "q.metric_value: left=1.0 right=None" in found
    )
    assert disagreements(left, left[:1]) == ["q: only in one result set"]
