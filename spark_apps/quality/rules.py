"""What each check means, as Spark expressions shared by the native engine, the Deequ engine's helper
columns and the row split, so every path applies one definition.

The predicates are Deequ's own (``Check.scala`` / the analyzers), so both engines agree:
- completeness: the value is not null;
- uniqueness: over the rows whose key has at least one non-null column (Deequ's frequency basis and
  denominator), the key occurs exactly once; a row whose key is all null is outside the check (it
  neither passes nor fails it: completeness checks judge nulls), and with no such row at all there is
  no metric;
- accepted values: null, or one of the values;
- pattern: the regex is found in the value (``regexp_extract(...) != ''``); null fails unless
  ``allow_null`` (Deequ's ``isNullAllowed``);
- range: null, or within [min, max];
- non-negative / positive: ``COALESCE(CAST(c AS DOUBLE), 0.0) >= 0`` / ``(…, 1.0) > 0`` (Deequ 2.1's text):
  null passes, NaN and +Infinity pass (Spark orders NaN above every number);
- sql: the predicate is true (null fails); null on every row gives no metric;
- referential integrity: every key column null, or the key exists in the reference table;
- freshness: the newest value is at most ``max_age_days`` before the run's date (table level);
- row count: the number of rows is within [min, max] (table level).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from spark_apps.config import (
    FreshnessCheck,
    ReferentialIntegrityCheck,
    Scd2PeriodsCheck,
    TableSuite,
    UniquenessCheck,
)
from spark_apps.ingest import reason_list

BROADCAST_DUPLICATE_KEYS = 200_000  # duplicate keys are joined back by broadcast up to this many rows


def prepare(
    df: DataFrame,
    suite: TableSuite,
    spark: SparkSession,
    catalog: str,
    as_of: dt.datetime,
) -> DataFrame:
    """``df`` plus the helper columns its checks need, computed once for metrics and split alike:
    - referential integrity: ``_ri_<name>`` is true when the key exists in the reference table;
    - freshness: ``_age_<name>``, the row's age in days at ``as_of`` (its minimum is the table's age).
    Uniqueness needs key frequencies instead: ``unique_and_keyed_rows`` for the metric, ``with_duplicate_flags``
    for the split.
    """
    out = df
    for check in suite.checks:
        if isinstance(check, ReferentialIntegrityCheck):
            ref = spark.table(f"{catalog}.{check.reference}")
            ref_keys = ref.select(
                *[F.col(r).alias(c) for c, r in zip(check.columns, check.reference_columns, strict=True)]
            ).distinct()
            flag = check.helper_column()
            out = out.join(ref_keys.withColumn(flag, F.lit(True)), list(check.columns), "left")
        elif isinstance(check, Scd2PeriodsCheck):
            out = out.withColumn(check.helper_column(), scd2_period_ok(check))
        elif isinstance(check, FreshnessCheck):
            seconds = F.unix_timestamp(F.lit(as_of.strftime("%Y-%m-%d %H:%M:%S")).cast("timestamp")) - (
                F.unix_timestamp(F.col(check.column).cast("timestamp"))
            )
            out = out.withColumn(check.helper_column(), (seconds / 86400.0).cast("double"))
    return out


def scd2_period_ok(check: Scd2PeriodsCheck) -> Column:
    """Per row of an SCD2 table: a non-empty period that ends where the key's next version begins, and
    current exactly when it is the key's last version, which ends at ``open_end``."""
    start, end, current = F.col(check.valid_from), F.col(check.valid_to), F.col(check.is_current)
    following = F.lead(check.valid_from).over(Window.partitionBy(*check.keys).orderBy(start))
    last = following.isNull()
    return F.coalesce(
        (start < end) & F.when(last, (end == F.lit(check.open_end)) & current).otherwise((end == following) & ~current),
        F.lit(False),
    )


def any_key(check: UniquenessCheck) -> Column:
    """The row is inside a uniqueness check: at least one key column is set."""
    any_key = F.lit(False)
    for k in check.columns:
        any_key = any_key | F.col(k).isNotNull()
    return any_key


def _frequencies(df: DataFrame, check: UniquenessCheck) -> DataFrame:
    """Rows per key, over rows with at least one key column set (Deequ's frequency basis)."""
    return df.where(any_key(check)).groupBy(*check.columns).count()


def unique_and_keyed_rows(df: DataFrame, check: UniquenessCheck) -> tuple[int, int]:
    """Rows whose key occurs exactly once, and rows with a key (Deequ's denominator): one aggregation
    reading only the key columns."""
    row = _frequencies(df, check).agg(F.sum((F.col("count") == 1).cast("long")), F.sum("count")).collect()[0]
    return int(row[0] or 0), int(row[1] or 0)


def with_duplicate_flags(df: DataFrame, suite: TableSuite, duplicate_rows: dict[str, int]) -> DataFrame:
    """``_dup_<name>`` on rows whose key occurs more than once, per uniqueness check.

    ``duplicate_rows`` is what the check measured (rows failing it). When that is 0 no row is flagged
    and nothing is computed. Otherwise the duplicate keys come from one frequency aggregation, computed
    here once (a local checkpoint, eager) so that every later action on the flagged frame (counts, the
    valid and the quarantined writes) joins with them instead of re-aggregating the keys; they are joined
    back by broadcast when the measured number says they are few, by a shuffle join otherwise.
    """
    out = df
    for check in suite.checks:
        if not isinstance(check, UniquenessCheck):
            continue
        flag = check.helper_column()
        failing = duplicate_rows.get(check.name)
        if failing == 0:
            out = out.withColumn(flag, F.lit(None).cast("boolean"))
            continue
        dups = (
            _frequencies(df, check)
            .where(F.col("count") > 1)
            .select(*check.columns, F.lit(True).alias(flag))
            .localCheckpoint(eager=True)
        )
        if (failing or 0) <= BROADCAST_DUPLICATE_KEYS:
            dups = F.broadcast(dups)
        out = out.join(dups, list(check.columns), "left")
    return out


def passes(check, errored: bool = False) -> Column:
    """True when a row satisfies a row-level check (never null), on a ``prepare``d frame (with
    ``with_duplicate_flags`` for uniqueness). A check that ``errored`` (no metric) passes no row it
    covers, so the rows quarantined agree with its recorded failure."""
    if isinstance(check, UniquenessCheck):
        return ~any_key(check) | (F.col(check.helper_column()).isNull() & F.lit(not errored))
    if errored:
        return F.lit(False)
    sql = check.compliance_sql()
    if sql is None:
        raise TypeError(f"check '{check.name}' ({check.kind}) is not row level")
    return F.coalesce(F.expr(sql), F.lit(False))


def row_checks(suite: TableSuite) -> list:
    return [c for c in suite.checks if c.ROW_LEVEL]


def quarantining(suite: TableSuite) -> list:
    """The row-level checks whose failing rows are split off."""
    return suite.quarantining()


def failed_rules(suite: TableSuite, errored: frozenset[str] = frozenset()) -> Column:
    """The names of the quarantining rules a row fails, as an array (empty when it passes all)."""
    return reason_list([F.when(~passes(c, c.name in errored), F.lit(c.name)) for c in quarantining(suite)])


def failure_reasons(suite: TableSuite, errored: frozenset[str] = frozenset()) -> list[Column]:
    """Per quarantining rule, ``'<name>: <what must hold>'`` when the row fails it, else null."""
    return [
        F.when(~passes(c, c.name in errored), F.lit(f"{c.name}: expected {c.expected()}")) for c in quarantining(suite)
    ]


def helper_columns(suite: TableSuite) -> list[str]:
    return [c.helper_column() for c in suite.checks if c.HELPER is not None]


def drop_helpers(df: DataFrame, suite: TableSuite) -> DataFrame:
    return df.drop(*helper_columns(suite))


def columns_of(checks: Sequence) -> set[str]:
    """Columns the checks read (for a clear error when a suite names a column the table lacks)."""
    cols: set[str] = set()
    for c in checks:
        for attr in ("column", "columns", "keys", "valid_from", "valid_to", "is_current"):
            value = getattr(c, attr, None)
            if isinstance(value, str):
                cols.add(value)
            elif isinstance(value, list):
                cols.update(value)
    return cols
