"""Masking of PII columns (flagged ``pii: true`` in the source contracts) in what leaves the lake.

Deterministic by design: the same value and salt always give the same mask, so masked tables still
join and group on those columns. Nulls stay null, so completeness is unchanged."""

from __future__ import annotations

from collections.abc import Iterable

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from spark_apps.config import PiiConfig

REDACTED = "[REDACTED]"


def mask_column(column: Column, method: str, salt: str) -> Column:
    """``hash``: hex SHA-256 of salt + value (64 characters); ``redact``: a fixed marker."""
    if method == "redact":
        return F.when(column.isNotNull(), F.lit(REDACTED))
    return F.sha2(F.concat(F.lit(salt), column.cast("string")), 256)


def mask_pii(df: DataFrame, pii: Iterable[str], cfg: PiiConfig) -> DataFrame:
    """``df`` with every column named in ``pii`` masked (case-insensitively); other columns untouched."""
    flagged = {name.lower() for name in pii}
    return df.select(
        *[
            mask_column(F.col(f"`{c}`"), cfg.method, cfg.salt).alias(c) if c.lower() in flagged else F.col(f"`{c}`")
            for c in df.columns
        ]
    )
