"""Keys and slowly changing dimensions (type 2) as pure transforms, for every domain's models.

Everything here is deterministic in its input: surrogate keys are hashes, never sequences, and the
newest delivery of a key is chosen by the raw audit columns, so an incremental build and a full rebuild
of the same rows give identical tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

OPEN_END = "9999-12-31"  # valid_to of a current SCD2 version (periods are [valid_from, valid_to))
# Raw audit columns that order deliveries: later ingest, then later file, then later line wins.
DELIVERY_ORDER = ("_ingested_at", "_source_file", "_line")


def latest_per_key(df: DataFrame, keys: Sequence[str]) -> DataFrame:
    """The newest delivery of each key: a re-delivered row replaces, never duplicates, its predecessor.
    Frames without the audit columns are ordered by all their columns, so the choice stays deterministic."""
    order = [c for c in DELIVERY_ORDER if c in df.columns] or [c for c in df.columns if c not in keys]
    w = Window.partitionBy(*keys).orderBy(*[F.col(c).desc() for c in order])
    return df.withColumn("_rn", F.row_number().over(w)).where("_rn = 1").drop("_rn")


def surrogate_key(*cols: str | Column) -> Column:
    """Deterministic surrogate key, so re-runs and full rebuilds assign the same keys."""
    return F.abs(F.xxhash64(*cols))


def attribute_hash(columns: Sequence[str]) -> Column:
    """SHA-256 of the attributes, null-safe and separator-safe: equal hashes mean nothing tracked changed."""
    parts = [F.coalesce(F.col(c).cast("string"), F.lit("\u0000")) for c in columns]
    return F.sha2(F.concat_ws("\u0001", *parts), 256)


def scd2_versions(
    deliveries: DataFrame,
    keys: Sequence[str],
    tracked: Sequence[str],
    surrogate: str,
    effective_from: str = "_ingest_date",
    first_valid_from: dt.date = dt.date(1900, 1, 1),
    attributes: Sequence[str] = (),
) -> DataFrame:
    """SCD2 history of each key from all its deliveries.

    A delivery takes effect on its ``effective_from`` date; of several deliveries on one date the latest
    wins. A delivery whose ``tracked`` columns hash like the previous version's is a no-op (``attributes``
    ride along, taken from the version's opening delivery). The first version is valid from
    ``first_valid_from``, so facts dated before the first delivery still resolve to it; each version ends
    where the next begins, so periods never overlap and leave no holes.
    """
    per_day = latest_per_key(deliveries, [*keys, effective_from]).withColumn("attr_hash", attribute_hash(tracked))
    by_date = Window.partitionBy(*keys).orderBy(effective_from)
    changes = per_day.withColumn("_prev_hash", F.lag("attr_hash").over(by_date)).where(
        F.col("_prev_hash").isNull() | (F.col("_prev_hash") != F.col("attr_hash"))
    )
    first = F.when(F.row_number().over(by_date) == 1, F.lit(first_valid_from))
    versions = changes.withColumn("valid_from", first.otherwise(F.col(effective_from).cast("date")))
    next_from = F.lead("valid_from").over(by_date)
    return versions.select(
        surrogate_key(*keys, "valid_from").alias(surrogate),
        *keys,
        *tracked,
        *[a for a in attributes if a not in tracked],
        "attr_hash",
        "valid_from",
        F.coalesce(next_from, F.to_date(F.lit(OPEN_END))).alias("valid_to"),
        next_from.isNull().alias("is_current"),
    )
