"""Landing → raw: turn delivered CSV lines into typed rows or quarantined rows with reasons.

Files are read whole and split into lines here (not by Spark's CSV reader) so that every row keeps
its exact file and line number, CR-only endings work, and a malformed line can never shift or swallow
its neighbours. Each line is then parsed with ``from_csv`` using the header of its own file, so files
with reordered, re-cased or aliased columns load side by side.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from spark_apps.config import ColumnSpec, SourceContract

LINE_BREAK = r"\r\n|\r|\n"
MAX_VALUE_IN_REASON = 80

LINE_COLUMNS = ["_source_file", "_line", "_raw"]


@dataclass(frozen=True)
class HeaderLayout:
    """How one file's header maps onto the contract."""

    fields: tuple[str, ...]
    mapping: tuple[tuple[int, str], ...]  # (position, canonical column)
    extras: tuple[tuple[int, str], ...] = ()  # (position, delivered name) of columns the contract lacks
    file_errors: tuple[str, ...] = ()

    @property
    def canonical(self) -> set[str]:
        return {name for _, name in self.mapping}


def split_header(header_line: str, delimiter: str, quote: str) -> tuple[str, ...]:
    """Header fields, unquoted. Headers hold names, so a simple split is sufficient."""
    return tuple(f.strip().strip(quote).strip() for f in header_line.split(delimiter))


def plan_layout(contract: SourceContract, fields: Sequence[str]) -> HeaderLayout:
    """Map delivered header names to canonical columns (case-insensitive, aliases) and apply drift policy."""
    mapping: dict[int, str] = {}
    extras: dict[int, str] = {}
    errors: list[str] = []
    for pos, name in enumerate(fields):
        canonical = contract.canonical_name(name)
        if canonical is None:
            extras[pos] = name
        elif canonical in mapping.values():
            errors.append(f"file: column '{canonical}' appears twice in the header")
        else:
            mapping[pos] = canonical
    present = set(mapping.values())
    for col in contract.columns:
        if not col.nullable and col.name not in present:
            errors.append(f"file: required column '{col.name}' is missing from the header")
    if extras and contract.drift.extra_columns == "reject":
        errors.extend(f"file: unexpected column '{name}'" for name in extras.values())
    return HeaderLayout(tuple(fields), tuple(mapping.items()), tuple(extras.items()), tuple(errors))


def read_lines(spark: SparkSession, files: Sequence[str]) -> DataFrame:
    """One row per non-blank line: (_source_file, _line [1-based], _raw)."""
    whole = spark.read.text(list(files), wholetext=True).select(
        F.col("_metadata.file_path").alias("_source_file"), F.col("value")
    )
    lines = whole.select("_source_file", F.posexplode(F.split("value", LINE_BREAK)).alias("pos", "_raw"))
    return lines.select("_source_file", (F.col("pos") + 1).cast("long").alias("_line"), "_raw").where(
        F.trim("_raw") != ""
    )


def _field_count(raw: Column, delimiter: str, quote: str) -> Column:
    """Number of fields in a line: quoted sections (with doubled quotes inside) removed, then delimiters counted."""
    q, d = re.escape(quote), re.escape(delimiter)
    unquoted = F.regexp_replace(raw, f"{q}([^{q}]|{q}{q})*{q}", "x")
    return F.size(F.split(unquoted, d, -1))


def _quote_count(raw: Column, quote: str) -> Column:
    return F.length(raw) - F.length(F.replace(raw, F.lit(quote), F.lit("")))


def parse_lines(lines: DataFrame, contract: SourceContract, layout: HeaderLayout) -> DataFrame:
    """Data lines of files sharing ``layout`` → canonical string columns plus ``_shape_errors``."""
    width = len(layout.fields)
    reader = contract.reader
    schema = StructType([StructField(f"f{i}", StringType()) for i in range(width)])
    options = {"sep": reader.delimiter, "quote": reader.quote, "escape": reader.quote, "mode": "PERMISSIVE"}
    parsed = lines.where(F.col("_line") > 1).select(
        *LINE_COLUMNS,
        F.from_csv("_raw", schema.simpleString(), options).alias("_p"),
        _field_count(F.col("_raw"), reader.delimiter, reader.quote).alias("_n"),
    )
    shape = [
        F.when(_quote_count(F.col("_raw"), reader.quote) % 2 == 1, F.lit("malformed: unbalanced quote")),
        F.when(F.col("_n") > width, F.concat(F.lit(f"malformed: expected {width} fields, found "), F.col("_n"))),
        F.when(F.col("_n") < width, F.concat(F.lit(f"malformed: expected {width} fields, found "), F.col("_n"))),
        *[F.lit(e) for e in layout.file_errors],
    ]
    canonical = [F.col(f"_p.f{pos}").alias(name) for pos, name in layout.mapping] + [
        F.lit(None).cast("string").alias(col.name) for col in contract.columns if col.name not in layout.canonical
    ]
    extras = (
        F.create_map(*[x for pos, name in layout.extras for x in (F.lit(name), F.col(f"_p.f{pos}"))])
        if layout.extras
        else F.lit(None).cast("map<string,string>")
    )
    return parsed.select(*LINE_COLUMNS, *canonical, extras.alias("_extra"), F.array(*shape).alias("_shape_errors"))


def _typed(col: ColumnSpec) -> Column:
    raw = F.col(col.name)
    if col.type == "string":
        return raw
    if col.type in ("date", "timestamp"):
        fn = F.to_date if col.type == "date" else F.to_timestamp
        parsers = [fn(raw, fmt) for fmt in col.formats] or [raw.cast(col.type)]
        return F.coalesce(*parsers) if len(parsers) > 1 else parsers[0]
    return F.trim(raw).cast(col.type)


def _shorten(value: Column) -> Column:
    return F.when(
        F.length(value) > MAX_VALUE_IN_REASON, F.concat(F.substring(value, 1, MAX_VALUE_IN_REASON), F.lit("…"))
    ).otherwise(value)


def type_rows(parsed: DataFrame, contract: SourceContract) -> DataFrame:
    """Cast to contract types and collect every failed rule of a row into ``_reasons`` (empty = valid)."""
    typed_cols: list[Column] = []
    checks: list[Column] = []
    for col in contract.columns:
        raw = F.when(F.col(col.name) != "", F.col(col.name))  # empty field = missing value
        typed = _typed(col)
        typed_expr = F.when(raw.isNotNull(), typed)
        typed_cols.append(typed_expr.alias(col.name))
        if not col.nullable:
            checks.append(F.when(raw.isNull(), F.lit(f"{col.name}: required value is missing")))
        checks.append(
            F.when(
                raw.isNotNull() & typed.isNull(),
                F.concat(F.lit(f"{col.name}: cannot parse '"), _shorten(raw), F.lit(f"' as {col.type}")),
            )
        )
    # A structurally broken line (or file) reports only that: its fields are misaligned, so per-column
    # errors would be noise.
    shape = F.array_compact(F.col("_shape_errors"))
    reasons = F.when(F.size(shape) > 0, shape).otherwise(F.array_compact(F.array(*checks)))
    return parsed.select(*LINE_COLUMNS, *typed_cols, "_extra", reasons.alias("_reasons"))


def parse_batch(
    spark: SparkSession, contract: SourceContract, files_by_layout: dict[HeaderLayout, list[str]]
) -> DataFrame:
    """All files of a batch, each parsed with its own header, as one typed frame with ``_reasons``."""
    frames = [
        type_rows(parse_lines(read_lines(spark, files), contract, layout), contract)
        for layout, files in files_by_layout.items()
    ]
    result = frames[0]
    for frame in frames[1:]:
        result = result.unionByName(frame)
    return result


def with_audit(df: DataFrame, batch_id: str, batch_date: str, run_id: str) -> DataFrame:
    return df.select(
        "*",
        F.lit(batch_id).alias("_batch_id"),
        F.lit(run_id).alias("_run_id"),
        F.current_timestamp().alias("_ingested_at"),
        F.to_date(F.lit(batch_date)).alias("_ingest_date"),
    )


def raw_rows(batch: DataFrame, contract: SourceContract) -> DataFrame:
    """Valid rows in raw-table shape: contract columns, kept extra columns, audit columns."""
    return batch.where(F.size("_reasons") == 0).select(
        *[c.name for c in contract.columns],
        "_extra",
        "_batch_id",
        "_source_file",
        "_line",
        "_run_id",
        "_ingested_at",
        "_ingest_date",
    )


def quarantine_rows(batch: DataFrame) -> DataFrame:
    """Invalid rows as delivered, with the rules they failed."""
    return batch.where(F.size("_reasons") > 0).select(
        "_source_file", "_line", "_raw", "_reasons", "_batch_id", "_run_id", "_ingested_at", "_ingest_date"
    )
