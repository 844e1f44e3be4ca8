"""What incremental builds share: the progress table's schema, change detection between two states of a
table, partition filters, and the report a build prints for its task log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

STATE_SCHEMA = "consumer string, source string, high_water timestamp, run_id string, updated_at timestamp"


def changed_keys(new: DataFrame, old: DataFrame, key: str) -> DataFrame:
    """Distinct non-null ``key`` values of rows that differ between two states of the same rows
    (added, removed or changed in any column)."""
    cols = new.columns
    a, b = new.select(*cols), old.select(*cols)
    return a.subtract(b).union(b.subtract(a)).select(key).where(F.col(key).isNotNull()).distinct()


def sql_literal(value: object) -> str:
    """A partition value as a Spark SQL literal (dates and timestamps typed, so they compare as such)."""
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP'{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"DATE'{value.isoformat()}'"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def in_predicate(column: str, values: list[Any]) -> str:
    """SQL ``column IN (...)`` for a partition filter; a None among the values adds ``IS NULL``."""
    literals = [sql_literal(v) for v in sorted(v for v in values if v is not None)]
    parts = [f"{column} IN ({', '.join(literals)})"] if literals else []
    if any(v is None for v in values):
        parts.append(f"{column} IS NULL")
    return " OR ".join(parts) if parts else "false"


@dataclass
class BuildReport:
    """What one run changed, printed as ``PROCESSING_RESULT`` lines for the task log."""

    lines: list[str] = field(default_factory=list)

    def add(self, table: str, **figures: object) -> None:
        text = " ".join(f"{k}={v}" for k, v in figures.items())
        self.lines.append(f"PROCESSING_RESULT table={table} {text}")

    def extend_last(self, **figures: object) -> None:
        """Append figures known only after the table's line was added (say, the seconds it took)."""
        self.lines[-1] += "".join(f" {k}={v}" for k, v in figures.items())
