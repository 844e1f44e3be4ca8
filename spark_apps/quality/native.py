"""The native engine: every metric of a suite in one aggregation over the prepared frame, with Deequ's
semantics (and Deequ's messages where Deequ produces no metric), so the two engines agree.

Completeness, compliance predicates, patterns, referential-integrity flags, ages, null rates and the
row count are one ``agg`` over one scan. Uniqueness needs key frequencies: one aggregation per
uniqueness check that reads only its key columns (as Deequ runs its grouping analyzers in a pass of
their own).
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import StringType

from spark_apps.config import FreshnessCheck, PatternCheck, TableSuite, UniquenessCheck
from spark_apps.quality.deequ_engine import empty_state_message, pattern_type_message
from spark_apps.quality.results import Measurements
from spark_apps.quality.rules import passes, row_checks, unique_and_keyed_rows


class NativeEngine:
    name = "native"

    def measure(self, prepared: DataFrame, suite: TableSuite) -> Measurements:
        types = {f.name: f.dataType for f in prepared.schema.fields}
        errors: dict[str, str] = {}
        checks = []
        for c in row_checks(suite):
            if isinstance(c, UniquenessCheck):
                continue
            if isinstance(c, PatternCheck) and not c.allow_null and not isinstance(types[c.column], StringType):
                errors[c.name] = pattern_type_message(c.column, types[c.column])
                continue
            checks.append(c)
        uniqueness = [c for c in suite.checks if isinstance(c, UniquenessCheck)]
        freshness = [c for c in suite.checks if isinstance(c, FreshnessCheck)]
        null_cols = sorted({a.column for a in suite.anomalies if a.column})
        aggs = [F.count(F.lit(1)).alias("rows")]
        aggs += [F.sum(passes(c).cast("long")).alias(f"p{i}") for i, c in enumerate(checks)]
        # Deequ's compliance has no state when the predicate is null on every row
        aggs += [F.count(F.expr(c.compliance_sql())).alias(f"v{i}") for i, c in enumerate(checks)]
        aggs += [F.min(c.helper_column()).alias(f"a{i}") for i, c in enumerate(freshness)]
        aggs += [F.count(F.col(c)).alias(f"n{i}") for i, c in enumerate(null_cols)]
        row = prepared.agg(*aggs).collect()[0]
        rows = int(row["rows"])
        values: dict[str, float | None] = {}
        for i, c in enumerate(checks):
            if rows and row[f"v{i}"] == 0:
                errors[c.name] = empty_state_message(c)
            values[c.name] = row[f"p{i}"] / rows if rows else None
        for i, c in enumerate(freshness):
            values[c.name] = row[f"a{i}"]
            if rows and row[f"a{i}"] is None:
                errors[c.name] = empty_state_message(c)
        checked: dict[str, int] = {}
        for c in uniqueness:
            unique, keyed = unique_and_keyed_rows(prepared, c)
            checked[c.name] = keyed
            values[c.name] = unique / keyed if keyed else None
            if rows and not keyed:
                errors[c.name] = empty_state_message(c)
        null_rates = {c: (1 - row[f"n{i}"] / rows if rows else None) for i, c in enumerate(null_cols)}
        return Measurements(rows, values, null_rates, checked, errors)
