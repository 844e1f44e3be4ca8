"""The Deequ engine: the same suite as a PyDeequ ``VerificationSuite`` (Deequ 2.1.0-spark-3.5, pinned in
``config/jvm_packages.yaml``), for every Spark whose classpath has the jar.

``deequ_plan`` turns a suite into plain data — one Deequ ``Check`` per suite check, described by the
check's name, with the PyDeequ method, its arguments and the assertion — so what is built can be tested
without the JVM. ``DeequEngine.measure`` applies the plan, runs it, and reads each check's own constraint
result from the JVM (its metric, or Deequ's message when there is none), so two checks on one column
never read each other's metric. Referential integrity and freshness use the helper columns of
``rules.prepare``, so both engines see the same inputs.

Deequ's semantics are the reference for the native engine; the texts of Deequ's no-metric messages live
here (``empty_state_message``, ``pattern_type_message``) so the native engine reports the same ones.
Accepted values run as ``satisfies`` with the shared predicate: Deequ's ``isContainedIn`` escapes only
quotes, so a backslash in a value would turn into an escape sequence.
"""

from __future__ import annotations

import os
import re
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
    Scd2PeriodsCheck,
    SqlCheck,
    TableSuite,
    UniquenessCheck,
)
from spark_apps.config.base import quote
from spark_apps.lake_fs import jvm_of
from spark_apps.quality.results import Measurements

ROWS = "_rows"  # the implicit Size constraint every plan carries
KEYED = "_keyed_"  # per uniqueness check: the share of rows with a key
NULL_RATE = "_null_rate_"  # per anomaly column: its completeness
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
    kwargs: tuple[tuple[str, str], ...] = ()


def _constraint(check, threshold: float) -> DeequConstraint:
    ge = Assertion("ge", threshold)
    name, level = check.name, check.level
    if isinstance(check, CompletenessCheck):
        return DeequConstraint(name, level, "hasCompleteness", (check.column,), ge)
    if isinstance(check, UniquenessCheck):
        cols = list(check.columns)
        return DeequConstraint(name, level, "hasUniqueness", (cols,), ge)
    if isinstance(check, PatternCheck) and not check.allow_null:
        return DeequConstraint(
            name,
            level,
            "hasPattern",
            (check.column, check.pattern),
            ge,
            (("name", name),),
        )
    if isinstance(check, NonNegativeCheck):
        return DeequConstraint(name, level, "isNonNegative", (check.column,), ge)
    if isinstance(check, PositiveCheck):
        return DeequConstraint(name, level, "isPositive", (check.column,), ge)
    # PyDeequ's hasPattern has no isNullAllowed: a null-tolerant pattern is the same predicate via satisfies
    if isinstance(
        check, AcceptedValuesCheck | RangeCheck | SqlCheck | ReferentialIntegrityCheck | Scd2PeriodsCheck | PatternCheck
    ):
        return DeequConstraint(name, level, "satisfies", (check.compliance_sql(), name), ge)
    if isinstance(check, FreshnessCheck):
        column = check.helper_column()
        return DeequConstraint(name, level, "hasMin", (column,), Assertion("le", high=check.max_age_days))
    if isinstance(check, RowCountCheck):
        low = None if check.min is None else float(check.min)
        high = None if check.max is None else float(check.max)
        return DeequConstraint(name, level, "hasSize", (), Assertion("between", low, high))
    raise TypeError(f"no Deequ form for {check!r}")


def deequ_plan(suite: TableSuite, layer_threshold: float) -> list[DeequConstraint]:
    """The Deequ checks for a suite: the row count, each check with its threshold as the assertion,
    and a completeness metric per null-rate anomaly column."""
    plan = [DeequConstraint(ROWS, "warning", "hasSize", (), Assertion("any"))]
    plan += [_constraint(c, suite.threshold(c, layer_threshold)) for c in suite.checks]
    for c in suite.checks:
        if isinstance(c, UniquenessCheck):  # the rows with a key: Deequ's denominator for uniqueness
            keyed = " OR ".join(f"{quote(k)} IS NOT NULL" for k in c.columns)
            name = KEYED + c.name
            plan.append(DeequConstraint(name, "warning", "satisfies", (keyed, name), Assertion("any")))
    for column in sorted({a.column for a in suite.anomalies if a.column}):
        plan.append(
            DeequConstraint(
                f"{NULL_RATE}{column}",
                "warning",
                "hasCompleteness",
                (column,),
                Assertion("any"),
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


@dataclass(frozen=True)
class ConstraintOutcome:
    """One Deequ check's constraint result: its metric value, or Deequ's message when it has none."""

    value: float | None
    message: str | None = None


def measurements_from_outcomes(plan: Iterable[DeequConstraint], outcomes: dict[str, ConstraintOutcome]) -> Measurements:
    """Per planned check (by name) what Deequ measured → Measurements: values, keyed rows of uniqueness
    checks, null rates, and errors (no metric) with Deequ's message."""
    plan = list(plan)
    size = outcomes.get(ROWS, ConstraintOutcome(0.0)).value
    rows = int(size or 0)
    values: dict[str, float | None] = {}
    null_rates: dict[str, float | None] = {}
    checked: dict[str, int] = {}
    errors: dict[str, str] = {}
    for c in plan:
        got = outcomes.get(c.check, ConstraintOutcome(None, f"Deequ returned no result for {c.check}"))
        if c.check == ROWS:
            continue
        if c.check.startswith(NULL_RATE):
            null_rates[c.args[0]] = None if got.value is None else 1.0 - got.value
        elif c.check.startswith(KEYED):
            checked[c.check[len(KEYED) :]] = round((got.value or 0.0) * rows)
        else:
            values[c.check] = got.value
            if got.value is None and rows:
                errors[c.check] = got.message or f"Deequ computed no metric for {c.check}"
    return Measurements(rows, values, null_rates, checked, errors)


def empty_state_message(check) -> str:
    """Deequ's message for a check whose analyzer saw only nulls (an analyzer's Scala ``toString``)."""
    if isinstance(check, UniquenessCheck):
        analyzer = f"Uniqueness(List({', '.join(check.columns)}),None,None)"
    elif isinstance(check, FreshnessCheck):
        analyzer = f"Minimum({check.helper_column()},None,None)"
    elif isinstance(check, NonNegativeCheck | PositiveCheck):
        word = "non-negative" if isinstance(check, NonNegativeCheck) else "positive"
        analyzer = f"Compliance({check.column} is {word},{check.compliance_sql()},None,List({check.column}),None)"
    else:
        analyzer = f"Compliance({check.name},{check.compliance_sql()},None,List(),None)"
    return f"Empty state for analyzer {analyzer}, all input values were NULL."


def pattern_type_message(column: str, data_type) -> str:
    """Deequ's precondition failure for ``hasPattern`` on a column that is not a string."""
    scala = re.sub(r"\(\)", "", repr(data_type)).replace("True", "true").replace("False", "false").replace(", ", ",")
    return f"Expected type of column {column} to be StringType, but found {scala} instead!"


def outcomes_from_result(result) -> dict[str, ConstraintOutcome]:
    """Walk a JVM ``VerificationResult``: check description → its (only) constraint's metric or message."""
    out: dict[str, ConstraintOutcome] = {}
    checks = result.checkResults().values().iterator()
    while checks.hasNext():
        check_result = checks.next()
        constraints = check_result.constraintResults().iterator()
        while constraints.hasNext():
            c = constraints.next()
            metric = c.metric()
            value = metric.get().value() if metric.isDefined() else None
            if value is not None and value.isSuccess():
                out[check_result.check().description()] = ConstraintOutcome(float(value.get()))
            else:
                message = c.message().get() if c.message().isDefined() else None
                out[check_result.check().description()] = ConstraintOutcome(None, message)
    return out


def shutdown_callback_server(spark: SparkSession) -> None:
    """Stop py4j's callback server if one runs (safe to call when none does)."""
    gateway = spark.sparkContext._gateway
    server = gateway.get_callback_server() if gateway is not None else None
    if gateway is None or server is None:
        return
    if not server.is_shutdown:
        gateway.shutdown_callback_server()
    # forget it: PyDeequ then starts a fresh one for the next run, and spark.stop() does not shut the
    # stopped one down a second time (py4j logs a traceback for that)
    gateway._callback_server = None


def deequ_available(spark: SparkSession) -> bool:
    """True when the Deequ classes load in this Spark's JVM (the jar is on the classpath)."""
    try:
        return bool(jvm_of(spark).org.apache.spark.util.Utils.classIsLoadable(DEEQU_CLASS))
    except Exception:
        return False


class DeequEngine:
    name = "deequ"

    def __init__(self, spark: SparkSession, layer_threshold: float) -> None:
        self.spark = spark
        self.layer_threshold = layer_threshold

    def measure(self, prepared: DataFrame, suite: TableSuite) -> Measurements:
        plan = deequ_plan(suite, self.layer_threshold)
        result = run_verification(self.spark, prepared, plan)
        return measurements_from_outcomes(plan, outcomes_from_result(result.verificationRun))


def run_verification(spark: SparkSession, df: DataFrame, plan: list[DeequConstraint]):
    """Run a plan as one PyDeequ ``VerificationSuite`` on ``df``; returns PyDeequ's result."""
    os.environ.setdefault("SPARK_VERSION", spark.version[:3])  # pydeequ reads it at import
    from pydeequ.checks import Check, CheckLevel
    from pydeequ.verification import VerificationSuite

    levels = {"error": CheckLevel.Error, "warning": CheckLevel.Warning}
    try:
        checks = build_checks(plan, lambda level, desc: Check(spark, levels[level], desc))
        run = VerificationSuite(spark).onData(df)
        for check in checks:
            run = run.addCheck(check)
        return run.run()
    finally:
        # PyDeequ's assertions are Python callbacks: py4j's callback server (a non-daemon thread)
        # serves them and would keep the process alive after spark.stop()
        shutdown_callback_server(spark)
