"""The Deequ engine's plan as data: the checks it builds (methods, arguments, assertions), that each
call binds to PyDeequ's real ``Check`` API, how Deequ's per-check outcomes map back, and the engine
choice. What Deequ itself computes is compared with the native engine in
tests/integration/test_quality_engines.py."""

from __future__ import annotations

import inspect

import pytest

from spark_apps.config import TableSuite
from spark_apps.quality.deequ_engine import (
    Assertion,
    ConstraintOutcome,
    DeequConstraint,
    build_checks,
    deequ_plan,
    measurements_from_outcomes,
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
        DeequConstraint("_rows", "warning", "hasSize", (), Assertion("any")),
        DeequConstraint("customer_complete", "error", "hasCompleteness", ("customer",), GE90),
        DeequConstraint("id_unique", "error", "hasUniqueness", (["id", "line"],), Assertion("ge", 0.99)),
        DeequConstraint(
            "status_known",
            "error",
            "satisfies",
            ("`status` IS NULL OR `status` IN ('open', 'closed')", "status_known"),
            GE90,
        ),
        DeequConstraint(
            "email_format",
            "error",
            "hasPattern",
            ("email", "^.+@.+$"),
            GE90,
            (("name", "email_format"),),
        ),
        DeequConstraint(
            "email_or_null",
            "error",
            "satisfies",
            ("`email` IS NULL OR regexp_extract(`email`, '@', 0) != ''", "email_or_null"),
            GE90,
        ),
        DeequConstraint(
            "amount_range",
            "error",
            "satisfies",
            ("`amount` IS NULL OR (`amount` >= 0.0 AND `amount` <= 100.0)", "amount_range"),
            GE90,
        ),
        DeequConstraint("amount_non_negative", "error", "isNonNegative", ("amount",), GE90),
        DeequConstraint("qty_positive", "warning", "isPositive", ("qty",), GE90),
        DeequConstraint("not_zero", "error", "satisfies", ("amount <> 0", "not_zero"), GE90),
        DeequConstraint(
            "known_customer",
            "error",
            "satisfies",
            ("(`customer` IS NULL) OR `_ri_known_customer` IS NOT NULL", "known_customer"),
            GE90,
        ),
        DeequConstraint("fresh", "error", "hasMin", ("_age_fresh",), Assertion("le", high=2.0)),
        DeequConstraint("size", "error", "hasSize", (), Assertion("between", 1.0, 1000.0)),
        DeequConstraint(
            "_keyed_id_unique",
            "warning",
            "satisfies",
            ("`id` IS NOT NULL OR `line` IS NOT NULL", "_keyed_id_unique"),
            Assertion("any"),
        ),
        DeequConstraint("_null_rate_email", "warning", "hasCompleteness", ("email",), Assertion("any")),
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


def test_deequ_outcomes_map_onto_the_shared_measurements():
    # given: what Deequ returned per check (by description), one with no metric and Deequ's message
    outcomes = {
        "_rows": ConstraintOutcome(8.0),
        "customer_complete": ConstraintOutcome(0.875),
        "id_unique": ConstraintOutcome(0.75),
        "_keyed_id_unique": ConstraintOutcome(0.5),
        "status_known": ConstraintOutcome(0.875),
        "email_format": ConstraintOutcome(0.75),
        "email_or_null": ConstraintOutcome(0.5),
        "_null_rate_email": ConstraintOutcome(0.875),
        "fresh": ConstraintOutcome(2.0),
        "not_zero": ConstraintOutcome(None, "Empty state for analyzer Compliance(not_zero,...), all input values..."),
    }

    # when: they are mapped
    m = measurements_from_outcomes(deequ_plan(SUITE, 0.9), outcomes)

    # then: values by check name (two checks on email keep their own), uniqueness covers the keyed rows
    assert m.rows == 8
    assert m.values["customer_complete"] == 0.875
    assert (m.values["email_format"], m.values["email_or_null"]) == (0.75, 0.5)
    assert m.values["id_unique"] == 0.75 and m.checked == {"id_unique": 4}
    assert m.values["fresh"] == 2.0
    assert m.null_rates == {"email": pytest.approx(0.125)}
    # and a check without a metric is an error carrying Deequ's message, as is one Deequ never answered
    assert m.errors["not_zero"].startswith("Empty state for analyzer Compliance(not_zero")
    assert m.errors["amount_range"] == "Deequ returned no result for amount_range"


@pytest.mark.spark
def test_auto_picks_deequ_when_its_jar_loads_and_deequ_without_it_fails_clearly(table_io, test_env, monkeypatch):
    from spark_apps.quality import gate
    from spark_apps.quality.deequ_engine import deequ_available

    def with_engine(name: str):
        return test_env.model_copy(update={"quality": test_env.quality.model_copy(update={"engine": name})})

    # given: the test session, whose classpath has the Deequ jar from the JVM cache
    assert deequ_available(table_io.spark) is True
    assert gate.select_engine(table_io, with_engine("auto"), 0.9).name == "deequ"
    assert gate.select_engine(table_io, with_engine("native"), 0.9).name == "native"

    # when: the classes do not load
    monkeypatch.setattr(gate, "deequ_available", lambda spark: False)

    # then: auto falls back to native, and deequ says what to add
    assert gate.select_engine(table_io, with_engine("auto"), 0.9).name == "native"
    with pytest.raises(RuntimeError, match=r"Deequ classes do not load: add deequ to spark.jvm_packages"):
        gate.select_engine(table_io, with_engine("deequ"), 0.9)


def test_every_environment_that_runs_deequ_ships_the_one_pinned_build():
    from spark_apps.config import environment_names, load_env, load_jvm_packages

    deequ = load_jvm_packages().packages["deequ"]
    envs = {name: load_env(name) for name in environment_names()}

    assert deequ == "com.amazon.deequ:deequ:2.1.0-spark-3.5"
    assert envs["prod"].quality.engine == "deequ" and envs["databricks"].quality.engine == "deequ"
    for name, env in envs.items():
        assert "deequ" in env.spark.jvm_packages, name
        assert not [p for p in env.spark.packages if "deequ" in p], name  # no second, unpinned copy
