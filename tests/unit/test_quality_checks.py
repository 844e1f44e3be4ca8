"""Every kind of check on one small frame with hand-counted passes, measured by the native engine, and
the row split that sends failing rows to quarantine with the names of the rules they failed.

The orders (8 rows; the reference customers are 10-14):
    id customer email      status amount  qty created
    1  10       a@x.com    open     10.0    1  2026-01-10
    2  11       b@x.com    closed    0.0    2  2026-01-09
    3  12       bad-email  open     -5.0    0  2026-01-08
    4  null     null       weird     7.5    3  2026-01-07
    5  13       c@x.com    open     null   -1  2026-01-06
    5  14       d@x.org    open      3.0    1  2026-01-05   (id 5 twice)
    7  99       e@x.com    open     20.0    2  null         (customer 99 is unknown)
    8  10       f@x.com    closed 1000.0    5  2026-01-04
"""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import TypeAdapter

from spark_apps.config import QualityCheck, TableSuite
from spark_apps.quality.gate import Checked, QualityGate
from spark_apps.quality.native import NativeEngine
from spark_apps.quality.rules import prepare

pytestmark = pytest.mark.spark

AS_OF = dt.datetime(2026, 1, 12)
ROWS = [
    (1, 10, "a@x.com", "open", 10.0, 1, dt.date(2026, 1, 10)),
    (2, 11, "b@x.com", "closed", 0.0, 2, dt.date(2026, 1, 9)),
    (3, 12, "bad-email", "open", -5.0, 0, dt.date(2026, 1, 8)),
    (4, None, None, "weird", 7.5, 3, dt.date(2026, 1, 7)),
    (5, 13, "c@x.com", "open", None, -1, dt.date(2026, 1, 6)),
    (5, 14, "d@x.org", "open", 3.0, 1, dt.date(2026, 1, 5)),
    (7, 99, "e@x.com", "open", 20.0, 2, None),
    (8, 10, "f@x.com", "closed", 1000.0, 5, dt.date(2026, 1, 4)),
]
SCHEMA = "id int, customer long, email string, status string, amount double, qty int, created date"
EMAIL = r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$"


@pytest.fixture(scope="module")
def orders(spark):
    return spark.createDataFrame(ROWS, SCHEMA)


@pytest.fixture(scope="module")
def customers_table(spark, table_io, test_env) -> str:
    table = test_env.table("qtest", "customers")
    spark.sql("CREATE NAMESPACE IF NOT EXISTS lake.qtest")
    spark.createDataFrame([(c,) for c in (10, 11, 12, 13, 14)], "customer_id long").writeTo(table).createOrReplace()
    return table


def suite_of(*checks: dict, **extra) -> TableSuite:
    return TableSuite.model_validate({"table": "raw.orders", "layer": "raw", "checks": list(checks), **extra})


def measure(spark, df, check: dict):
    """(rows, measured value) of one check by the native engine."""
    suite = suite_of(check)
    m = NativeEngine().measure(prepare(df, suite, spark, "lake", AS_OF), suite)
    return m.rows, m.values.get(suite.checks[0].name)


CASES = [
    # given a check of each kind, when measured, then passes / 8 is the hand count
    ({"name": "c", "kind": "completeness", "column": "customer"}, 7),
    ({"name": "c", "kind": "uniqueness", "columns": ["id"]}, 6),
    ({"name": "c", "kind": "uniqueness", "columns": ["id", "customer"]}, 8),
    ({"name": "c", "kind": "accepted_values", "column": "status", "values": ["open", "closed"]}, 7),
    ({"name": "c", "kind": "pattern", "column": "email", "pattern": EMAIL}, 6),
    ({"name": "c", "kind": "pattern", "column": "email", "pattern": EMAIL, "allow_null": True}, 7),
    ({"name": "c", "kind": "range", "column": "amount", "min": 0, "max": 100}, 6),
    ({"name": "c", "kind": "range", "column": "amount", "max": 100}, 7),
    ({"name": "c", "kind": "non_negative", "column": "amount"}, 7),
    ({"name": "c", "kind": "positive", "column": "qty"}, 6),
    ({"name": "c", "kind": "sql", "predicate": "amount <> 0"}, 6),
]


@pytest.mark.parametrize(("check", "passes"), CASES, ids=[f"{c['kind']}-{i}" for i, (c, _) in enumerate(CASES)])
def test_row_level_check_pass_rate_matches_the_hand_count(spark, orders, check, passes):
    rows, rate = measure(spark, orders, check)
    assert rows == 8
    assert rate == pytest.approx(passes / 8)


def test_referential_integrity_fails_unknown_keys_and_passes_null_keys(spark, orders, customers_table):
    # given customers 10-14 in the reference table: 99 is unknown, a null key is not checked
    check = {
        "name": "c",
        "kind": "referential_integrity",
        "columns": ["customer"],
        "reference": "qtest.customers",
        "reference_columns": ["customer_id"],
    }
    rows, rate = measure(spark, orders, check)
    assert (rows, rate) == (8, pytest.approx(7 / 8))


def test_freshness_is_the_age_of_the_newest_value_at_the_run_date(spark, orders):
    _, age = measure(spark, orders, {"name": "c", "kind": "freshness", "column": "created", "max_age_days": 3})
    assert age == pytest.approx(2.0)  # newest 2026-01-10, judged at 2026-01-12


def test_gate_judges_each_check_against_its_threshold(spark, orders, table_io, test_env):
    # given a suite with a breaching error, a warning-level miss, table-level checks and a threshold
    suite = suite_of(
        {"name": "emails", "kind": "pattern", "column": "email", "pattern": EMAIL},  # 6/8 = 75% < 90%
        {
            "name": "statuses",
            "kind": "accepted_values",
            "column": "status",
            "values": ["open", "closed"],
            "min_pass_rate": 0.8,
        },  # 87.5% >= 80%: warning
        {
            "name": "amount_known",
            "kind": "completeness",
            "column": "amount",
            "level": "warning",
            "min_pass_rate": 0.95,
        },  # 87.5% < 95% but warning level
        {"name": "ids", "kind": "completeness", "column": "id"},  # 100%
        {"name": "fresh", "kind": "freshness", "column": "created", "max_age_days": 1},  # 2 days old
        {"name": "size", "kind": "row_count", "min": 1, "max": 5},  # 8 rows
    )
    gate = QualityGate(table_io, test_env, "run-judge", AS_OF)
    results = {r.check_name: r for r in gate.check(suite, orders).results}
    assert {k: r.status for k, r in results.items()} == {
        "emails": "failure",
        "statuses": "warning",
        "amount_known": "warning",
        "ids": "success",
        "fresh": "failure",
        "size": "failure",
    }
    assert (results["emails"].rows_failed, results["emails"].threshold) == (2, 0.9)
    assert results["emails"].pass_rate == pytest.approx(0.75)
    assert results["fresh"].metric_value == pytest.approx(2.0)
    assert results["size"].metric_value == 8
    with pytest.raises(Exception, match=r"raw.orders: rule emails pass rate 75.00% < threshold 90.00% \(2 of 8"):
        QualityGate.enforce("raw", list(results.values()))


def test_split_sends_failing_rows_to_quarantine_with_rule_names(spark, orders, customers_table):
    # given quarantining rules and one measured-only rule
    suite = suite_of(
        {"name": "emails", "kind": "pattern", "column": "email", "pattern": EMAIL, "allow_null": True},
        {"name": "qty_positive", "kind": "positive", "column": "qty"},
        {"name": "unique_id", "kind": "uniqueness", "columns": ["id"]},
        {
            "name": "known_customer",
            "kind": "referential_integrity",
            "columns": ["customer"],
            "reference": "qtest.customers",
            "reference_columns": ["customer_id"],
        },
        {
            "name": "status_known",
            "kind": "accepted_values",
            "column": "status",
            "values": ["open", "closed"],
            "quarantine": False,
        },
    )
    # when split
    checked = Checked(suite, prepare(orders, suite, spark, "lake", AS_OF), [], orders.columns)
    valid, invalid = checked.split()
    # then rows 3, 5, 5, 7 are quarantined with exactly their rules, and the rest continue untouched
    failed = {(r["id"], r["customer"]): sorted(r["_failed_rules"]) for r in invalid.collect()}
    assert failed == {
        (3, 12): ["emails", "qty_positive"],
        (5, 13): ["qty_positive", "unique_id"],
        (5, 14): ["unique_id"],
        (7, 99): ["known_customer"],
    }
    assert sorted(r["id"] for r in valid.collect()) == [1, 2, 4, 8]
    assert valid.columns == orders.columns  # helper columns are gone
    assert valid.count() + invalid.count() == orders.count()


def test_split_after_a_clean_uniqueness_measure_needs_no_key_frequencies(spark, orders, table_io, test_env):
    # given ids made unique, and the gate's own measurement of them
    unique_ids = orders.where("customer IS NULL OR customer <> 14")
    suite = suite_of({"name": "unique_id", "kind": "uniqueness", "columns": ["id"]})
    checked = QualityGate(table_io, test_env, "r", AS_OF).check(suite, unique_ids)
    # when split
    valid, invalid = checked.split()
    # then every row continues, and the split's plan holds no aggregation of the keys
    assert [r.rows_failed for r in checked.results] == [0]
    assert (valid.count(), invalid.count()) == (7, 0)
    assert "Aggregate" not in valid._jdf.queryExecution().optimizedPlan().toString()


def test_split_flags_measured_duplicates_from_keys_computed_once(spark, orders, table_io, test_env):
    # given the duplicate id 5, measured by the gate
    suite = suite_of({"name": "unique_id", "kind": "uniqueness", "columns": ["id"]})
    checked = QualityGate(table_io, test_env, "r", AS_OF).check(suite, orders)
    # when split
    valid, invalid = checked.split()
    # then both rows of id 5 are quarantined, and the split reads the duplicate keys from a checkpoint
    assert [r.rows_failed for r in checked.results] == [2]
    assert sorted((r["id"], r["_failed_rules"]) for r in invalid.collect()) == [(5, ["unique_id"])] * 2
    assert valid.count() == 6
    assert "Aggregate" not in valid._jdf.queryExecution().optimizedPlan().toString()


def test_check_names_a_column_the_table_lacks(spark, orders, table_io, test_env):
    suite = suite_of({"name": "c", "kind": "completeness", "column": "nope"})
    with pytest.raises(ValueError, match=r"raw.orders names columns the table lacks: \['nope'\]"):
        QualityGate(table_io, test_env, "r", AS_OF).check(suite, orders)


def test_every_check_kind_parses_from_config():
    kinds = {TypeAdapter(QualityCheck).validate_python(c).kind for c, _ in CASES}
    assert kinds == {
        "completeness",
        "uniqueness",
        "accepted_values",
        "pattern",
        "range",
        "non_negative",
        "positive",
        "sql",
    }
