"""Differential tests: every check kind through both engines — PyDeequ on the real Deequ jar, and the
native Spark engine — on the same adversarial frames. Both must record the same metric value, pass
rate, rows checked and failed, status and message (Deequ's own message where Deequ has no metric), and
each engine's row split must quarantine exactly the rows its results say failed.

The adversarial frame (10 rows):
- ids with a duplicate and nulls; a two-column key that is null on every row;
- a string column with a backslash, quotes and a double quote; a column null on every row;
- doubles at the extremes: ±1e10 and beyond, ±1e-11, ±Infinity, NaN, null;
- a DECIMAL(38,10) at its precision limit and a tiny negative one;
- an integer column under a pattern check (a type mismatch), and two pattern checks on one column;
- a timestamp for freshness, and one that is null on every row.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest
from pyspark.sql import functions as F

from spark_apps.config import TableSuite
from spark_apps.quality.gate import QualityGate
from spark_apps.quality.results import disagreements

pytestmark = pytest.mark.spark

AS_OF = dt.datetime(2026, 1, 12)
BIG = "9999999999999999999999999999.9999999999"  # DECIMAL(38,10)'s largest value (cast from text: exact)
SCHEMA = (
    "id int, k1 int, k2 string, s string, allnull string, d double, amount string, n int,"
    " email string, ref long, ts timestamp, no_ts timestamp"
)
T = dt.datetime
ROWS = [
    (1, None, None, "a\\b", None, -2e10, BIG, 1, "a@x.com", 10, T(2026, 1, 11), None),
    (1, None, None, "o'k", None, -1e10, "-" + BIG, 12, "b@x.org", 11, T(2026, 1, 10), None),
    (2, None, None, 'x"y', None, 1e10, "-0.0000000001", 2, "bad-email", 99, T(2026, 1, 9), None),
    (None, None, None, "a\\\\b", None, 1e-11, "0", 3, None, None, None, None),
    (None, None, None, None, None, -1e-11, None, None, "c@x.com", 12, T(2025, 12, 1), None),
    (5, None, None, "ab", None, math.inf, "1e-10", 5, "d@x.co", 10, T(2026, 1, 1), None),
    (6, None, None, "o\\'k", None, -math.inf, "12.5", 6, "E@X.COM", 12, T(2026, 1, 2), None),
    (7, None, None, "", None, math.nan, "-12.5", 7, "", 11, T(2026, 1, 3), None),
    (8, None, None, "x", None, None, "0.0000000001", 8, "f@x.com", 10, T(2026, 1, 4), None),
    (9, None, None, "a\\b", None, 0.0, "1", None, "g@@x.com", 13, T(2026, 1, 5), None),
]
EMAIL = r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$"
CHECKS = [
    {"name": "s_complete", "kind": "completeness", "column": "s"},
    {"name": "allnull_complete", "kind": "completeness", "column": "allnull", "level": "warning"},
    {"name": "id_unique", "kind": "uniqueness", "columns": ["id"]},
    {"name": "nullkey_unique", "kind": "uniqueness", "columns": ["k1", "k2"]},
    {"name": "s_accepted", "kind": "accepted_values", "column": "s", "values": ["a\\b", "o'k", 'x"y', "o\\'k"]},
    {"name": "email_format", "kind": "pattern", "column": "email", "pattern": EMAIL},
    {"name": "email_has_at", "kind": "pattern", "column": "email", "pattern": "@"},
    {"name": "email_or_null", "kind": "pattern", "column": "email", "pattern": EMAIL, "allow_null": True},
    {"name": "n_pattern", "kind": "pattern", "column": "n", "pattern": "^[0-9]$"},
    {"name": "d_range", "kind": "range", "column": "d", "min": -1e10, "max": 1e10},
    {"name": "amount_range", "kind": "range", "column": "amount", "min": -100, "max": 100},
    {"name": "d_non_negative", "kind": "non_negative", "column": "d"},
    {"name": "d_positive", "kind": "positive", "column": "d", "level": "warning"},
    {"name": "amount_non_negative", "kind": "non_negative", "column": "amount"},
    {"name": "amount_positive", "kind": "positive", "column": "amount"},
    {"name": "n_positive", "kind": "positive", "column": "n"},
    {"name": "sql_allnull", "kind": "sql", "predicate": "allnull = 'a'"},
    {"name": "sql_partly_null", "kind": "sql", "predicate": "n < 8"},
    {"name": "sql_backslash", "kind": "sql", "predicate": "s <> 'a\\\\b'"},
    {
        "name": "ref_known",
        "kind": "referential_integrity",
        "columns": ["ref"],
        "reference": "qengines.refs",
        "reference_columns": ["ref_id"],
    },
    {"name": "fresh", "kind": "freshness", "column": "ts", "max_age_days": 2},
    {"name": "fresh_allnull", "kind": "freshness", "column": "no_ts", "max_age_days": 2},
    {"name": "rows_bounded", "kind": "row_count", "min": 1, "max": 5},
]


def suite_of(checks) -> TableSuite:
    return TableSuite.model_validate(
        {
            "table": "raw.adversarial",
            "layer": "raw",
            "checks": checks,
            "anomalies": [{"metric": "null_rate", "column": "email", "max_increase": 0.5}],
        }
    )


@pytest.fixture(scope="module")
def refs(spark, test_env) -> str:
    spark.sql(f"CREATE NAMESPACE IF NOT EXISTS {test_env.catalog.name}.qengines")
    table = test_env.table("qengines", "refs")
    spark.createDataFrame([(r,) for r in (10, 11, 12)], "ref_id long").writeTo(table).createOrReplace()
    return table


def gate_for(table_io, test_env, engine: str) -> QualityGate:
    env = test_env.model_copy(update={"quality": test_env.quality.model_copy(update={"engine": engine})})
    return QualityGate(table_io, env, f"engines-{engine}", AS_OF)


def both(spark, table_io, test_env, rows, checks=CHECKS):
    """The Checked of each engine on the same frame."""
    df = spark.createDataFrame(rows, SCHEMA).withColumn("amount", F.col("amount").cast("decimal(38,10)"))
    suite = suite_of(checks)
    return {e: gate_for(table_io, test_env, e).check(suite, df) for e in ("native", "deequ")}


def engine_disagreements(checked) -> list[str]:
    return disagreements(checked["native"].results, checked["deequ"].results)


def quarantined_per_rule(checked) -> dict[str, int]:
    _, invalid = checked.split()
    counts = {c.name: 0 for c in checked.suite.quarantining()}
    for row in invalid.select("_failed_rules").collect():
        for rule in row["_failed_rules"]:
            counts[rule] += 1
    return counts


def test_both_engines_record_the_same_result_for_every_check_on_adversarial_rows(spark, table_io, test_env, refs):
    # given: the adversarial frame; when: both engines check it
    checked = both(spark, table_io, test_env, ROWS)

    # then: no result differs in any compared field
    assert checked["deequ"].results[0].engine == "deequ" and checked["native"].results[0].engine == "native"
    assert engine_disagreements(checked) == []


def test_the_verdicts_are_deequs_on_extremes_nulls_and_escapes(spark, table_io, test_env, refs):
    # given / when: the adversarial frame through Deequ
    results = {r.check_name: r for r in both(spark, table_io, test_env, ROWS)["deequ"].results}

    def rate(name):
        return results[name].pass_rate

    # then: DOUBLE casts: -2e10, -1e10, -1e-11 and -inf are negative; NaN and +inf pass (NaN sorts highest)
    assert rate("d_non_negative") == pytest.approx(6 / 10)
    assert rate("d_positive") == pytest.approx(5 / 10)  # 1e10, 1e-11, inf, nan and the null; not 0.0
    # the decimal limit and the tiny negative keep their sign
    assert rate("amount_non_negative") == pytest.approx(7 / 10)  # -BIG, -1e-10 and -12.5 fail
    # uniqueness counts only keyed rows: ids 2, 5, 6, 7, 8, 9 once, 1 twice → 6 of 8
    assert (rate("id_unique"), results["id_unique"].rows_checked, results["id_unique"].rows_failed) == (
        pytest.approx(6 / 8),
        8,
        2,
    )
    # a backslash in an accepted value means a backslash: "a\b" twice, "o'k", 'x"y', "o\'k"
    assert rate("s_accepted") == pytest.approx(6 / 10)  # five accepted values plus the null row
    # two patterns on one column keep their own values
    assert (rate("email_format"), rate("email_has_at")) == (pytest.approx(5 / 10), pytest.approx(7 / 10))


def test_a_check_deequ_has_no_metric_for_fails_with_deequs_message(spark, table_io, test_env, refs):
    checked = both(spark, table_io, test_env, ROWS)

    for engine in ("native", "deequ"):
        results = {r.check_name: r for r in checked[engine].results}
        # then: null on every row, keys all null, a pattern on an integer, ages all null: failures
        assert results["sql_allnull"].message == (
            "Empty state for analyzer Compliance(sql_allnull,allnull = 'a',None,List(),None), "
            "all input values were NULL."
        ), engine
        assert results["nullkey_unique"].message == (
            "Empty state for analyzer Uniqueness(List(k1, k2),None,None), all input values were NULL."
        ), engine
        assert results["n_pattern"].message == (
            "Expected type of column n to be StringType, but found IntegerType instead!"
        ), engine
        assert results["fresh_allnull"].message.startswith("Empty state for analyzer Minimum(_age_fresh_allnull")
        for name in ("sql_allnull", "nullkey_unique", "n_pattern", "fresh_allnull"):
            assert (results[name].status, results[name].metric_value) == ("failure", None), (engine, name)
        # and the rows they cover count as failed: every row, except for a key no row has
        assert (results["sql_allnull"].rows_failed, results["n_pattern"].rows_failed) == (10, 10)
        assert (results["nullkey_unique"].rows_checked, results["nullkey_unique"].rows_failed) == (0, 0)


@pytest.mark.parametrize("engine", ["native", "deequ"])
def test_the_rows_quarantined_are_the_rows_the_results_count_as_failed(spark, table_io, test_env, refs, engine):
    # given: the adversarial frame checked by one engine
    checked = both(spark, table_io, test_env, ROWS)[engine]

    # when: it is split
    quarantined = quarantined_per_rule(checked)

    # then: each quarantining rule took exactly as many rows as its result says failed
    failed = {r.check_name: r.rows_failed for r in checked.results if r.check_name in quarantined}
    assert quarantined == failed
    assert quarantined["d_non_negative"] == 4 and quarantined["id_unique"] == 2


def test_clean_rows_and_an_empty_frame_agree_too(spark, table_io, test_env, refs):
    clean = [
        (i, i, "k", "a\\b", "a", 1.5, "2.5", 3, "a@x.com", 10, T(2026, 1, 11), T(2026, 1, 11)) for i in range(1, 5)
    ]
    row_checks = [c for c in CHECKS if c["name"] not in ("n_pattern",)]

    for rows in (clean, []):
        checked = both(spark, table_io, test_env, rows, row_checks)
        assert engine_disagreements(checked) == [], f"{len(rows)} rows"
    statuses = {r.check_name: r.status for r in both(spark, table_io, test_env, [], row_checks)["deequ"].results}
    assert statuses["rows_bounded"] == "failure" and statuses["s_complete"] == "success"  # nothing to check


def test_a_job_on_the_deequ_engine_exits_as_soon_as_its_work_is_done(spark, scratch):
    """PyDeequ serves its assertions through py4j's callback server, a non-daemon thread: left running,
    the job's process never exits after ``spark.stop()`` (seen: killed at 100 s, its work done at 29 s)."""
    import os
    import subprocess
    import sys
    import threading
    import time
    from pathlib import Path

    # given: a lake with a raw.customers table, and the quality_gate job run as its own process
    lake = scratch / "deequ-exit-lake"
    spark.conf.set("spark.sql.catalog.exitlake", "org.apache.iceberg.spark.SparkCatalog")
    spark.conf.set("spark.sql.catalog.exitlake.type", "hadoop")
    spark.conf.set("spark.sql.catalog.exitlake.warehouse", str(lake / "warehouse"))
    spark.sql("CREATE NAMESPACE IF NOT EXISTS exitlake.raw")
    spark.createDataFrame(
        [(1, "a@x.com", "US", dt.date(2025, 1, 1)), (2, "b@x.com", "XX", dt.date(2025, 1, 2))],
        "customer_id long, email string, country string, signup_date date",
    ).writeTo("exitlake.raw.customers").createOrReplace()
    root = Path(__file__).resolve().parents[2]
    cmd = [sys.executable, str(root / "spark_apps/jobs/quality_gate.py"), "--env", "test", "--run-id", "exit-test"]
    cmd += ["--layers", "raw", "--as-of", "2026-01-01"]
    env = {**os.environ, "PIPELINE_LAKE_ROOT": str(lake), "PYTHONPATH": str(root)}

    # when: it runs to the end of its work (its last line names the report)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines: list[str] = []
    work_done: list[float] = []

    def read() -> None:
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("QUALITY_REPORT"):
                work_done.append(time.monotonic())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        code = proc.wait(timeout=180)
    except subprocess.TimeoutExpired:
        code = None
    finally:
        proc.kill()
    exited = time.monotonic()

    # then: Deequ measured the table, and the process exited with 0 within seconds of that
    assert [line for line in lines if "check=email_format" in line and "engine=deequ" in line], lines
    assert work_done and code == 0, f"exit code {code} (None: still running at 180 s)"
    assert exited - work_done[0] < 20


def test_scd2_histories_are_judged_alike_by_both_engines_and_each_broken_version_is_named(spark, table_io, test_env):
    # given: one sound history, one with an overlap, one with a gap, one with two current versions
    d, open_end = dt.date, dt.date(9999, 12, 31)
    rows = [
        ("ok", d(1900, 1, 1), d(2026, 1, 5), False),
        ("ok", d(2026, 1, 5), open_end, True),
        ("overlap", d(1900, 1, 1), d(2026, 1, 9), False),  # ends after the next one begins
        ("overlap", d(2026, 1, 5), open_end, True),
        ("gap", d(1900, 1, 1), d(2026, 1, 3), False),  # ends before the next one begins
        ("gap", d(2026, 1, 5), open_end, True),
        ("two_current", d(1900, 1, 1), d(2026, 1, 5), True),  # not the last, yet current
        ("two_current", d(2026, 1, 5), open_end, True),
    ]
    df = spark.createDataFrame(rows, "id string, valid_from date, valid_to date, is_current boolean")
    suite = TableSuite.model_validate(
        {
            "table": "curated.history",
            "layer": "processing",
            "checks": [{"name": "history_sound", "kind": "scd2_periods", "keys": ["id"]}],
        }
    )

    # when: both engines check it and split it
    checked = {e: gate_for(table_io, test_env, e).check(suite, df) for e in ("native", "deequ")}

    # then: they agree, and the three broken versions (not their sound successors) are the failing rows
    assert engine_disagreements(checked) == []
    (result,) = checked["deequ"].results
    assert (result.rows_checked, result.rows_failed) == (8, 3)
    for engine in ("native", "deequ"):
        _, invalid = checked[engine].split()
        assert sorted((r["id"], r["valid_from"]) for r in invalid.collect()) == [
            ("gap", d(1900, 1, 1)),
            ("overlap", d(1900, 1, 1)),
            ("two_current", d(1900, 1, 1)),
        ]
