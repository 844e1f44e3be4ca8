"""Masking of PII columns (flagged ``pii: true`` in the source contracts) in what leaves the lake and
in what people are shown of it.

Deterministic by design: the same value and salt always give the same mask, so masked tables still
join and group on those columns, and a masked sample matches the masked export. Nulls stay null, so
completeness is unchanged.

Two forms of one rule: Spark columns for exports (``mask_pii``), and plain Python for rows shown in
the Airflow UI (``mask_row``, and ``mask_raw_line`` for a quarantined row's delivered text). pyspark is
imported only by the Spark form, so the UI never loads it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from spark_apps.config import PiiConfig, SourceContract

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

REDACTED = "[REDACTED]"
RAW_COLUMN = "_raw"  # a quarantined row's delivered text (a CSV line, a JSON line, a Parquet row as JSON)


def mask_column(column: Column, method: str, salt: str) -> Column:
    """``hash``: hex SHA-256 of salt + value (64 characters); ``redact``: a fixed marker."""
    from pyspark.sql import functions as F

    if method == "redact":
        return F.when(column.isNotNull(), F.lit(REDACTED))
    return F.sha2(F.concat(F.lit(salt), column.cast("string")), 256)


def mask_pii(df: DataFrame, pii: Iterable[str], cfg: PiiConfig) -> DataFrame:
    """``df`` with every column named in ``pii`` masked (case-insensitively); other columns untouched."""
    from pyspark.sql import functions as F

    flagged = {name.lower() for name in pii}
    return df.select(
        *[
            mask_column(F.col(f"`{c}`"), cfg.method, cfg.salt).alias(c) if c.lower() in flagged else F.col(f"`{c}`")
            for c in df.columns
        ]
    )


def mask_value(value: Any, cfg: PiiConfig) -> str | None:
    """The plain-Python twin of ``mask_column``: equal to what an export holds for the same value."""
    if value is None:
        return None
    if cfg.method == "redact":
        return REDACTED
    return hashlib.sha256((cfg.salt + str(value)).encode("utf-8")).hexdigest()


def mask_row(row: Mapping[str, Any], pii: Iterable[str], cfg: PiiConfig) -> dict[str, Any]:
    """One row (column -> value) with the ``pii`` columns masked, matched case-insensitively."""
    flagged = {name.lower() for name in pii}
    return {k: mask_value(v, cfg) if k.lower() in flagged else v for k, v in row.items()}


def mask_raw_line(
    raw: str | None, contract: SourceContract, header: Sequence[str] | None, cfg: PiiConfig
) -> str | None:
    """A quarantined row's delivered text with the contract's PII fields masked, the rest as delivered.

    CSV lines are split with the contract's delimiter and quote and mapped through the file's
    ``header`` (names, aliases, any case). JSON lines (and Parquet rows, kept as JSON) are masked by
    key. When the fields cannot be told apart (no header known, a CSV line whose field count differs
    from its header's, as a stray delimiter or quote shifts every later value, a line that is not a
    JSON object), the whole line is redacted: a sample never shows a value it cannot vouch for."""
    pii = {c.name for c in contract.columns if c.pii}
    if raw is None or not pii:
        return raw
    if contract.format == "csv":
        return _mask_csv_line(raw, contract, header, pii, cfg)
    try:
        record = json.loads(raw)
    except ValueError:
        return REDACTED
    if not isinstance(record, dict):
        return REDACTED
    masked = {k: mask_value(v, cfg) if contract.canonical_name(k) in pii else v for k, v in record.items()}
    return json.dumps(masked, ensure_ascii=False)


def _mask_csv_line(
    raw: str, contract: SourceContract, header: Sequence[str] | None, pii: set[str], cfg: PiiConfig
) -> str:
    if not header:
        return REDACTED
    positions = {i for i, name in enumerate(header) if contract.canonical_name(name) in pii}
    delimiter, quote = contract.reader.delimiter, contract.reader.quote
    fields = next(csv.reader([raw], delimiter=delimiter, quotechar=quote), [])
    if len(fields) != len(header):
        return f"{REDACTED} ({len(fields)} fields where the header has {len(header)})"
    masked = [mask_value(f, cfg) if i in positions and f != "" else f for i, f in enumerate(fields)]
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, quotechar=quote, lineterminator="").writerow(masked)
    return out.getvalue()
