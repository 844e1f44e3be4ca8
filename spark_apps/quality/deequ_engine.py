"""The Deequ engine: the same suite as a PyDeequ ``VerificationSuite``, for clusters whose Spark has the
Deequ jar (``spark.jars.packages: com.amazon.deequ:deequ:2.0.x-spark-3.5``).

``deequ_plan`` turns a suite into plain data — one Deequ ``Check`` per suite check, each with the PyDeequ
method, its arguments, the assertion and the Deequ metric (name, instance) to read back — so what is
built can be tested without the jar; ``DeequEngine.measure`` applies that plan to PyDeequ objects, runs
it, and maps Deequ's metrics onto the shared ``Measurements``. Referential integrity and freshness use
the helper columns of ``rules.prepare`` (a flag, an age), so both engines see the same inputs.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession

from spark_apps.config import (
    AcceptedValuesCheck,
    CompletenessCheck,
    FreshnessCheck,
    NonNegativeCheck,
    PatternCheck,
    PositiveCheck,
    RangeCheck,
    ReferentialIntegrityCheck,
    RowCountCheck,
    SqlCheck,
    TableSuite,
    UniquenessCheck,
)
from spark_apps.quality.results import Measurements
from spark_apps.quality.rules import helper_column, predicate_sql

ROWS = "_rows"  # the implicit Size constraint every plan carries
DEEQU_CLASS = "com.amazon.deequ.VerificationSuite"


@dataclass(frozen=True)
class Assertion:
    """A Deequ assertion as data (PyDeequ calls it back with the metric value)."""

    op: str  # ge | le | between | any
    low: float | None = None
    high: float | None = None

    def __call__(self, value: float) -> bool:
        if self.op == "ge":
            return value >= self.low  # type: ignore[operator]
        if self.op == "le":
            return value <= self.high  # type: ignore[operator]
        if self.op == "between":
            return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)
        return True


@dataclass(frozen=True)
class DeequConstraint:
    check: str  # our check name; also the Deequ Check's description
    level: str  # error | warning (Deequ CheckLevel)
    method: str  # a pydeequ.checks.Check method
    args: tuple
    assertion: Assertion
    metric: tuple[str, str]  # (Deequ metric name, instance) holding the measured value
    kwargs: tuple[tuple[str, str], ...] = ()


def _constraint(check, threshold: float) -> DeequConstraint:
    ge = Assertion("ge", threshold)
    name, level = check.name, check.level
    if isinstance(check, CompletenessCheck):
        return DeequConstraint(name, level, "hasCompleteness", (check.column,), ge, ("Completeness", check.column))
    if isinstance(check, UniquenessCheck):
        cols = list(check.columns)
        return DeequConstraint(name, level, "hasUniqueness", (cols,), ge, ("Uniqueness", ",".join(cols)))
    if isinstance(check, AcceptedValuesCheck):
        instance = f"{check.column} contained in {','.join(check.values)}"
        return DeequConstraint(
            name, level, "isContainedIn", (check.column, list(check.values)), ge, ("Compliance", instance)
        )
    if isinstance(check, PatternCheck) and not check.allow_null:
        return DeequConstraint(
            name,
            level,
            "hasPattern",
            (check.column, check.pattern),
            ge,
            ("PatternMatch", check.column),
            (("name", name),),
        )
    if isinstance(check, NonNegativeCheck):
        instance = f"{check.column} is non-negative"
        return DeequConstraint(name, level, "isNonNegative", (check.column,), ge, ("Compliance", instance))
    if isinstance(check, PositiveCheck):
        instance = f"{check.column} is positive"
        return DeequConstraint(name, level, "isPositive", (check.column,), ge, ("Compliance", instance))
    # PyDeequ's hasPattern has no isNullAllowed: a null-tolerant pattern is the same predicate via satisfies
    if isinstance(check, RangeCheck | SqlCheck | ReferentialIntegrityCheck | PatternCheck):
        return DeequConstraint(name, level, "satisfies", (predicate_sql(check), name), ge, ("Compliance", name))
    if isinstance(check, FreshnessCheck):
        column = helper_column(check)
        return DeequConstraint(
            name, level, "hasMin", (column,), Assertion("le", high=check.max_age_days), ("Minimum", column)
        )
    if isinstance(check, RowCountCheck):
        low = None if check.min is None else float(check.min)
        high = None if check.max is None else float(check.max)
        return DeequConstraint(name, level, "hasSize", (), Assertion("between", low, high), ("Size", "*"))
    raise TypeError(f"no Deequ form for {check!r}")


def deequ_plan(suite: TableSuite, layer_threshold: float) -> list[DeequConstraint]:
    """The Deequ checks for a suite: the row count, each check with its threshold as the assertion,
    and a completeness metric per null-rate anomaly column."""
    plan = [DeequConstraint(ROWS, "warning", "hasSize", (), Assertion("any"), ("Size", "*"))]
    plan += [_constraint(c, suite.threshold(c, layer_threshold)) for c in suite.checks]
    for column in sorted({a.column for a in suite.anomalies if a.column}):
        plan.append(
            DeequConstraint(
                f"_null_rate_{column}",
                "warning",
                "hasCompleteness",
                (column,),
                Assertion("any"),
                ("Completeness", column),
            )
        )
    return plan


def build_checks(plan: Iterable[DeequConstraint], new_check) -> list:
    """Apply a plan to check objects made by ``new_check(level, description)`` (PyDeequ's ``Check``),
    calling each constraint method with its arguments and assertion."""
    checks = []
    for c in plan:
        check = new_check(c.level, c.check)
        getattr(check, c.method)(*c.args, assertion=c.assertion, **dict(c.kwargs))
        checks.append(check)
    return checks


def measurements_from_metrics(plan: Iterable[DeequConstraint], metrics: list[dict]) -> Measurements:
    """Deequ's success metrics (``successMetricsAsJson``: entity, instance, name, value) → Measurements."""
    by_key = {(m["name"], m["instance"]): m["value"] for m in metrics}
    plan = list(plan)
    rows = int(by_key.get(("Size", "*"), 0))
    values: dict[str, float | None] = {}
    null_rates: dict[str, float | None] = {}
    for c in plan:
        value = by_key.get(c.metric)
        if c.check.startswith("_null_rate_"):
            null_rates[c.args[0]] = None if value is None else 1.0 - float(value)
        elif c.check != ROWS:
            values[c.check] = None if value is None else float(value)
    return Measurements(rows, values, null_rates)


def deequ_available(spark: SparkSession) -> bool:
    """True when the Deequ classes load in this Spark's JVM (the jar is on the classpath)."""
    try:
        return bool(spark.sparkContext._jvm.org.apache.spark.util.Utils.classIsLoadable(DEEQU_CLASS))
    except Exception:
        return False


class DeequEngine:
    name = "deequ"

    def __init__(self, spark: SparkSession, layer_threshold: float) -> None:
        os.environ.setdefault("SPARK_VERSION", spark.version[:3])  # pydeequ reads it at import
        self.spark = spark
        self.layer_threshold = layer_threshold

    def measure(self, prepared: DataFrame, suite: TableSuite) -> Measurements:
        from pydeequ.checks import Check, CheckLevel
        from pydeequ.verification import VerificationResult, VerificationSuite

        plan = deequ_plan(suite, self.layer_threshold)
        levels = {"error": CheckLevel.Error, "warning": CheckLevel.Warning}
        checks = build_checks(plan, lambda level, desc: Check(self.spark, levels[level], desc))
        run = VerificationSuite(self.spark).onData(prepared)
        for check in checks:
            run = run.addCheck(check)
        result = run.run()
        metrics = VerificationResult.successMetricsAsJson(self.spark, result)
        return measurements_from_metrics(plan, metrics)
