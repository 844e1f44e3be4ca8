"""The Deequ engine without the Deequ jar: the checks it builds (methods, arguments, assertions), that
each call binds to PyDeequ's real ``Check`` API, how Deequ's metrics map back, and the engine choice."""

from __future__ import annotations

import inspect

import pytest

from spark_apps.config import TableSuite
from spark_apps.quality.deequ_engine import (
    Assertion,
    DeequConstraint,
    build_checks,
    deequ_plan,
    measurements_from_metrics,
)

SUITE = TableSuite.model_validate(
    {
        "table": "raw.orders",
        "layer": "raw",
        "checks": [
            {"name": "customer_complete", "kind": "completeness", "column": "customer"},
            {"name": "id_unique", "kind": "uniqueness", "columns": ["id", "line"], "min_pass_rate": 0.99},
            {"name": "status_known", "kind": "accepted_values", "column": "status", "values": ["open", "closed"]},
            {"name": "email_format", "kind": "pattern", "column": "email", "pattern": "^.+@.+$"},
            {"name": "email_or_null", "kind": "pattern", "column": "email", "pattern": "@", "allow_null": True},
            {"name": "amount_range", "kind": "range", "column": "amount", "min": 0, "max": 100},
            {"name": "amount_non_negative", "kind": "non_negative", "column": "amount"},
            {"name": "qty_positive", "kind": "positive", "column": "qty", "level": "warning"},
            {"name": "not_zero", "kind": "sql", "predicate": "amount <> 0"},
            {
                "name": "known_customer",
                "kind": "referential_integrity",
                "columns": ["customer"],
                "reference": "raw.customers",
                "reference_columns": ["customer_id"],
            },
            {"name": "fresh", "kind": "freshness", "column": "created", "max_age_days": 2},
            {"name": "size", "kind": "row_count", "min": 1, "max": 1000},
        ],
        "anomalies": [{"metric": "null_rate", "column": "email", "max_increase": 0.5}],
    }
)
GE90 = Assertion("ge", 0.9)


def test_plan_is_one_deequ_check_per_suite_check_with_its_threshold():
    # when the suite is planned for the raw layer (90 %)
    plan = deequ_plan(SUITE, 0.9)
    # then every check maps to the Deequ constraint with the same semantics, and the metric to read back
    assert plan == [
        DeequConstraint("_rows", "warning", "hasSize", (), Assertion("any"), ("Size", "*")),
        DeequConstraint(
            "customer_complete", "error", "hasCompleteness", ("customer",), GE90, ("Completeness", "customer")
        ),
        DeequConstraint(
            "id_unique", "error", "hasUniqueness", (["id", "line"],), Assertion("ge", 0.99), ("Uniqueness", "id,line")
        ),
        DeequConstraint(
            "status_known",
            "error",
            "isContainedIn",
            ("status", ["open", "closed"]),
            GE90,
            ("Compliance", "status contained in open,closed"),
        ),
        DeequConstraint(
            "email_format",
            "error",
            "hasPattern",
            ("email", "^.+@.+$"),
            GE90,
            ("PatternMatch", "email"),
            (("name", "email_format"),),
        ),
        DeequConstraint(
            "email_or_null",
            "error",
            "satisfies",
            ("`email` IS NULL OR regexp_extract(`email`, '@', 0) != ''", "email_or_null"),
            GE90,
            ("Compliance", "email_or_null"),
        ),
        DeequConstraint(
            "amount_range",
            "error",
            "satisfies",
            ("`amount` IS NULL OR (`amount` >= 0.0 AND `amount` <= 100.0)", "amount_range"),
            GE90,
            ("Compliance", "amount_range"),
        ),
        DeequConstraint(
            "amount_non_negative", "error", "isNonNegative", ("amount",), GE90, ("Compliance", "amount is non-negative")
        ),
        DeequConstraint("qty_positive", "warning", "isPositive", ("qty",), GE90, ("Compliance", "qty is positive")),
        DeequConstraint(
            "not_zero", "error", "satisfies", ("amount <> 0", "not_zero"), GE90, ("Compliance", "not_zero")
        ),
        DeequConstraint(
            "known_customer",
            "error",
            "satisfies",
            ("(`customer` IS NULL) OR `_ri_known_customer` IS NOT NULL", "known_customer"),
            GE90,
            ("Compliance", "known_customer"),
        ),
        DeequConstraint(
            "fresh", "error", "hasMin", ("_age_fresh",), Assertion("le", high=2.0), ("Minimum", "_age_fresh")
        ),
        DeequConstraint("size", "error", "hasSize", (), Assertion("between", 1.0, 1000.0), ("Size", "*")),
        DeequConstraint(
            "_null_rate_email", "warning", "hasCompleteness", ("email",), Assertion("any"), ("Completeness", "email")
        ),
    ]


def test_every_planned_call_binds_to_pydeequs_check_api():
    # given PyDeequ's real Check class (importable without the jar)
    from pydeequ.checks import Check

    for c in deequ_plan(SUITE, 0.9):
        method = getattr(Check, c.method)
        # then the call build_checks makes is accepted by the method's signature
        inspect.signature(method).bind(object(), *c.args, assertion=c.assertion, **dict(c.kwargs))


def test_build_checks_applies_the_plan_to_check_objects():
    calls = []

    class Recorder:
        def __init__(self, level, description):
            self.level, self.description = level, description

        def __getattr__(self, method):
            return lambda *args, **kwargs: calls.append((self.description, method, args, kwargs))

    plan = deequ_plan(SUITE, 0.9)
    checks = build_checks(plan, Recorder)
    assert [(c.level, c.description) for c in checks][:3] == [
        ("warning", "_rows"),
        ("error", "customer_complete"),
        ("error", "id_unique"),
    ]
    assert calls[4] == ("email_format", "hasPattern", ("email", "^.+@.+$"), {"assertion": GE90, "name": "email_format"})
    assert len(calls) == len(plan)


def test_assertions_are_the_threshold_tests_deequ_calls_back():
    assert Assertion("ge", 0.9)(0.9) and not Assertion("ge", 0.9)(0.8999)
    assert Assertion("le", high=2.0)(2.0) and not Assertion("le", high=2.0)(2.01)
    assert Assertion("between", 1.0, 10.0)(10.0) and not Assertion("between", 1.0, 10.0)(0.0)
    assert Assertion("between", None, 10.0)(-5.0)


def test_deequ_metrics_map_onto_the_shared_measurements():
    # given Deequ's success metrics, as successMetricsAsJson returns them
    metrics = [
        {"entity": "Dataset", "instance": "*", "name": "Size", "value": 8.0},
        {"entity": "Column", "instance": "customer", "name": "Completeness", "value": 0.875},
        {"entity": "Column", "instance": "id,line", "name": "Uniqueness", "value": 0.75},
        {"entity": "Column", "instance": "status contained in open,closed", "name": "Compliance", "value": 0.875},
        {"entity": "Column", "instance": "email", "name": "PatternMatch", "value": 0.75},
        {"entity": "Column", "instance": "email", "name": "Completeness", "value": 0.875},
        {"entity": "Column", "instance": "_age_fresh", "name": "Minimum", "value": 2.0},
        {"entity": "Column", "instance": "not_zero", "name": "Compliance", "value": 0.75},
    ]
    m = measurements_from_metrics(deequ_plan(SUITE, 0.9), metrics)
    assert m.rows == 8
    assert m.values["customer_complete"] == 0.875
    assert m.values["id_unique"] == 0.75
    assert m.values["status_known"] == 0.875
    assert m.values["email_format"] == 0.75
    assert m.values["fresh"] == 2.0
    assert m.values["not_zero"] == 0.75
    assert m.values["amount_range"] is None  # no metric: judged as "no value"
    assert m.null_rates == {"email": pytest.approx(0.125)}


@pytest.mark.spark
def test_auto_engine_falls_back_to_native_without_the_jar_and_deequ_fails_clearly(table_io, test_env):
    from spark_apps.quality.deequ_engine import deequ_available
    from spark_apps.quality.gate import select_engine

    def with_engine(name: str):
        return test_env.model_copy(update={"quality": test_env.quality.model_copy(update={"engine": name})})

    assert deequ_available(table_io.spark) is False  # no Deequ jar on this machine
    assert select_engine(table_io, with_engine("auto"), 0.9).name == "native"
    deequ_env = with_engine("deequ")
    with pytest.raises(RuntimeError, match=r"Deequ classes do not load: add com.amazon.deequ:deequ"):
        select_engine(table_io, deequ_env, 0.9)


def test_cluster_configs_ship_the_deequ_build_pydeequ_drives():
    from pydeequ.configs import DEEQU_MAVEN_COORD

    from spark_apps.config import load_env

    prod, k8s, dbx = load_env("prod"), load_env("kubernetes"), load_env("databricks")
    assert DEEQU_MAVEN_COORD in prod.spark.packages and prod.quality.engine == "deequ"
    assert DEEQU_MAVEN_COORD in k8s.spark.packages
    assert {"maven": {"coordinates": DEEQU_MAVEN_COORD}} in dbx.spark.databricks.libraries
