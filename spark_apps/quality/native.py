"""The native engine: every metric of a suite in one aggregation over the prepared frame.

Completeness, compliance predicates, patterns, referential-integrity flags, ages, null rates and the
row count are one ``agg`` over one scan. Uniqueness needs key frequencies: one aggregation per
uniqueness check that reads only its key columns (as Deequ runs its grouping analyzers in a pass of
their own).
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from spark_apps.config import FreshnessCheck, TableSuite, UniquenessCheck
from spark_apps.quality.results import Measurements
from spark_apps.quality.rules import helper_column, passes, row_checks, unique_rows


class NativeEngine:
    name = "native"

    def measure(self, prepared: DataFrame, suite: TableSuite) -> Measurements:
        checks = [c for c in row_checks(suite) if not isinstance(c, UniquenessCheck)]
        uniqueness = [c for c in suite.checks if isinstance(c, UniquenessCheck)]
        freshness = [c for c in suite.checks if isinstance(c, FreshnessCheck)]
        null_cols = sorted({a.column for a in suite.anomalies if a.column})
        aggs = [F.count(F.lit(1)).alias("rows")]
        aggs += [F.sum(passes(c).cast("long")).alias(f"p{i}") for i, c in enumerate(checks)]
        aggs += [F.min(helper_column(c)).alias(f"a{i}") for i, c in enumerate(freshness)]
        aggs += [F.count(F.col(c)).alias(f"n{i}") for i, c in enumerate(null_cols)]
        row = prepared.agg(*aggs).first()
        rows = int(row["rows"])
        values: dict[str, float | None] = {
            c.name: (row[f"p{i}"] / rows if rows else None) for i, c in enumerate(checks)
        }
        values.update({c.name: row[f"a{i}"] for i, c in enumerate(freshness)})
        values.update({c.name: (unique_rows(prepared, c) / rows if rows else None) for c in uniqueness})
        null_rates = {c: (1 - row[f"n{i}"] / rows if rows else None) for i, c in enumerate(null_cols)}
        return Measurements(rows, values, null_rates)
